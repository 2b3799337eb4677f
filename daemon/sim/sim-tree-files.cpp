// Confined, atomic file operations on a simulated kernel's tree (sim-tree-files.hpp says why).
#include "sim/sim-tree-files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "read/in-root.hpp"
#include "read/root-reader.hpp"
#include "util/error.hpp"
#include "util/file-handles.hpp"

namespace srmd {

namespace {

void write_all(int fd, const std::string& content, const std::string& host) {
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw SystemError(host, n < 0 ? errno : EIO);
        done += static_cast<std::size_t>(n);
    }
}

// Calls `each` with every entry of the directory open at `dir` but "." and "..".
template <typename Each>
void for_each_entry(int dir, const std::string& host, Each each) {
    int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw SystemError(host, errno);
    DIR* stream = ::fdopendir(fd);
    if (!stream) {
        int error = errno;
        ::close(fd);
        throw SystemError(host, error);
    }
    DirCloser closer{stream};
    errno = 0;
    while (dirent* entry = ::readdir(stream)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        each(*entry);
        errno = 0;
    }
    if (errno != 0)
        throw SystemError(host, errno);
}

// Removes `name` in `dir` and, for a directory, everything below it, never following a link.
void remove_at(int dir, const std::string& name, const std::string& host) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return;
        throw SystemError(host, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT)
            throw SystemError(host, errno);
        return;
    }
    Fd sub(::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub)
        throw SystemError(host, errno);
    for_each_entry(sub.get(), host, [&](const dirent& entry) {
        remove_at(sub.get(), entry.d_name, host + "/" + entry.d_name);
    });
    if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        throw SystemError(host, errno);
}

