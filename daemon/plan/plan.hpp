// From what a Range is to what its policy wants: an ordered list of kernel steps. Pure: the
// planner reads a Snapshot and the Ranges and touches nothing.
//
// Steps keep the kernel's order — memory offline before its dax device is unbound, dax devices
// unbound before their region is disabled, a region disabled before it is destroyed — and a
// step that is unsafe or not allowed is not planned at all: the range gets a problem instead,
// saying what was refused and why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/desired.hpp"
#include "read/snapshot.hpp"

namespace srmd {

enum class Action {
    OfflineMemory,   // target daxX.Y: offline every online block of the device
    OnlineMemory,    // target daxX.Y, with zone: online every offline block
    ReconfigureDax,  // target daxX.Y, with mode: unbind its driver and bind the other one
    DisableDax,      // target daxX.Y: unbind its driver
    EnableDax,       // target daxX.Y, with mode: bind kmem (system-ram) or device_dax (devdax)
    DisableRegion,   // target regionZ: unbind from cxl_region (its dax region goes away)
    EnableRegion,    // target regionZ: bind to cxl_region (its dax region and device come back)
    DestroyRegion,   // target regionZ: reset its decoders and delete it
    ReleaseHmem,     // target hmem.N: unbind from the hmem driver (its dax region goes away)
    ClaimHmem,       // target hmem.N: bind to the hmem driver (it creates its dax region)
    CreateRegion,    // target decoderX.Y (a root decoder), with create: a ram region, committed
                     // and bound to cxl_region (plan-create.cpp, kernel/region-create.hpp)
    // Dynamic Capacity (EXPERIMENTAL, read/dcd-abi.hpp; plan-dc.cpp):
    ClaimDcCapacity,  // target daxX.Y (the region's seed), with dc_tag: write the tag to its
                      // uuid, which gives it every extent with that tag ("" claims one untagged
                      // extent); the device stays unbound and a new seed appears
    DestroyDax,       // target daxX.Y (unbound): size 0 gives its extents back to the region,
                      // then dax_region/delete removes the device
};

// A ram region to create under a root decoder (a CXL window), as the kernel wants it written
// through sysfs: the kernel allocates the host physical address itself (the lowest free space in
// the window that fits), so `start` is where the plan expects it and the step fails when the
// kernel puts it elsewhere.
struct RegionSpec {
    std::string root_decoder;                    // "decoder0.0"
    std::vector<std::string> endpoint_decoders;  // in the kernel's target order ("decoder2.0")
    std::vector<std::string> memdevs;            // behind those decoders ("mem0")
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    int interleave_granularity = 0;  // the root decoder's
    int interleave_ways = 1;
    std::string type = "ram";
};

// The mode a dax device is bound for.
enum class DaxMode { SystemRam, Devdax };

struct Step {
    Action action = Action::OfflineMemory;
    std::string target;        // daxX.Y, regionZ or hmem.N
    std::string range;         // Range id
    std::string reason;        // why, in words
    std::optional<Zone> zone;  // OnlineMemory: the zone to online into (nullopt: kernel's choice)
    std::optional<DaxMode> mode;       // ReconfigureDax, EnableDax
    std::optional<RegionSpec> create;  // CreateRegion
    // ReconfigureDax, EnableDax to system-ram: written to the device's memmap_on_memory before
    // kmem binds it (the kernel refuses a change while kmem holds it); nullopt: left alone.
    std::optional<bool> memmap_on_memory;
    // ClaimDcCapacity: the tag to claim, "" for one untagged extent.
    std::optional<std::string> dc_tag;
};

struct RangePlan {
    std::string range;
    std::vector<Step> steps;
    // What the planner refused or cannot do; they join the range's problems.
    std::vector<Problem> problems;
};

struct Plan {
    std::vector<RangePlan> ranges;  // in range order; ranges with nothing to do are left out

    std::vector<Step> steps() const;  // every step, in order
    bool empty() const;
};

// desired[i] is what ranges[i] should become; nullopt where no rule matched (nothing to do).
Plan make_plan(const Snapshot& snapshot, const std::vector<Range>& ranges,
               const std::vector<std::optional<Desired>>& desired);

const char* to_string(Action action);
const char* to_string(DaxMode mode);

}  // namespace srmd
