#include "policy/policy-desired.hpp"

#include "policy/policy-match.hpp"

namespace srmd {

namespace {

Desired::Mode desired_mode(PolicyMode mode) {
    switch (mode) {
        case PolicyMode::SystemRam:
            return Desired::Mode::SystemRam;
        case PolicyMode::Devdax:
            return Desired::Mode::Devdax;
        case PolicyMode::Offline:
            return Desired::Mode::Offline;
        case PolicyMode::Ignore:
            break;
    }
    return Desired::Mode::Ignore;
}

// A zone means something only for system-ram; "auto" lets the kernel choose.
std::optional<Zone> desired_zone(const PolicyRule& rule) {
    if (rule.mode != PolicyMode::SystemRam)
        return std::nullopt;
    switch (rule.zone) {
        case PolicyZone::Movable:
            return Zone::Movable;
        case PolicyZone::Normal:
            return Zone::Normal;
        case PolicyZone::Auto:
            break;
    }
    return std::nullopt;
}

}  // namespace

std::optional<Desired> desired_for(const Policy& policy, const Range& range,
                                   const Snapshot& snapshot) {
    PolicyMatch match = match_policy(policy, range, snapshot);
    if (!match.rule)
        return std::nullopt;
    const PolicyRule& rule = *match.rule;
    Desired desired;
    desired.owner = wanted_owner(rule, range);
    desired.mode = desired_mode(rule.mode);
    desired.zone = desired_zone(rule);
    desired.allow_teardown = rule.allow_teardown;
    desired.only_unusable = rule.when == PolicyWhen::Unusable;
    // The policy has no setting for global changes (unloading cxl_acpi) yet, so srmd never makes
    // one; the planner says so where a range would need it.
    desired.allow_global = false;
    desired.rule = rule.label();
    if (rule.mode == PolicyMode::SystemRam)
        desired.memmap_on_memory = rule.memmap_on_memory;
    // Dynamic Capacity: each allocation by its own first matching rule (`tag`, policy.hpp).
    for (const std::string& tag : dc_tags_of(range)) {
        const PolicyRule* tag_rule = rule_for_tag(policy, range, snapshot, tag);
        if (!tag_rule)
            continue;
        Desired::Tag wish;
        wish.tag = tag;
        wish.mode = desired_mode(tag_rule->mode);
        wish.zone = desired_zone(*tag_rule);
        wish.allow_teardown = tag_rule->allow_teardown;
        wish.only_unusable = tag_rule->when == PolicyWhen::Unusable;
        wish.rule = tag_rule->label();
        if (tag_rule->mode == PolicyMode::SystemRam)
            wish.memmap_on_memory = tag_rule->memmap_on_memory;
        desired.dc_tags.push_back(std::move(wish));
    }
    return desired;
}

std::vector<std::optional<Desired>> desired_for_ranges(const Policy& policy,
                                                       const std::vector<Range>& ranges,
                                                       const Snapshot& snapshot) {
    std::vector<std::optional<Desired>> desired;
    desired.reserve(ranges.size());
    for (const Range& range : ranges)
        desired.push_back(desired_for(policy, range, snapshot));
    return desired;
}

}  // namespace srmd