// Copies the directory open at `from` into the (empty) directory open at `to`: regular files,
// symlinks and subdirectories, with their permissions. Anything else is refused.
void copy_tree(int from, int to, const std::string& host) {
    for_each_entry(from, host, [&](const dirent& entry) {
        const std::string child = host + "/" + entry.d_name;
        struct stat st;
        if (::fstatat(from, entry.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            throw SystemError(child, errno);
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = ::readlinkat(from, entry.d_name, target, sizeof target - 1);
            if (n < 0)
                throw SystemError(child, errno);
            target[n] = '\0';
            if (::symlinkat(target, to, entry.d_name) != 0)
                throw SystemError(child, errno);
        } else if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(to, entry.d_name, st.st_mode & 07777) != 0)
                throw SystemError(child, errno);
            Fd source(::openat(from, entry.d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            Fd copy(::openat(to, entry.d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!source || !copy)
                throw SystemError(child, errno);
            copy_tree(source.get(), copy.get(), child);
        } else if (S_ISREG(st.st_mode)) {
            if (static_cast<std::uint64_t>(st.st_size) > RootReader::kMaxFile)
                throw SystemError(child, "is larger than any kernel attribute: not copied");
            Fd in(::openat(from, entry.d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
            if (!in)
                throw SystemError(child, errno);
            std::string content;
            char buffer[4096];
            for (;;) {
                ssize_t n = ::read(in.get(), buffer, sizeof buffer);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0)
                    throw SystemError(child, errno);
                if (n == 0)
                    break;
                content.append(buffer, static_cast<std::size_t>(n));
                if (content.size() > RootReader::kMaxFile)
                    throw SystemError(child, "is larger than any kernel attribute: not copied");
            }
            Fd out(::openat(to, entry.d_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0600));
            if (!out)
                throw SystemError(child, errno);
            write_all(out.get(), content, child);
            if (::fchmod(out.get(), st.st_mode & 07777) != 0)
                throw SystemError(child, errno);
        } else {
            throw SystemError(child,
                              "is neither a file, a directory nor a symlink: the simulated "
                              "kernel does not copy it");
        }
    });
}

}  // namespace

TreeFiles::TreeFiles(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
}

TreeFiles::~TreeFiles() = default;

void TreeFiles::fail(const std::string& rel, int error) {
    throw SystemError(root_ + "/" + rel, error);
}

void TreeFiles::refuse(const std::string& rel, const std::string& doing) {
    throw SystemError(root_ + "/" + rel,
                      "refused to " + doing + ": the path leads out of the tree through a symlink");
}

int TreeFiles::root_fd() {
    if (!root_fd_) {
        int fd = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            throw SystemError(root_, errno);
        root_fd_ = std::make_unique<Fd>(fd);
    }
    return root_fd_->get();
}

Fd TreeFiles::open_beneath(const std::string& rel, int flags, const std::string& doing) {
    int fd = open_in_root(root_fd(), rel, flags, 0, Confinement::Beneath);
    if (fd == -EXDEV)
        refuse(rel, doing);
    if (fd < 0)
        fail(rel, -fd);
    return Fd(fd);
}

Fd TreeFiles::parent_of(const std::string& rel, std::string& name) {
    std::size_t slash = rel.rfind('/');
    name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    if (name.empty() || name == "." || name == "..")
        fail(rel, EINVAL);
    std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
    return open_beneath(parent, O_PATH | O_DIRECTORY, "change " + rel);
}

void TreeFiles::changed() {
    ++operations_;
    if (hook_)
        hook_(operations_);
}

std::string TreeFiles::next_temporary_name() {
    return std::to_string(::getpid()) + "-" + std::to_string(++counter_);
}

int TreeFiles::temporaries_fd() {
    if (!temporaries_fd_) {
        make_dirs(kTemporaries);
        temporaries_fd_ = std::make_unique<Fd>(
            open_beneath(kTemporaries, O_PATH | O_DIRECTORY | O_NOFOLLOW, "make temporary files"));
        sweep_temporaries();
    }
    return temporaries_fd_->get();
}

void TreeFiles::sweep() noexcept {
    try {
        if (temporaries_fd_) {
            sweep_temporaries();
            return;
        }
        int fd = open_in_root(root_fd(), kTemporaries, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                              Confinement::Beneath);
        if (fd < 0)
            return;
        temporaries_fd_ = std::make_unique<Fd>(fd);
        sweep_temporaries();
    } catch (const std::exception&) {
        // Left for the next writer, which sweeps before it writes or is refused.
    }
}

void TreeFiles::sweep_temporaries() {
    // "<pid>-<n>": a writer that is gone was killed halfway; what it left is of no use.
    const int dir = temporaries_fd_->get();
    const std::string host = root_ + "/" + kTemporaries;
    std::vector<std::string> stale;
    for_each_entry(dir, host, [&](const dirent& entry) {
        long pid = std::strtol(entry.d_name, nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            stale.emplace_back(entry.d_name);
    });
    for (const std::string& name : stale)
        remove_at(dir, name, host + "/" + name);
}

void TreeFiles::make_dirs(const std::string& rel) {
    std::size_t end = 0;
    while (end != std::string::npos) {
        end = rel.find('/', end + 1);
        std::string prefix = rel.substr(0, end);
        if (prefix.empty() || prefix.back() == '/')
            continue;
        int fd = open_in_root(root_fd(), prefix, O_PATH | O_DIRECTORY, 0, Confinement::Beneath);
        if (fd >= 0) {
            ::close(fd);
            continue;
        }
        if (fd == -EXDEV)
            refuse(prefix, "make " + rel);
        if (fd != -ENOENT)
            fail(prefix, -fd);
        std::string name;
        Fd parent = parent_of(prefix, name);
        if (::mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
            fail(prefix, errno);
        changed();
    }
}

void TreeFiles::write(const std::string& rel, const std::string& content) {
    std::string name;
    Fd parent = parent_of(rel, name);
    const int temporaries = temporaries_fd();
    const std::string temporary = next_temporary_name();
    Fd fd(::openat(temporaries, temporary.c_str(),
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd)
        fail(std::string(kTemporaries) + "/" + temporary, errno);
    try {
        write_all(fd.get(), content, root_ + "/" + rel);
        // The file keeps the permissions it had: captures hold read-only and write-only ones.
        struct stat st;
        if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode))
            ::fchmod(fd.get(), st.st_mode & 07777);
        if (::close(fd.release()) != 0)
            fail(rel, errno);
        if (::renameat(temporaries, temporary.c_str(), parent.get(), name.c_str()) != 0)
            fail(rel, errno);
    } catch (...) {
        ::unlinkat(temporaries, temporary.c_str(), 0);
        throw;
    }
    changed();
}

void TreeFiles::append(const std::string& rel, const std::string& text) {
    std::string name;
    Fd parent = parent_of(rel, name);
    Fd fd(::openat(parent.get(), name.c_str(),
                   O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644));
    if (!fd)
        fail(rel, errno);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        fail(rel, errno);
    if (!S_ISREG(st.st_mode))
        throw SystemError(root_ + "/" + rel, "is not a regular file: nothing is appended to it");
    write_all(fd.get(), text, root_ + "/" + rel);
    changed();
}

void TreeFiles::symlink(const std::string& rel, const std::string& target) {
    std::string name;
    Fd parent = parent_of(rel, name);
    const int temporaries = temporaries_fd();
    const std::string temporary = next_temporary_name();
    if (::symlinkat(target.c_str(), temporaries, temporary.c_str()) != 0)
        fail(rel, errno);
    if (::renameat(temporaries, temporary.c_str(), parent.get(), name.c_str()) != 0) {
        int error = errno;
        ::unlinkat(temporaries, temporary.c_str(), 0);
        fail(rel, error);
    }
    changed();
}

void TreeFiles::remove(const std::string& rel) {
    std::string name;
    Fd parent;
    try {
        parent = parent_of(rel, name);
    } catch (const SystemError& error) {
        if (error.error_number() == ENOENT)
            return;  // its directory is gone already
        throw;
    }
    struct stat st;
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return;
        fail(rel, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parent.get(), name.c_str(), 0) != 0 && errno != ENOENT)
            fail(rel, errno);
        changed();
        return;
    }
    // Out of sight first, in one rename; then away at leisure.
    const int temporaries = temporaries_fd();
    const std::string temporary = next_temporary_name();
    if (::renameat(parent.get(), name.c_str(), temporaries, temporary.c_str()) != 0)
        fail(rel, errno);
    changed();
    remove_at(temporaries, temporary, root_ + "/" + kTemporaries + "/" + temporary);
}

std::string TreeFiles::temporary_dir() {
    const int temporaries = temporaries_fd();
    const std::string temporary = next_temporary_name();
    if (::mkdirat(temporaries, temporary.c_str(), 0755) != 0)
        fail(std::string(kTemporaries) + "/" + temporary, errno);
    return std::string(kTemporaries) + "/" + temporary;
}

std::string TreeFiles::copy_dir(const std::string& rel) {
    int opened =
        open_in_root(root_fd(), rel, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, Confinement::Beneath);
    if (opened == -EXDEV)
        refuse(rel, "change " + rel);
    if (opened == -ELOOP || opened == -ENOTDIR) {
        if (read_link(rel))
            throw SystemError(root_ + "/" + rel,
                              "refused to change it: it is a symlink, not a directory");
        fail(rel, ENOTDIR);
    }
    if (opened < 0)
        fail(rel, -opened);
    Fd source(opened);
    std::string temporary = temporary_dir();
    try {
        Fd copy = open_beneath(temporary, O_PATH | O_DIRECTORY | O_NOFOLLOW, "copy " + rel);
        struct stat st;
        if (::fstat(source.get(), &st) != 0)
            throw SystemError(root_ + "/" + rel, errno);
        // The copy takes the directory's mode, so the tree keeps its permissions after the swap.
        if (::fchmodat(temporaries_fd(), temporary.substr(temporary.rfind('/') + 1).c_str(),
                       st.st_mode & 07777, 0) != 0)
            throw SystemError(temporary, errno);
        copy_tree(source.get(), copy.get(), root_ + "/" + rel);
    } catch (...) {
        remove(temporary);
        throw;
    }
    return temporary;
}

void TreeFiles::put_in_place(const std::string& temporary, const std::string& rel) {
    std::string name;
    Fd parent = parent_of(rel, name);
    const int temporaries = temporaries_fd();
    const std::string moved = temporary.substr(temporary.rfind('/') + 1);
    if (::renameat2(temporaries, moved.c_str(), parent.get(), name.c_str(), RENAME_NOREPLACE) ==
        0) {
        changed();
        return;
    }
    int error = errno;
    struct stat st;
    if (error == EINVAL && ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno == ENOENT) {
        // A file system without renameat2's flags, and nothing in the way.
        if (::renameat(temporaries, moved.c_str(), parent.get(), name.c_str()) != 0)
            fail(rel, errno);
        changed();
        return;
    }
    if (error != EEXIST && error != EINVAL)
        fail(rel, error);
    // One switch: the new directory in, the old one out to where the new one was.
    if (::renameat2(temporaries, moved.c_str(), parent.get(), name.c_str(), RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL)
            fail(rel, errno);
        // A file system without RENAME_EXCHANGE: the old one out, then the new one in. A kill
        // between the two leaves no directory, as if the device had gone.
        const std::string old = next_temporary_name();
        if (::renameat(parent.get(), name.c_str(), temporaries, old.c_str()) != 0)
            fail(rel, errno);
        if (::renameat(temporaries, moved.c_str(), parent.get(), name.c_str()) != 0)
            fail(rel, errno);
        changed();
        remove_at(temporaries, old, root_ + "/" + kTemporaries + "/" + old);
        return;
    }
    changed();
    remove_at(temporaries, moved, root_ + "/" + temporary);
}

std::vector<TreeFiles::Entry> TreeFiles::entries(const std::string& rel) {
    int opened =
        open_in_root(root_fd(), rel, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, Confinement::Beneath);
    if (opened == -ENOENT || opened == -ENOTDIR || opened == -ELOOP)
        return {};
    if (opened == -EXDEV)
        refuse(rel, "list " + rel);
    if (opened < 0)
        fail(rel, -opened);
    Fd dir(opened);
    std::vector<Entry> entries;
    for_each_entry(dir.get(), root_ + "/" + rel, [&](const dirent& entry) {
        Entry e;
        e.name = entry.d_name;
        if (entry.d_type == DT_UNKNOWN) {
            struct stat st;
            if (::fstatat(dir.get(), entry.d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                e.is_dir = S_ISDIR(st.st_mode);
                e.is_link = S_ISLNK(st.st_mode);
            }
        } else {
            e.is_dir = entry.d_type == DT_DIR;
            e.is_link = entry.d_type == DT_LNK;
        }
        if (e.is_link) {
            char target[PATH_MAX];
            ssize_t n = ::readlinkat(dir.get(), entry.d_name, target, sizeof target - 1);
            if (n >= 0)
                e.target.assign(target, static_cast<std::size_t>(n));
            else
                e.is_link = false;  // replaced since the listing
        }
        entries.push_back(std::move(e));
    });
    return entries;
}

std::optional<std::string> TreeFiles::read_link(const std::string& rel) {
    std::string name;
    Fd parent;
    try {
        parent = parent_of(rel, name);
    } catch (const SystemError& error) {
        if (error.error_number() == ENOENT || error.error_number() == ENOTDIR)
            return std::nullopt;
        throw;
    }
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(parent.get(), name.c_str(), target, sizeof target - 1);
    if (n < 0) {
        if (errno == ENOENT || errno == EINVAL)
            return std::nullopt;
        fail(rel, errno);
    }
    return std::string(target, static_cast<std::size_t>(n));
}

}  // namespace srmd
