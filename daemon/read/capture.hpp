// `srmctl capture DIR`: copy the parts of /proc and /sys that RootReader-based code reads into DIR,
// keeping symlinks as symlinks, so that `srmctl simulate --root DIR` sees what srmd saw; and the
// kernel log lines srmd recognises into DIR/dev/kmsg, so that the tree explains itself.
#pragma once

#include <string>

namespace srmd {

class RootReader;

struct CaptureStats {
    unsigned long files = 0;
    unsigned long links = 0;
    unsigned long dirs = 0;
    unsigned long unreadable = 0;  // write-only attributes and the like, captured as empty files
};

// Throws SystemError when the source cannot be walked or the destination cannot be written.
CaptureStats capture_tree(const RootReader& source, const std::string& destination);

}  // namespace srmd
