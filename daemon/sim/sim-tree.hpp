// Writing pieces of a sysfs tree the way the kernel lays them out (the captures in
// tests/fixtures/kernel-6.1 are the reference): memory blocks, dax devices, dax regions, driver
// links, and /proc/iomem lines. The simulated kernel uses these to change a captured tree; the
// layout matches what the fake-machine builder (tests/support/fake-machine.cpp) writes, which
// tests/unit/test-sim-kernel.cpp checks by comparing the two.
//
// Paths are tree-relative, without a leading slash: "sys/bus/dax/devices/dax0.0".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "read/root-reader.hpp"
#include "sim/sim-tree-files.hpp"

namespace srmd {

// A write the simulated kernel refuses, with the errno the kernel would give and the kernel path
// ("/sys/..."): the kernel's answer, which the step's outcome carries. A failure of the
// simulator's own file operations is a SystemError.
class TreeError : public std::runtime_error {
  public:
    TreeError(int error, std::string path, const std::string& what)
        : std::runtime_error(path + ": " + what), error_(error), path_(std::move(path)) {}
    int error() const { return error_; }
    const std::string& path() const { return path_; }

  private:
    int error_;
    std::string path_;
};

// Every change goes through TreeFiles (sim-tree-files.hpp): confined to the tree, so a symlink
// that leads out of it is refused with a SystemError, and each file whole. A device directory
// and a memory block appear, change and go in one rename (build_dir, change_dir, remove), as
// the kernel's do: a simulator killed halfway leaves no half-made one. Reads go through a
// RootReader on the same root: confined, bounded, regular files only.
class TreeEditor {
  public:
    explicit TreeEditor(std::string root);

    const std::string& root() const { return root_; }
    std::string host(std::string_view rel) const { return root_ + "/" + std::string(rel); }

    void dir(const std::string& rel);
    // A readable attribute: the value and the newline the kernel appends.
    void attr(const std::string& rel, const std::string& value) { file(rel, value + "\n"); }
    // A write-only attribute (bind, delete_region): the captures keep it as an empty file.
    void write_only(const std::string& rel) { file(rel, ""); }
    void file(const std::string& rel, const std::string& content);
    // `text` appended to the file at `rel` with one write().
    void append(const std::string& rel, const std::string& text);
    // A symlink at `rel` to `target_rel`, relative the way sysfs makes them: up to the common
    // ancestor, then down. Replaces an existing link.
    void link(const std::string& rel, const std::string& target_rel);
    // Removes a file, link or whole directory; a missing one is fine.
    void remove(const std::string& rel);
    // Removes every symlink below `under` whose target lies inside `gone` (a directory just
    // removed), as the kernel removes a device's bus and class links with the device.
    void remove_links_into(const std::string& under, const std::string& gone);

    // The directory `rel` made anew by `build`, whose writes below `rel` go to a directory out of
    // sight that then replaces `rel` (if any) with one rename.
    void build_dir(const std::string& rel, const std::function<void()>& build);
    // Likewise, starting from a copy of the directory `rel`: a change of some of its files seen
    // all at once. Refused when `rel` is not a directory (a symlink, say).
    void change_dir(const std::string& rel, const std::function<void()>& change);

    std::optional<std::string> read_attr(const std::string& rel) const;  // newline stripped
    bool exists(const std::string& rel) const;                           // follows links
    // The names in the directory `rel` (not followed if it is a link); none when it is missing.
    std::vector<std::string> list(const std::string& rel);

    TreeFiles& files() { return files_; }

  private:
    // Where `rel` is written now: below the directory being built when it is inside `rel`.
    std::string place(const std::string& rel) const;
    void staged(const std::string& rel, const std::string& temporary,
                const std::function<void()>& build);

    std::string root_;
    TreeFiles files_;
    RootReader reader_;
    std::string staged_rel_;        // the directory being built, "" when none
    std::string staged_temporary_;  // where it is being built
};

// The tree-relative path of a kernel path: "/sys/x" -> "sys/x".
std::string tree_relative(std::string_view kernel_path);

// --- memory blocks (sys/devices/system/memory/memoryN)

// A memory block directory with its attributes, its node link and its bus and node listings.
// `zones` is what valid_zones shows: the zone of an online block, the candidates of an offline one.
void write_memory_block(TreeEditor& tree, std::uint64_t id, int node, const std::string& state,
                        const std::string& zones);
// A block's state, online and valid_zones changed together, in one switch of its directory.
void set_memory_block_state(TreeEditor& tree, std::uint64_t id, const std::string& state,
                            const std::string& zones);
void remove_memory_block(TreeEditor& tree, std::uint64_t id);
std::string memory_block_dir(std::uint64_t id);  // "sys/devices/system/memory/memoryN"

// --- drivers

// Binds the device at `device_rel` to `bus`'s driver: its driver link, the driver's link back,
// and the DRIVER= line of its uevent.
void bind_driver(TreeEditor& tree, const std::string& device_rel, const std::string& bus,
                 const std::string& driver);
void unbind_driver(TreeEditor& tree, const std::string& device_rel, const std::string& bus,
                   const std::string& driver);

// --- dax

struct DaxDeviceLayout {
    std::string name;  // "dax0.0"
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    int target_node = -1;
    int numa_node = -1;
    std::uint64_t align = 2 * 1024 * 1024;
    std::string dev;                       // "252:0"
    std::optional<bool> memmap_on_memory;  // written when set (6.8 and later)
};

// The device directory `dir_rel/<name>` with one mapping, on the dax bus, unbound: the directory
// appears whole, then its bus and char device links.
void write_dax_device(TreeEditor& tree, const std::string& dir_rel, const DaxDeviceLayout& dax);
// The files of a dax device's directory `d`, inside a build_dir of it.
void write_dax_device_files(TreeEditor& tree, const std::string& d, const DaxDeviceLayout& dax);
// `dir_rel/dax_region/` attributes.
void write_dax_region_attrs(TreeEditor& tree, const std::string& dir_rel, int id,
                            std::uint64_t size, std::uint64_t available);

// --- /proc/iomem text

// Inserts "start-end : name" as a child of the innermost resource that contains it, after the
// children that start before it. Indentation is two spaces per level, capped at five levels.
std::string iomem_insert(const std::string& text, std::uint64_t start, std::uint64_t end,
                         const std::string& name);
// Removes the first resource called `name` and, with `children`, everything nested in it.
std::string iomem_remove(const std::string& text, const std::string& name, bool children);

}  // namespace srmd
