#include "util/read-file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/file-handles.hpp"

namespace srmd {

namespace {

SystemFailure failed(const std::string& path, int error) {
    return {error, path, std::strerror(error)};
}

SystemFailure not_regular(const std::string& path, mode_t mode) {
    const char* kind = S_ISFIFO(mode)   ? "a FIFO"
                       : S_ISDIR(mode)  ? "a directory"
                       : S_ISCHR(mode)  ? "a character device"
                       : S_ISBLK(mode)  ? "a block device"
                       : S_ISSOCK(mode) ? "a socket"
                       : S_ISLNK(mode)  ? "a symbolic link"
                                        : "of an unknown kind";
    return {0, path, std::string("not a regular file (") + kind + ")"};
}

}  // namespace

std::optional<SystemFailure> read_regular_file(const std::string& path, std::string& text,
                                               const ReadFileOptions& options) {
    text.clear();
    struct stat st {};
    int r = options.follow_symlinks ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
    if (r != 0)
        return failed(path, errno);
    if (!S_ISREG(st.st_mode))
        return not_regular(path, st.st_mode);

    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    if (!options.follow_symlinks)
        flags |= O_NOFOLLOW;
    UniqueFd file{::open(path.c_str(), flags)};
    if (file.get() < 0)
        return errno == ELOOP && !options.follow_symlinks ? not_regular(path, S_IFLNK)
                                                          : failed(path, errno);
    if (::fstat(file.get(), &st) != 0)
        return failed(path, errno);
    if (!S_ISREG(st.st_mode))
        return not_regular(path, st.st_mode);

    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(file.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int error = errno;
            text.clear();
            return failed(path, error);
        }
        if (n == 0)
            return std::nullopt;
        text.append(buffer, static_cast<std::size_t>(n));
        if (options.max_size && text.size() > options.max_size) {
            text.clear();
            return failed(path, EFBIG);
        }
    }
}

}  // namespace srmd
