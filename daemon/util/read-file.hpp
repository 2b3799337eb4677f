// Reading a whole configuration or state file without ever blocking on something that is not a
// regular file. open() of a FIFO waits for a writer, for ever, and with the stop signals blocked
// for sd-event not even SIGTERM ends the wait; a device may never say end-of-file. So the file is
// checked before it is opened, opened non-blocking, and checked again on the descriptor (it may
// have been swapped in between): anything but a regular file is refused, in words.
// Used for the state file (service/state-store) and policy files (policy/policy-load).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace srmd {

struct ReadFileOptions {
    // false: a symbolic link at the path is refused instead of read through (O_NOFOLLOW).
    bool follow_symlinks = true;
    std::size_t max_size = 0;  // larger files fail with EFBIG; 0: no limit
};

// The file's contents in `text`, or what went wrong: errno and strerror() for a failed call
// (ENOENT when there is no such file), error 0 and "not a regular file (a FIFO)" when it is
// something else. `text` is left empty on failure.
std::optional<SystemFailure> read_regular_file(const std::string& path, std::string& text,
                                               const ReadFileOptions& options = {});

}  // namespace srmd
