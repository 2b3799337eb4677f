// Convergence and explain for Dynamic Capacity ranges (policy-match-dc.hpp). An allocation is a
// tag's extents; the device that claims them is what a rule's mode applies to. Extents no device
// claimed are memory nobody can use, so they are a gap under `when: unusable` as well.
#include "policy/policy-match-dc.hpp"

#include <algorithm>

#include "ownership/dc-extents.hpp"
#include "ownership/managed-elsewhere.hpp"
#include "ownership/usable.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// The devices holding extents of `tag`, in extent order, and whether any of them is under a
// release request (the release, not the mode, decides about those).
std::vector<std::string> devices_of(const RangeDc& dc, const std::string& tag) {
    std::vector<std::string> devices;
    for (const RangeDcExtent& extent : dc.extents)
        if (extent.tag == tag && !extent.device.empty() &&
            std::find(devices.begin(), devices.end(), extent.device) == devices.end())
            devices.push_back(extent.device);
    return devices;
}

bool device_released(const RangeDc& dc, const std::string& device) {
    return std::any_of(dc.extents.begin(), dc.extents.end(), [&](const RangeDcExtent& e) {
        return e.device == device && e.release_requested;
    });
}

const RangeDax* dax_of(const Range& range, const std::string& device) {
    for (const RangeDax& dax : range.dax)
        if (dax.device == device)
            return &dax;
    return nullptr;
}

std::string driver_words(const RangeDax& dax) {
    if (dax.driver.empty())
        return "unbound";
    if (dax.driver == "kmem")
        return "system-ram (kmem)";
    if (dax.driver == "device_dax")
        return "devdax (device_dax)";
    return "bound to " + dax.driver;
}

// The gaps of one device against its tag's rule.
void device_gaps(const RangeDax& dax, const std::string& words, const PolicyRule& rule,
                 std::vector<ConvergenceGap>& gaps) {
    std::string who = dax.device + " (" + words + ")";
    auto gap = [&](std::string message, bool teardown) {
        gaps.push_back({std::move(message), teardown, &rule});
    };
    if (managed_elsewhere(dax.driver)) {
        gap(managed_elsewhere_words(dax.device, dax.driver) + "; rule " + rule.label() + " wants " +
                to_string(rule.mode) + ", and srmd never touches it",
            true);
        return;
    }
    switch (rule.mode) {
        case PolicyMode::SystemRam:
            if (dax.driver != "kmem") {
                gap(who + " is " + driver_words(dax) + "; rule " + rule.label() +
                        " wants system-ram",
                    dax.driver == "device_dax");
                break;
            }
            if (dax.memory.online < dax.memory.blocks)
                gap(who + " has " + std::to_string(dax.memory.online) + " of " +
                        std::to_string(dax.memory.blocks) +
                        " memory blocks online; the rule wants all of them",
                    false);
            if (rule.zone != PolicyZone::Auto && dax.memory.online > 0 && dax.memory.zone) {
                Zone zone = rule.zone == PolicyZone::Movable ? Zone::Movable : Zone::Normal;
                if (*dax.memory.zone != zone)
                    gap(who + "'s memory is online in zone " + to_string(*dax.memory.zone) +
                            "; the rule wants " + to_string(rule.zone),
                        true);
            }
            break;
        case PolicyMode::Devdax:
            if (dax.driver != "device_dax")
                gap(who + " is " + driver_words(dax) + "; rule " + rule.label() + " wants devdax",
                    dax.driver == "kmem");
            break;
        case PolicyMode::Offline:
            if (dax.memory.online > 0)
                gap(who + " has " + std::to_string(dax.memory.online) +
                        " memory blocks online; the rule wants none",
                    true);
            if (dax.driver == "device_dax")
                gap(who + " is a devdax device; the rule wants no memory in use", true);
            break;
        case PolicyMode::Ignore:
            break;
    }
}

}  // namespace

std::vector<std::string> dc_tags_of(const Range& range) {
    std::vector<std::string> tags;
    if (!range.dc)
        return tags;
    for (const RangeDcExtent& extent : range.dc->extents)
        if (std::find(tags.begin(), tags.end(), extent.tag) == tags.end())
            tags.push_back(extent.tag);
    return tags;
}

