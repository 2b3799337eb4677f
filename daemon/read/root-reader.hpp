// The one way srmd looks at the machine. Every path is absolute as seen by the kernel
// ("/sys/bus/dax/devices") and is resolved below a root, which is "/" in production and a captured
// tree in tests and `srmctl simulate --root`. Nothing else in srmd opens /proc or /sys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srmd {

class RootReader {
  public:
    explicit RootReader(std::string root = "/");

    const std::string& root() const { return root_; }

    // root + path, for messages and for the few callers (capture) that must hand a host path on.
    std::string host_path(std::string_view path) const;

    // Whole contents of a small file (sysfs attribute, /proc file). Throws SystemError.
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

    // The target of a symlink, as stored. nullopt when the path is not a symlink or is missing.
    std::optional<std::string> read_link(std::string_view path) const;
    // The last component of a symlink's target ("kmem" for .../drivers/kmem); nullopt if no link.
    std::optional<std::string> link_name(std::string_view path) const;
    // The path with every symlink resolved, expressed again as a kernel path below the root.
    // Relative links are followed inside the tree; an absolute target is taken below the root
    // too, so a captured tree never escapes to the host. Throws SystemError if a component is
    // missing.
    std::string canonical(std::string_view path) const;

    // Counters for the benchmark and the incremental-read checks.
    std::uint64_t files_opened() const { return files_opened_; }
    std::uint64_t dirs_listed() const { return dirs_listed_; }
    void reset_counters() const { files_opened_ = dirs_listed_ = 0; }

  private:
    std::string root_;  // without a trailing slash; "" for "/"
    mutable std::uint64_t files_opened_ = 0;
    mutable std::uint64_t dirs_listed_ = 0;
};

}  // namespace srmd
