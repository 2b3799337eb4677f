// Replacing a whole file so that a reader, or srmd after a crash or a power loss, sees either the
// old contents or the new ones, never half of them; and so that nothing planted in the directory
// can redirect the write. srmd runs as root and writes into directories others may reach
// (/run/udev/rules.d, a --state-dir): a symlink waiting at a predictable temporary name must never
// be followed, or root would overwrite its target.
//
// How: the new contents go into an unnamed file (O_TMPFILE) that is linked into the directory
// under a random name (linkat never follows or replaces what is there) and renamed over the file.
// Where the filesystem has no O_TMPFILE, a random temporary name is created with
// O_CREAT|O_EXCL|O_NOFOLLOW instead. Either way the data is fsync'ed before the rename and the
// directory after it. The one place srmd writes whole files (state-store, competing-actors).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace srmd {

struct AtomicWriteOptions {
    mode_t mode = 0644;  // of the new file, before the umask
    // false: go straight to the named temporary file, as on a filesystem without O_TMPFILE
    // (tests use it to cover that way).
    bool allow_tmpfile = true;
};

// Replaces `path` (its directory must exist) with `content`. A symlink at `path` itself is
// replaced, not followed. Throws SystemError with the path concerned and the errno; no temporary
// file is left behind then.
void atomic_write_file(const std::string& path, std::string_view content,
                       const AtomicWriteOptions& options = {});

}  // namespace srmd
