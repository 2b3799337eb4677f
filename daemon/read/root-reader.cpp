#include "read/root-reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "read/in-root.hpp"
#include "util/error.hpp"
#include "util/file-handles.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

std::string_view strip_newline(std::string_view text) {
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    return text;
}

bool is_proc_path(std::string_view path) {
    while (path.size() > 1 && path[0] == '/' && path[1] == '/')
        path.remove_prefix(1);
    return path.substr(0, 6) == "/proc/";
}

// The error for a file read() will not take: what it is instead of a regular file.
SystemError not_regular(const std::string& host, mode_t mode) {
    const char* what = S_ISFIFO(mode)   ? "a FIFO"
                       : S_ISCHR(mode)  ? "a character device"
                       : S_ISBLK(mode)  ? "a block device"
                       : S_ISSOCK(mode) ? "a socket"
                                        : "of an unknown type";
    return SystemError(
        host, std::string("is ") + what + ", not a regular file: srmd reads only regular files");
}

// Splits "/a/b/c" into its components, dropping empty ones and ".".
std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos < path.size()) {
        size_t slash = path.find('/', pos);
        if (slash == std::string_view::npos)
            slash = path.size();
        std::string_view part = path.substr(pos, slash - pos);
        if (!part.empty() && part != ".")
            parts.emplace_back(part);
        pos = slash + 1;
    }
    return parts;
}

// {"sys", "bus"} -> "/sys/bus"; {} -> "/".
std::string join(const std::vector<std::string>& parts) {
    if (parts.empty())
        return "/";
    std::string path;
    for (const std::string& part : parts) {
        path += '/';
        path += part;
    }
    return path;
}

std::string size_words(std::size_t bytes) {
    return human_size(bytes) + " (" + std::to_string(bytes) + " bytes)";
}

}  // namespace

RootReader::RootReader(std::string root) : root_(std::move(root)) {
    while (!root_.empty() && root_.back() == '/')
        root_.pop_back();
    if (!root_.empty() && root_.front() != '/') {
        // A relative root would change meaning if anyone chdir()s; pin it now.
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof cwd))
            root_ = std::string(cwd) + "/" + root_;
    }
}

std::string RootReader::host_path(std::string_view path) const {
    std::string host = root_;
    if (path.empty() || path.front() != '/')
        host += '/';
    host += path;
    return host;
}

int RootReader::root_fd() const {
    if (!root_fd_ || !*root_fd_) {
        const std::string root = root_.empty() ? "/" : root_;
        int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            throw SystemError(root, errno);
        root_fd_ = std::make_shared<Fd>(fd);
    }
    return root_fd_->get();
}

