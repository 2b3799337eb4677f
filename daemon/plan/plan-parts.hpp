// Shared by the planner's files (plan.cpp, plan-mode.cpp, plan-ownership.cpp, plan-refusals.cpp),
// not by its users.
//
// Planning one range happens in two passes. The generators (plan-mode.cpp, plan-ownership.cpp)
// write down what the policy asks for, in the kernel's order, as if everything were allowed.
// plan-refusals.cpp then walks that list with the safety rules and keeps what may be done. Keeping
// the two apart means every safety rule lives in one place and holds whatever a generator asks for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "read/snapshot.hpp"

namespace srmd::plan_detail {

// One range and what its rule wants, with the owner resolved: `want` is the owner the range
// should end with (the current one when the rule names none and the kernel gives it to nobody).
struct RangeFacts {
    const Snapshot& snapshot;
    const Range& range;
    const Desired& desired;
    Owner want = Owner::None;
};

// A step as the policy asks for it. Steps of one group stand or fall together: when the safety
// rules refuse any of them, the whole group goes, so that srmd never tears something down for a
// change it then may not finish.
struct Intent {
    Step step;
    int group = 0;
    // Dynamic Capacity: the device asked for its capacity back (plan-dc.cpp). Such a step is not
    // the policy's teardown, so allow_teardown does not gate it; every safety rule still does.
    bool device_release = false;
    // The rule the step's teardown is judged against when it is not the range's own (a DC tag's
    // rule, Desired::Tag); nullopt: facts.desired.
    std::optional<bool> allow_teardown = std::nullopt;
    std::string rule = {};
};

struct RangeIntent {
    std::vector<Intent> steps;
    // What cannot even be asked for (no region for CXL to take the range, a locked region, a
    // global change): the range gets these and no steps for that part.
    std::vector<Problem> problems;
    int groups = 0;

    int new_group() { return groups++; }
    void add(int group, Action action, const std::string& target, const std::string& range,
             std::string reason);
    void add_online(int group, const std::string& target, const std::string& range,
                    std::optional<Zone> zone, std::string reason);
    void add_bind(int group, Action action, const std::string& target, const std::string& range,
                  DaxMode mode, std::string reason);
    void refuse(std::string code, std::string message);
};

// --- plan.cpp -----------------------------------------------------------------------------------

DaxParentKind side_of(Owner owner);
// "rule 50-default.yaml:4 default", or "the policy" when the rule has no label.
std::string rule_words(const Desired& desired);
// "system-ram in ZONE_MOVABLE", "devdax", "the range offline"
std::string mode_words(const Desired& desired);
bool overlaps_range(const DaxDevice& device, const Range& range);
// The range's dax devices (Range::dax order) that belong to `kind`, with a size: a 0-size seed
// device holds no memory and needs nothing.
std::vector<const RangeDax*> devices_of(const RangeFacts& facts, DaxParentKind kind);
bool is_bound(const RangeDax& dax);
// What a step does, in words, for refusals: "take dax0.0's memory offline".
std::string describe(const Step& step);

// --- plan-refusals.cpp --------------------------------------------------------------------------

// The steps of `intent` that the safety rules let through, in order, and the range's problems:
// the intent's own, and what was refused and why.
RangePlan vet(const RangeFacts& facts, const RangeIntent& intent);

// --- plan-mode.cpp ------------------------------------------------------------------------------

// Whether the range already is what its rule wants: nothing to plan.
bool converged(const RangeFacts& facts);
// The steps that bring one of the owner's dax devices to the wanted mode (and zone), in `group`.
void plan_device_mode(const RangeFacts& facts, const RangeDax& dax, int group, RangeIntent& intent);
// Mode steps for every dax device of the wanted owner; when it has none yet, what makes the
// owner create one (enable its region, bind its hmem device).
void plan_modes(const RangeFacts& facts, RangeIntent& intent);

// --- plan-ownership.cpp -------------------------------------------------------------------------

// Whether the other driver holds (or blocks) the range the rule gives to facts.want.
bool ownership_change_needed(const RangeFacts& facts);
void plan_ownership(const RangeFacts& facts, RangeIntent& intent);
// The committed CXL region that contains the whole range (the 7.1 rule's condition), or null.
const CxlRegion* containing_region(const RangeFacts& facts);
// The hmem device created for the whole range, or null.
const HmemDevice* covering_hmem(const RangeFacts& facts);
// The steps that make `region` re-probe (or probe) so that it creates its dax region and device.
void plan_region_probe(const RangeFacts& facts, const CxlRegion& region, int group,
                       const std::string& why, RangeIntent& intent);
// Refuse with the global change that handing this range to hmem would take.
void refuse_needs_global(const RangeFacts& facts, RangeIntent& intent);
// Offline and unbind every bound dax device of `parent` (a region or an hmem device).
void plan_release_devices(const RangeFacts& facts, const std::string& parent,
                          const std::string& why, int group, RangeIntent& intent);
// Every hmem device that holds something in the range.
std::vector<const HmemDevice*> hmem_holders(const RangeFacts& facts);

// --- plan-dc.cpp --------------------------------------------------------------------------------

// A Dynamic Capacity range (Range::dc), by Desired::dc_tags: the releases the device asked for
// first, then one claim of unclaimed capacity (each claim takes the region's seed), then the mode
// of every claimed device by its tag's rule.
void plan_dc(const RangeFacts& facts, RangeIntent& intent);
// Whether plan_dc has nothing to do or say for the range.
bool dc_converged(const RangeFacts& facts);

// --- plan-create.cpp ----------------------------------------------------------------------------

// owner: cxl for a range hmem holds in a CXL window where no region exists: release hmem and
// create a region at the range's address. False when the range is not that case (nothing added);
// true when it planned the hand-over or refused it.
bool plan_create_for_cxl(const RangeFacts& facts, RangeIntent& intent);
// owner: cxl for a range hmem registered whole while a committed region covers part of it and
// lost the dax region conflict (seed case [4]): release hmem, re-probe the region, and say what
// stays unusable. False when the range is not that case.
bool plan_partial_for_cxl(const RangeFacts& facts, RangeIntent& intent);

}  // namespace srmd::plan_detail
