// The one way srmd looks at the machine. Every path is absolute as seen by the kernel
// ("/sys/bus/dax/devices") and is resolved below a root, which is "/" in production and a captured
// tree in tests and `srmctl simulate --root`. Nothing else in srmd opens /proc or /sys.
//
// A captured tree is hostile input, often replayed as root, and even the machine's own /proc and
// /sys can hold something odd. So:
//   - every path, and every symlink on the way, resolves inside the root (read/in-root.hpp): a
//     link to /etc/passwd or to a directory elsewhere is taken below the root, never followed out;
//   - read() takes regular files only (a FIFO, a device or a socket is refused before anything is
//     read from it, so none can hang or flood srmd) and at most kMaxProcFile bytes of a /proc file,
//     kMaxFile of any other;
//   - errors quote what was read through quote_value() (util/format.hpp): escaped and cut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srmd {

class Fd;

class RootReader {
  public:
    // The largest /proc file read() takes. /proc/iomem is 100 to 300 KiB on a large server (a line
    // per resource, thousands of PCI BARs); /proc/zoneinfo, which capture copies, grows with CPUs
    // and nodes and stays near 1 MiB on a 1024-CPU, 8-node machine.
    static constexpr std::size_t kMaxProcFile = 4 << 20;
    // The largest other file: a sysfs attribute is at most a page (4 KiB, 64 KiB on some arm64 and
    // ppc64 kernels); udev rules, daxctl configuration and the simulator's records are text files
    // of a few KiB.
    static constexpr std::size_t kMaxFile = 1 << 20;

    // The root is opened when first used and kept open: every path resolves from that directory.
    explicit RootReader(std::string root = "/");

    const std::string& root() const { return root_; }

    // root + path, for messages and for the few callers (capture) that must hand a host path on.
    std::string host_path(std::string_view path) const;

    // Whole contents of a small file (sysfs attribute, /proc file). Throws SystemError, also for
    // what is not a regular file (EISDIR for a directory) and for a file over the size bound.
    std::string read(std::string_view path) const;
    // Same, with one trailing newline removed: the usual shape of a sysfs attribute.
    std::string read_attr(std::string_view path) const;
    // Like read_attr, but a missing file (ENOENT) is nullopt: for attributes older kernels lack.
    std::optional<std::string> read_attr_optional(std::string_view path) const;

    // Names in a directory, without "." and "..", sorted. Throws SystemError.
    std::vector<std::string> list(std::string_view path) const;
    // Same, but a missing directory is an empty list.
    std::vector<std::string> list_optional(std::string_view path) const;

    enum class Kind { Missing, File, Directory, Symlink, Other };
    // What is at `path`, without following a final symlink.
    Kind kind(std::string_view path) const;
    bool exists(std::string_view path) const;  // follows symlinks
    bool is_dir(std::string_view path) const;  // follows symlinks
    // The permission bits (07777) of what is at `path`, without following a final symlink;
    // nullopt when it is missing. Capture keeps them.
    std::optional<unsigned> permissions(std::string_view path) const;

    // The target of a symlink, as stored. nullopt when the path is not a symlink or is missing.
    std::optional<std::string> read_link(std::string_view path) const;
    // The last component of a symlink's target ("kmem" for .../drivers/kmem); nullopt if no link.
    std::optional<std::string> link_name(std::string_view path) const;
    // The path with every symlink resolved, expressed again as a kernel path below the root.
    // Relative links are followed inside the tree; an absolute target is taken below the root
    // too, so a captured tree never escapes to the host. Throws SystemError if a component is
    // missing.
    std::string canonical(std::string_view path) const;

    // Opens `path` read-only and without blocking, for the one reader that streams what it reads
    // instead of taking a file whole: the kernel log (read/kmsg.hpp), a character device on the
    // machine. Returns the descriptor (the caller owns it and checks what it opened) or -errno.
    int open_stream(std::string_view path) const;

    // Counters for the benchmark and the incremental-read checks.
    std::uint64_t files_opened() const { return files_opened_; }
    std::uint64_t dirs_listed() const { return dirs_listed_; }
    void reset_counters() const { files_opened_ = dirs_listed_ = 0; }

  private:
    // The root directory's descriptor, opened on first use. Throws SystemError when it cannot be.
    int root_fd() const;
    // open_in_root() below the root, Confinement::InRoot. Throws SystemError naming the host path.
    Fd open(std::string_view path, int flags) const;
    // -errno instead of throwing, for the questions whose answer is "no" when the path is missing.
    int try_open(std::string_view path, int flags) const;

    std::string root_;                     // without a trailing slash; "" for "/"
    mutable std::shared_ptr<Fd> root_fd_;  // shared by copies
    mutable std::uint64_t files_opened_ = 0;
    mutable std::uint64_t dirs_listed_ = 0;
};

}  // namespace srmd
