#include "read/root-reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "util/error.hpp"
#include "util/file-handles.hpp"

namespace srmd {

namespace {

std::string_view strip_newline(std::string_view text) {
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    return text;
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

std::string RootReader::read(std::string_view path) const {
    std::string host = host_path(path);
    int fd = ::open(host.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw SystemError(host, errno);
    FdCloser closer{fd};
    ++files_opened_;

    // sysfs attributes are at most a page; /proc/iomem and node lists can be longer.
    std::string data;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw SystemError(host, errno);
        }
        if (n == 0)
            break;
        data.append(buffer, static_cast<size_t>(n));
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
    std::string host = host_path(path);
    DIR* dir = ::opendir(host.c_str());
    if (!dir)
        throw SystemError(host, errno);
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
        throw SystemError(host, errno);
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
    struct stat st;
    if (::lstat(host_path(path).c_str(), &st) != 0)
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
    // Follow links inside the tree, never out of it: a captured tree's links are relative, and
    // on the real root canonical() and the kernel agree.
    try {
        std::string resolved = canonical(path);
        return ::access(host_path(resolved).c_str(), F_OK) == 0;
    } catch (const SystemError&) {
        return false;
    }
}

bool RootReader::is_dir(std::string_view path) const {
    try {
        struct stat st;
        return ::stat(host_path(canonical(path)).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    } catch (const SystemError&) {
        return false;
    }
}

std::optional<std::string> RootReader::read_link(std::string_view path) const {
    std::string host = host_path(path);
    char target[PATH_MAX];
    ssize_t n = ::readlink(host.c_str(), target, sizeof target - 1);
    if (n < 0) {
        if (errno == ENOENT || errno == EINVAL)
            return std::nullopt;
        throw SystemError(host, errno);
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
    // tree. The kernel's sysfs links are relative; an absolute one is taken below the root.
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
    if (::access(host_path(result).c_str(), F_OK) != 0)
        throw SystemError(host_path(path), errno);
    return result;
}

}  // namespace srmd
