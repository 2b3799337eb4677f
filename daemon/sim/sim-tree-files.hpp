// The simulated kernel's file operations on its tree, confined to the tree and atomic per file.
//
// `srmd --root` and `srmctl simulate --apply` run as root on trees that come from anywhere, so
// every path resolves below the tree's root with Confinement::Beneath (read/in-root.hpp): a
// symlink on the way that leads out of the tree (an absolute one, or ".." past the root) makes
// the operation fail with a SystemError, and nothing outside changes. A final symlink is never
// followed: a write replaces the link, a removal removes the link.
//
// A simulator killed halfway (a step's worker at its timeout, srmd by kill -9) must leave each
// file whole, as the kernel's attributes always are: every file and link is made out of sight in
// <root>/.sim-kernel/tmp/ and renamed into place, and a directory is switched in by one rename
// (RENAME_EXCHANGE over an old one) and removed by one rename out of sight. What a killed writer
// leaves in .sim-kernel/tmp/ is removed by the next TreeFiles of the tree.
//
// Paths are tree-relative, without a leading slash: "sys/devices/system/memory/memory8".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace srmd {

class Fd;

class TreeFiles {
  public:
    // Where the temporary files and directories go, tree-relative.
    static constexpr const char* kTemporaries = ".sim-kernel/tmp";

    explicit TreeFiles(std::string root);
    ~TreeFiles();
    TreeFiles(const TreeFiles&) = delete;
    TreeFiles& operator=(const TreeFiles&) = delete;

    const std::string& root() const { return root_; }

    // mkdir -p.
    void make_dirs(const std::string& rel);
    // The file at `rel` replaced whole by `content` (its directory must exist).
    void write(const std::string& rel, const std::string& content);
    // `text` appended with one write(): concurrent appenders' lines never interleave.
    void append(const std::string& rel, const std::string& text);
    // A symlink at `rel` holding `target`, replacing what was there.
    void symlink(const std::string& rel, const std::string& target);
    // Removes a file, link or whole directory at once (a missing one is fine).
    void remove(const std::string& rel);

    // Removes now what writers killed halfway left out of sight, when there is anything. Never
    // throws: a tree where this cannot be done refuses the writes themselves.
    void sweep() noexcept;

    // A new empty directory out of sight, tree-relative, for make_dirs/write/symlink to fill.
    std::string temporary_dir();
    // A copy out of sight of the directory `rel` (files, links and subdirectories), as
    // temporary_dir() gives. Refused when `rel` is no directory (a symlink, say).
    std::string copy_dir(const std::string& rel);
    // Puts the directory `temporary` (from temporary_dir or copy_dir) at `rel` with one rename,
    // replacing what was there, which then goes.
    void put_in_place(const std::string& temporary, const std::string& rel);

    struct Entry {
        std::string name;
        bool is_dir = false;  // a directory itself, not a link to one
        bool is_link = false;
        std::string target;  // of a link
    };
    // The entries of the directory `rel` (not followed if it is a link), unsorted; none when it
    // is missing.
    std::vector<Entry> entries(const std::string& rel);
    // The target of the symlink at `rel`; nullopt when it is missing or no symlink.
    std::optional<std::string> read_link(const std::string& rel);

    // How many operations have changed the tree so far, and a hook called after each with that
    // count: tests stop a worker there to see what a kill halfway through a write leaves.
    int operations() const { return operations_; }
    void set_after_operation(std::function<void(int)> hook) { hook_ = std::move(hook); }

  private:
    int root_fd();
    // The directory that holds `rel`, opened below the root, and `rel`'s last component.
    Fd parent_of(const std::string& rel, std::string& name);
    int temporaries_fd();
    std::string next_temporary_name();
    void sweep_temporaries();
    void changed();
    [[noreturn]] void fail(const std::string& rel, int error);
    // A path that resolves out of the tree (EXDEV from the confinement).
    [[noreturn]] void refuse(const std::string& rel, const std::string& doing);
    // open_in_root below the root, Confinement::Beneath; throws for a failure.
    Fd open_beneath(const std::string& rel, int flags, const std::string& doing);

    std::string root_;
    std::unique_ptr<Fd> root_fd_;
    std::unique_ptr<Fd> temporaries_fd_;
    int counter_ = 0;
    int operations_ = 0;
    std::function<void(int)> hook_;
};

}  // namespace srmd
