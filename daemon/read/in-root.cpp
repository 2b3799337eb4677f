// openat2() where the kernel has it, and the walk that does what RESOLVE_IN_ROOT and
// RESOLVE_BENEATH do where it does not (in-root.hpp says why).
#include "read/in-root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <vector>

namespace srmd {

namespace {

// As the kernel's MAXSYMLINKS.
constexpr int kMaxLinks = 40;
// openat2 fails with EAGAIN when a rename anywhere raced a ".." it resolved; it is worth trying
// again a few times, then the walk, which has no such limit, does it.
constexpr int kOpenat2Attempts = 16;

std::atomic<bool> g_openat2_missing{false};

// "/a//./b/" -> {"a", "b"}, in reverse order so that the next component is at the back.
void push_components(std::string_view path, std::vector<std::string>& pending) {
    std::size_t end = path.size();
    while (end > 0) {
        std::size_t slash = path.rfind('/', end - 1);
        std::size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
        std::string_view part = path.substr(begin, end - begin);
        if (!part.empty() && part != ".")
            pending.emplace_back(part);
        if (slash == std::string_view::npos)
            break;
        end = slash;
    }
}

std::string relative(std::string_view path) {
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    return path.empty() ? std::string(".") : std::string(path);
}

// Resolves `path` below `root_fd` one component at a time. Each directory entered is held open,
// so ".." is the parent actually entered and a rename elsewhere cannot move the walk out. The
// final component is opened with `flags` (and O_NOFOLLOW: a symlink there is read and followed
// here, unless the caller asked for O_NOFOLLOW).
int walk(int root_fd, std::string_view path, int flags, mode_t mode, Confinement how) {
    std::vector<std::string> pending;
    push_components(path, pending);
    // "dir/" must be a directory, a link to one followed: a last "." stands for the slash.
    if (!pending.empty() && path.back() == '/')
        pending.insert(pending.begin(), ".");
    std::vector<Fd> dirs;  // directories entered below the root, innermost last
    int links = 0;
    const bool follow_last = (flags & O_NOFOLLOW) == 0;
    auto current = [&] { return dirs.empty() ? root_fd : dirs.back().get(); };

    // Puts the target of the symlink `name` in `dir` in front of what is left to resolve.
    auto follow = [&](int dir, const std::string& name) -> int {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(dir, name.c_str(), target, sizeof target);
        if (n < 0)
            return -errno;
        if (static_cast<std::size_t>(n) == sizeof target)
            return -ENAMETOOLONG;
        if (++links > kMaxLinks)
            return -ELOOP;
        std::string_view text(target, static_cast<std::size_t>(n));
        if (!text.empty() && text.front() == '/') {
            if (how == Confinement::Beneath)
                return -EXDEV;
            dirs.clear();
        }
        push_components(text, pending);
        return 0;
    };

    while (!pending.empty()) {
        std::string name = std::move(pending.back());
        pending.pop_back();
        const bool last = pending.empty();
        if (name == ".")
            continue;  // the trailing slash: open the directory reached
        if (name == "..") {
            if (dirs.empty()) {
                if (how == Confinement::Beneath)
                    return -EXDEV;
            } else {
                dirs.pop_back();
            }
            continue;
        }
        const int dir = current();
        if (!last) {
            Fd entry(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!entry)
                return -errno;
            struct stat st;
            if (::fstat(entry.get(), &st) != 0)
                return -errno;
            if (S_ISLNK(st.st_mode)) {
                if (int error = follow(dir, name))
                    return error;
                continue;
            }
            if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
            dirs.push_back(std::move(entry));
            continue;
        }
        int fd = ::openat(dir, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0) {
            // O_PATH | O_NOFOLLOW opens a symlink itself; the caller wanted it followed.
            struct stat st;
            if (follow_last && (flags & O_PATH) && ::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
                ::close(fd);
                if (int error = follow(dir, name))
                    return error;
                continue;
            }
            return fd;
        }
        const int error = errno;
        struct stat st;
        if (follow_last && ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
            if (int follow_error = follow(dir, name))
                return follow_error;
            continue;
        }
        return -error;
    }
    // The path ends at a directory already entered: the root, or one reached by "..".
    int fd = ::openat(current(), ".", flags | O_CLOEXEC, mode);
    return fd < 0 ? -errno : fd;
}

}  // namespace

int open_in_root_by_walk(int root_fd, std::string_view path, int flags, mode_t mode,
                         Confinement how) {
    return walk(root_fd, path, flags, mode, how);
}

int open_in_root(int root_fd, std::string_view path, int flags, mode_t mode, Confinement how) {
    if (!g_openat2_missing.load(std::memory_order_relaxed)) {
        struct open_how request {};
        request.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
        // openat2 refuses a mode without O_CREAT.
        request.mode = (flags & O_CREAT) ? mode : 0;
        request.resolve = RESOLVE_NO_MAGICLINKS |
                          (how == Confinement::InRoot ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
        const std::string rel = relative(path);
        for (int attempt = 0; attempt < kOpenat2Attempts; ++attempt) {
            long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &request, sizeof request);
            if (fd >= 0)
                return static_cast<int>(fd);
            if (errno == ENOSYS) {
                g_openat2_missing.store(true, std::memory_order_relaxed);
                break;
            }
            if (errno != EAGAIN && errno != EINTR)
                return -errno;
        }
    }
    return walk(root_fd, path, flags, mode, how);
}

bool openat2_missing() {
    return g_openat2_missing.load(std::memory_order_relaxed);
}

}  // namespace srmd