int RootReader::try_open(std::string_view path, int flags) const {
    if (root_.empty()) {
        // Nothing leads out of "/": open(2) resolves there exactly as RESOLVE_IN_ROOT would, and
        // tools that redirect /sys by preloading open() (umockdev) still see the reads.
        int fd = ::open(host_path(path).c_str(), flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    return open_in_root(root_fd(), path, flags, 0, Confinement::InRoot);
}

Fd RootReader::open(std::string_view path, int flags) const {
    int fd = try_open(path, flags);
    if (fd < 0)
        throw SystemError(host_path(path), -fd);
    return Fd(fd);
}

int RootReader::open_stream(std::string_view path) const {
    int fd = try_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd >= 0)
        ++files_opened_;
    return fd;
}

std::string RootReader::read(std::string_view path) const {
    // O_NONBLOCK: opening a FIFO must not wait for a writer before the type check refuses it.
    int opened = try_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (opened == -ENXIO) {
        // open(2) of a socket: say what it is rather than "No such device or address".
        Fd socket(try_open(path, O_PATH));
        if (socket && ::fstat(socket.get(), &st) == 0 && S_ISSOCK(st.st_mode))
            throw not_regular(host_path(path), st.st_mode);
    }
    if (opened < 0)
        throw SystemError(host_path(path), -opened);
    Fd fd(opened);
    ++files_opened_;
    if (::fstat(fd.get(), &st) != 0)
        throw SystemError(host_path(path), errno);
    if (S_ISDIR(st.st_mode))
        throw SystemError(host_path(path), EISDIR);
    if (!S_ISREG(st.st_mode))
        throw not_regular(host_path(path), st.st_mode);

    // sysfs attributes say they are a page long and procfs files 0 bytes, so only the reading
    // tells; a file on disk that says it is too long is refused unread.
    const std::size_t limit = is_proc_path(path) ? kMaxProcFile : kMaxFile;
    auto too_large = [&] {
        return SystemError(host_path(path), "is larger than " + size_words(limit) +
                                                ", more than any file srmd reads can hold");
    };
    if (st.st_size > 0 && static_cast<std::uint64_t>(st.st_size) > limit)
        throw too_large();
    std::string data;
    char buffer[4096];
    for (;;) {
        std::size_t want = std::min(sizeof buffer, limit + 1 - data.size());
        ssize_t n = ::read(fd.get(), buffer, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw SystemError(host_path(path), errno);
        }
        if (n == 0)
            break;
        data.append(buffer, static_cast<size_t>(n));
        if (data.size() > limit)
            throw too_large();
    }
    return data;
}

std::string RootReader::read_attr(std::string_view path) const {
    return std::string(strip_newline(read(path)));
}

std::optional<std::string> RootReader::read_attr_optional(std::string_view path) const {
    try {
        return read_attr(path);
    } catch (const SystemError& error) {
        if (error.error_number() == ENOENT)
            return std::nullopt;
        throw;
    }
}

std::vector<std::string> RootReader::list(std::string_view path) const {
    Fd fd = open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
    DIR* dir = ::fdopendir(fd.get());
    if (!dir)
        throw SystemError(host_path(path), errno);
    fd.release();
    DirCloser closer{dir};
    ++dirs_listed_;

    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        names.emplace_back(entry->d_name);
    }
    if (errno != 0)
        throw SystemError(host_path(path), errno);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> RootReader::list_optional(std::string_view path) const {
    try {
        return list(path);
    } catch (const SystemError& error) {
        if (error.error_number() == ENOENT)
            return {};
        throw;
    }
}

RootReader::Kind RootReader::kind(std::string_view path) const {
    int fd = try_open(path, O_PATH | O_NOFOLLOW);
    if (fd < 0)
        return Kind::Missing;
    Fd closer(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0)
        return Kind::Missing;
    if (S_ISLNK(st.st_mode))
        return Kind::Symlink;
    if (S_ISDIR(st.st_mode))
        return Kind::Directory;
    if (S_ISREG(st.st_mode))
        return Kind::File;
    return Kind::Other;
}

bool RootReader::exists(std::string_view path) const {
    try {
        int fd = try_open(path, O_PATH);
        Fd closer(fd);
        return fd >= 0;
    } catch (const SystemError&) {
        return false;  // no root
    }
}

bool RootReader::is_dir(std::string_view path) const {
    try {
        int fd = try_open(path, O_PATH | O_DIRECTORY);
        Fd closer(fd);
        return fd >= 0;
    } catch (const SystemError&) {
        return false;
    }
}

std::optional<unsigned> RootReader::permissions(std::string_view path) const {
    int fd = try_open(path, O_PATH | O_NOFOLLOW);
    if (fd < 0)
        return std::nullopt;
    Fd closer(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0)
        return std::nullopt;
    return st.st_mode & 07777;
}

std::optional<std::string> RootReader::read_link(std::string_view path) const {
    int fd = try_open(path, O_PATH | O_NOFOLLOW);
    if (fd < 0) {
        if (fd == -ENOENT)
            return std::nullopt;
        throw SystemError(host_path(path), -fd);
    }
    Fd closer(fd);
    char target[PATH_MAX];
    // An empty path reads the link the O_PATH descriptor stands for; anything else is EINVAL or
    // ENOENT, "not a symlink".
    ssize_t n = ::readlinkat(fd, "", target, sizeof target - 1);
    if (n < 0) {
        if (errno == ENOENT || errno == EINVAL)
            return std::nullopt;
        throw SystemError(host_path(path), errno);
    }
    return std::string(target, static_cast<size_t>(n));
}

std::optional<std::string> RootReader::link_name(std::string_view path) const {
    std::optional<std::string> target = read_link(path);
    if (!target)
        return std::nullopt;
    size_t slash = target->rfind('/');
    return slash == std::string::npos ? *target : target->substr(slash + 1);
}

std::string RootReader::canonical(std::string_view path) const {
    // Resolve component by component so that ".." and link targets are interpreted inside the
    // tree: every component kept is a directory (read_link, confined, said it is no link), so
    // dropping one for ".." goes to its real parent. The kernel's sysfs links are relative; an
    // absolute one is taken below the root.
    std::vector<std::string> pending = components(path);
    std::reverse(pending.begin(), pending.end());
    std::vector<std::string> resolved;
    int links_followed = 0;

    while (!pending.empty()) {
        std::string part = std::move(pending.back());
        pending.pop_back();
        if (part == "..") {
            if (!resolved.empty())
                resolved.pop_back();
            continue;
        }
        resolved.push_back(part);

        std::string current = join(resolved);
        std::optional<std::string> target = read_link(current);
        if (!target)
            continue;
        if (++links_followed > 40)
            throw SystemError(host_path(path), ELOOP);
        resolved.pop_back();
        if (!target->empty() && target->front() == '/')
            resolved.clear();
        std::vector<std::string> target_parts = components(*target);
        for (auto it = target_parts.rbegin(); it != target_parts.rend(); ++it)
            pending.push_back(*it);
    }

    std::string result = join(resolved);
    int fd = try_open(result, O_PATH);
    if (fd < 0)
        throw SystemError(host_path(path), -fd);
    ::close(fd);
    return result;
}

}  // namespace srmd