std::vector<ConvergenceGap> dc_convergence_gaps(const Range& range, const TagRule& rule_of) {
    std::vector<ConvergenceGap> gaps;
    if (!range.dc)
        return gaps;
    const RangeDc& dc = *range.dc;
    if (range.status == RangeStatus::Conflict || range.status == RangeStatus::PartialCoverage)
        gaps.push_back({std::string("the range's status is ") + to_string(range.status) +
                            ": srmd does not act on it until its problems are resolved",
                        false});
    for (const std::string& tag : dc_tags_of(range)) {
        const PolicyRule* rule = rule_of(tag);
        if (!rule || rule->mode == PolicyMode::Ignore)
            continue;
        std::string words = dc_tag_words(tag);
        if (rule->mode == PolicyMode::SystemRam || rule->mode == PolicyMode::Devdax) {
            int count = 0;
            std::uint64_t bytes = 0;
            for (const RangeDcExtent& extent : dc.extents)
                if (extent.tag == tag && extent.device.empty() && !extent.release_requested) {
                    ++count;
                    bytes += extent.length;
                }
            if (count > 0)
                gaps.push_back({std::to_string(count) + (count == 1 ? " extent (" : " extents (") +
                                    words + ", " + human_size(bytes) +
                                    ") claimed by no dax device; rule " + rule->label() +
                                    " wants " + to_string(rule->mode),
                                false, rule});
        }
        for (const std::string& device : devices_of(dc, tag)) {
            const RangeDax* dax = dax_of(range, device);
            if (!dax || device_released(dc, device))
                continue;
            if (rule->when == PolicyWhen::Unusable && usable_dax(*dax))
                continue;  // in use as it is: `when: unusable` leaves it
            device_gaps(*dax, words, *rule, gaps);
        }
    }
    for (const DcReleaseRequest& request : dc.release_requests) {
        std::vector<std::string> holders = release_holders(dc, request);
        for (const std::string& holder : holders)
            gaps.push_back({"the device asked for " + dc_tag_words(request.tag) + " (" +
                                human_size(request.length) + " at offset " + hex(request.offset) +
                                ") back; " + holder + " still holds it and must be destroyed",
                            false});
    }
    return gaps;
}

std::vector<std::string> explain_dc_tags(const Policy& policy, const Range& range,
                                         const Snapshot& snapshot) {
    std::vector<std::string> lines;
    if (!range.dc)
        return lines;
    const RangeDc& dc = *range.dc;
    lines.push_back(
        "  Dynamic Capacity region " + dc.region + ": " + std::to_string(dc.extents.size()) +
        (dc.extents.size() == 1 ? " extent" : " extents") + ", " + human_size(dc.available_size) +
        " unclaimed, seed " + (dc.seed.empty() ? std::string("none") : dc.seed));
    for (const std::string& tag : dc_tags_of(range)) {
        int count = 0;
        std::uint64_t bytes = 0;
        for (const RangeDcExtent& extent : dc.extents)
            if (extent.tag == tag) {
                ++count;
                bytes += extent.length;
            }
        std::vector<std::string> devices = devices_of(dc, tag);
        std::string held;
        for (const std::string& device : devices)
            held += (held.empty() ? "" : ", ") + device;
        std::string line =
            "  " + dc_tag_words(tag) + ": " + std::to_string(count) +
            (count == 1 ? " extent, " : " extents, ") + human_size(bytes) + ", " +
            (held.empty() ? std::string("claimed by no dax device") : "held by " + held);
        const PolicyRule* rule = rule_for_tag(policy, range, snapshot, tag);
        if (!rule) {
            line += "; no rule matches it: srmd leaves its extents alone";
        } else {
            line += "; rule " + rule->label() + " wants " + to_string(rule->mode);
            if (rule->mode == PolicyMode::SystemRam)
                line += std::string(", zone ") + to_string(rule->zone);
            if (rule->mode == PolicyMode::Offline || rule->mode == PolicyMode::Ignore)
                line += " (srmd claims none of its extents)";
            if (tag.empty() && rule->mode != PolicyMode::Offline &&
                rule->mode != PolicyMode::Ignore)
                line += " (each untagged extent is a dax device of its own, claimed one at a time)";
        }
        lines.push_back(line);
    }
    return lines;
}

}  // namespace srmd
