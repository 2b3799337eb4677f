// Closing what was opened on every path out of a function, for the few places that use raw
// POSIX file descriptors and directory streams.
#pragma once

#include <dirent.h>
#include <unistd.h>

namespace srmd {

struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0)
            ::close(fd);
    }
};

struct DirCloser {
    DIR* dir;
    ~DirCloser() {
        if (dir)
            ::closedir(dir);
    }
};

}  // namespace srmd
