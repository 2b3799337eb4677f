// What the policy wants of one range, in the planner's terms: the policy library resolves its
// rules into this (policy-desired.hpp), the planner reads it. Plain data, so that the planner
// needs nothing else of the policy.
#pragma once

#include <optional>
#include <string>

#include "ownership/ownership.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// What the policy wants of one range, with the policy's own types resolved, so that the planner
// does not depend on the policy library.
struct Desired {
    enum class Mode { SystemRam, Devdax, Offline, Ignore };
    Owner owner = Owner::None;  // resolved: "kernel" is already the range's kernel_owner
    Mode mode = Mode::Ignore;
    std::optional<Zone> zone;  // SystemRam only; nullopt lets the kernel choose ("auto")
    bool allow_teardown = false;
    // Act only on memory that cannot be used as it is (ownership/usable.hpp): a usable range is
    // converged, and usable devices of a range that is not are left as they are.
    bool only_unusable = false;
    // Policy settings that apply to every range.
    bool allow_global = false;  // may srmd do what only a global change achieves (unload cxl_acpi)
    std::string rule;           // the matching rule's label, for reasons
    // SystemRam only: the dax device's memmap_on_memory to write before kmem binds it; nullopt
    // leaves the kernel's value.
    std::optional<bool> memmap_on_memory;

    // Dynamic Capacity ranges (RangeDc) only: what each allocation of the range becomes, one per
    // tag its extents carry ("" for untagged extents, each its own allocation), as the first rule
    // matching the range and that tag says (policy match key `tag`). A tag no rule matches is
    // absent: srmd leaves its extents alone.
    struct Tag {
        std::string tag;  // "" untagged
        Mode mode = Mode::Ignore;
        std::optional<Zone> zone;
        bool allow_teardown = false;
        // `when: unusable`: a device whose memory is in use as it is stays as it is.
        bool only_unusable = false;
        std::string rule;
        std::optional<bool> memmap_on_memory;
    };
    std::vector<Tag> dc_tags;
};

}  // namespace srmd
