#include "util/atomic-file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>

#include "util/error.hpp"
#include "util/file-handles.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// Names are random, so a clash means someone is guessing; give up after a few.
constexpr int kNameAttempts = 16;

// 48 random bits in hex. getrandom() does not block once the pool is ready, which it is long
// before srmd starts; if it is not, a clock reading is unpredictable enough for a name that is
// created exclusively anyway.
std::string random_suffix() {
    std::uint64_t bits = 0;
    if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits))
        bits = static_cast<std::uint64_t>(
                   std::chrono::steady_clock::now().time_since_epoch().count()) ^
               (static_cast<std::uint64_t>(::getpid()) << 40);
    static const char digits[] = "0123456789abcdef";
    std::string suffix;
    for (int i = 0; i < 12; ++i, bits >>= 4)
        suffix += digits[bits & 0xf];
    return suffix;
}

// Hidden, and ending neither in ".rules" nor ".json": udev and readers of the directory skip it.
std::string temporary_name(std::string_view name) {
    return "." + std::string(name) + ".srmd-" + random_suffix();
}

// 0, or the errno of the failing write or fsync.
int write_and_sync(int fd, std::string_view content) {
    while (!content.empty()) {
        ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    return ::fsync(fd) == 0 ? 0 : errno;
}

// Gives the unnamed file `fd` a random name in `dir_fd`. nullopt when this system cannot link an
// unnamed file (no /proc and no CAP_DAC_READ_SEARCH for AT_EMPTY_PATH): the caller falls back to
// a named temporary file. Throws on any other failure.
std::optional<std::string> link_unnamed(int fd, int dir_fd, std::string_view name,
                                        const std::string& path) {
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    bool through_proc = true;
    for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
        std::string temporary = temporary_name(name);
        int r = through_proc
                    ? ::linkat(AT_FDCWD, proc.c_str(), dir_fd, temporary.c_str(), AT_SYMLINK_FOLLOW)
                    : ::linkat(fd, "", dir_fd, temporary.c_str(), AT_EMPTY_PATH);
        if (r == 0)
            return temporary;
        if (errno == EEXIST)
            continue;
        if (through_proc && errno == ENOENT) {
            through_proc = false;  // /proc is not mounted: ask the kernel directly
            --attempt;
            continue;
        }
        if (!through_proc && (errno == EPERM || errno == ENOENT || errno == EINVAL))
            return std::nullopt;
        throw SystemError(path, errno);
    }
    throw SystemError(path, EEXIST);
}

// The new contents under a random name in `dir_fd`, through O_TMPFILE when the filesystem has it.
std::string write_temporary(int dir_fd, std::string_view name, const std::string& path,
                            std::string_view content, const AtomicWriteOptions& options) {
    if (options.allow_tmpfile) {
        UniqueFd file{::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, options.mode)};
        if (file.get() >= 0) {
            if (int error = write_and_sync(file.get(), content))
                throw SystemError(path, error);  // an unnamed file vanishes with its descriptor
            if (std::optional<std::string> linked = link_unnamed(file.get(), dir_fd, name, path))
                return *linked;
        } else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT) {
            // Not a missing O_TMPFILE but a real refusal (EACCES, EROFS, ENOSPC): a named file
            // would meet it too.
            throw SystemError(path, errno);
        }
    }
    for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
        std::string temporary = temporary_name(name);
        // O_EXCL: never an existing file, nor a symlink (dangling or not) planted at the name.
        int fd = ::openat(dir_fd, temporary.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, options.mode);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            throw SystemError(path, errno);
        int error = write_and_sync(fd, content);
        if (::close(fd) != 0 && error == 0)
            error = errno;
        if (error != 0) {
            ::unlinkat(dir_fd, temporary.c_str(), 0);
            throw SystemError(path, error);
        }
        return temporary;
    }
    throw SystemError(path, EEXIST);
}

}  // namespace

void atomic_write_file(const std::string& path, std::string_view content,
                       const AtomicWriteOptions& options) {
    const std::string_view name = base_name(path);
    if (name.empty() || name == "." || name == "..")
        throw SystemError(path, EISDIR);
    const std::string dir(dir_name(path));
    UniqueFd directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (directory.get() < 0)
        throw SystemError(dir, errno);

    const std::string temporary = write_temporary(directory.get(), name, path, content, options);
    const std::string target(name);
    if (::renameat(directory.get(), temporary.c_str(), directory.get(), target.c_str()) != 0) {
        int error = errno;
        ::unlinkat(directory.get(), temporary.c_str(), 0);
        throw SystemError(path, error);
    }
    // Makes the rename itself durable. EINVAL: a filesystem that cannot sync directories.
    if (::fsync(directory.get()) != 0 && errno != EINVAL)
        throw SystemError(dir, errno);
}

}  // namespace srmd
