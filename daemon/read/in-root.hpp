// Opening a path below a root directory without ever leaving it. RootReader reads "/" or a
// captured tree through it, and the simulated kernel writes its tree through it
// (sim/sim-tree-files.hpp). A captured tree is hostile input, often replayed as root: its symlinks
// may point anywhere ("proc/iomem -> /etc/passwd", "memory8 -> /home/someone"), so every path,
// and every symlink met on the way, is resolved inside the root:
//   - with openat2() and RESOLVE_IN_ROOT or RESOLVE_BENEATH where the kernel has it (5.6 and
//     later): one system call, whatever the path;
//   - else (ENOSYS) by a walk, one component at a time opened with O_NOFOLLOW, that reads each
//     symlink and follows it itself under the same rules.
// On the machine itself the root is "/", where RESOLVE_IN_ROOT resolves as open() would.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

namespace srmd {

enum class Confinement {
    // As RESOLVE_IN_ROOT: the root acts as "/", ".." stops there and an absolute symlink target is
    // taken below it (as RootReader::canonical() always did for captured trees). Nothing leads
    // out. For reading.
    InRoot,
    // As RESOLVE_BENEATH: a path whose resolution would leave the root (".." above it, an absolute
    // symlink) fails with EXDEV. For writing: the simulated kernel refuses such a write.
    Beneath,
};

// An owned file descriptor, closed when it goes.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset() {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

// Opens `path` below the directory open at `root_fd` with open(2)'s `flags` and `mode`
// (O_CLOEXEC is added). A leading "/" means the root; "" and "/" are the root itself. Symlinks
// are followed inside the root, except a final one under O_NOFOLLOW, as open(2) does. Returns the
// descriptor, or -errno.
int open_in_root(int root_fd, std::string_view path, int flags, mode_t mode, Confinement how);

// The walk alone, never openat2: what open_in_root falls back on. Tests run it on any kernel.
int open_in_root_by_walk(int root_fd, std::string_view path, int flags, mode_t mode,
                         Confinement how);

// Whether open_in_root has found openat2 missing on this kernel (ENOSYS) and walks instead.
bool openat2_missing();

}  // namespace srmd
