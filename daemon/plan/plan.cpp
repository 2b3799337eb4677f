// The planner's entry point and the helpers its files share. The generators (plan-mode.cpp,
// plan-ownership.cpp) say what the policy asks for; plan-refusals.cpp decides what of it may be
// done.
#include "plan/plan.hpp"

#include <stdexcept>

#include "plan/plan-parts.hpp"

namespace srmd {

namespace plan_detail {

void RangeIntent::add(int group, Action action, const std::string& target, const std::string& range,
                      std::string reason) {
    Step step;
    step.action = action;
    step.target = target;
    step.range = range;
    step.reason = std::move(reason);
    steps.push_back({std::move(step), group});
}

void RangeIntent::add_online(int group, const std::string& target, const std::string& range,
                             std::optional<Zone> zone, std::string reason) {
    add(group, Action::OnlineMemory, target, range, std::move(reason));
    steps.back().step.zone = zone;
}

void RangeIntent::add_bind(int group, Action action, const std::string& target,
                           const std::string& range, DaxMode mode, std::string reason) {
    add(group, action, target, range, std::move(reason));
    steps.back().step.mode = mode;
}

void RangeIntent::refuse(std::string code, std::string message) {
    // A refusal blocks convergence but does not make the range any less healthy than it is, so
    // it leaves the status alone.
    problems.push_back({std::move(code), std::move(message), RangeStatus::Ok});
}

DaxParentKind side_of(Owner owner) {
    switch (owner) {
        case Owner::Cxl:
            return DaxParentKind::Cxl;
        case Owner::Hmem:
            return DaxParentKind::Hmem;
        case Owner::None:
            break;
    }
    return DaxParentKind::Other;
}

std::string rule_words(const Desired& desired) {
    return desired.rule.empty() ? std::string("the policy") : "rule " + desired.rule;
}

std::string mode_words(const Desired& desired) {
    switch (desired.mode) {
        case Desired::Mode::SystemRam:
            if (desired.zone == Zone::Movable)
                return "system-ram in ZONE_MOVABLE";
            if (desired.zone == Zone::Normal)
                return "system-ram in ZONE_NORMAL";
            return "system-ram";
        case Desired::Mode::Devdax:
            return "devdax";
        case Desired::Mode::Offline:
            return "the range offline";
        case Desired::Mode::Ignore:
            break;
    }
    return "the range left alone";
}

bool overlaps_range(const DaxDevice& device, const Range& range) {
    for (const DaxMapping& mapping : device.mappings)
        if (mapping.start < range.end() && range.start <= mapping.end)
            return true;
    if (device.mappings.empty() && device.resource && device.size > 0)
        return *device.resource < range.end() && range.start < *device.resource + device.size;
    return false;
}

std::vector<const RangeDax*> devices_of(const RangeFacts& facts, DaxParentKind kind) {
    std::vector<const RangeDax*> devices;
    for (const RangeDax& dax : facts.range.dax) {
        const DaxDevice* device = facts.snapshot.dax_device(dax.device);
        if (device && device->parent_kind == kind && dax.size > 0)
            devices.push_back(&dax);
    }
    return devices;
}

bool is_bound(const RangeDax& dax) {
    return !dax.driver.empty();
}

std::string describe(const Step& step) {
    switch (step.action) {
        case Action::OfflineMemory:
            return "take " + step.target + "'s memory offline";
        case Action::OnlineMemory:
            return "bring " + step.target + "'s memory online" +
                   (step.zone ? std::string(" in ZONE_") +
                                    (*step.zone == Zone::Normal ? "NORMAL" : "MOVABLE")
                              : "");
        case Action::ReconfigureDax:
            return "rebind " + step.target + " to " +
                   (step.mode == DaxMode::Devdax ? "device_dax" : "kmem");
        case Action::DisableDax:
            return "unbind " + step.target + " from its driver";
        case Action::EnableDax:
            return "bind " + step.target + " to " +
                   (step.mode == DaxMode::Devdax ? "device_dax" : "kmem");
        case Action::DisableRegion:
            return "disable " + step.target;
        case Action::EnableRegion:
            return "enable " + step.target;
        case Action::DestroyRegion:
            return "destroy " + step.target;
        case Action::ReleaseHmem:
            return "release " + step.target + " (unbind it from the hmem driver)";
        case Action::ClaimHmem:
            return "bind " + step.target + " to the hmem driver";
        case Action::CreateRegion:
            return "create a ram region in " + step.target;
        case Action::ClaimDcCapacity:
            return "claim " +
                   (step.dc_tag && !step.dc_tag->empty() ? "the extents tagged " + *step.dc_tag
                                                         : std::string("an untagged extent")) +
                   " with " + step.target;
        case Action::DestroyDax:
            return "destroy " + step.target + " (its extents go back to the region)";
    }
    return step.target;
}

}  // namespace plan_detail

using namespace plan_detail;

Plan make_plan(const Snapshot& snapshot, const std::vector<Range>& ranges,
               const std::vector<std::optional<Desired>>& desired) {
    if (desired.size() != ranges.size())
        throw std::invalid_argument("make_plan: " + std::to_string(desired.size()) +
                                    " desired states for " + std::to_string(ranges.size()) +
                                    " ranges");
    Plan plan;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        if (!desired[i])
            continue;
        if (ranges[i].dc) {
            // Dynamic Capacity: each allocation by its tag's wish, whatever the range's own mode
            // (plan-dc.cpp); the region's driver holds it, so the owner is CXL.
            RangeFacts facts{snapshot, ranges[i], *desired[i], Owner::Cxl};
            if (converged(facts))
                continue;
            RangeIntent intent;
            plan_dc(facts, intent);
            RangePlan range_plan = vet(facts, intent);
            if (!range_plan.steps.empty() || !range_plan.problems.empty())
                plan.ranges.push_back(std::move(range_plan));
            continue;
        }
        if (desired[i]->mode == Desired::Mode::Ignore)
            continue;
        // A rule that names no owner for a range the kernel gives to nobody leaves it with
        // whoever holds it now.
        Owner want = desired[i]->owner != Owner::None ? desired[i]->owner : ranges[i].owner;
        RangeFacts facts{snapshot, ranges[i], *desired[i], want};
        if (converged(facts))
            continue;
        RangeIntent intent;
        if (ownership_change_needed(facts))
            plan_ownership(facts, intent);
        else
            plan_modes(facts, intent);
        RangePlan range_plan = vet(facts, intent);
        if (!range_plan.steps.empty() || !range_plan.problems.empty())
            plan.ranges.push_back(std::move(range_plan));
    }
    return plan;
}

}  // namespace srmd
