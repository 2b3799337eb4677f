#include "policy/policy-match.hpp"

#include <fnmatch.h>
#include "policy/policy-match-dc.hpp"

#include <algorithm>

#include "ownership/managed-elsewhere.hpp"
#include "ownership/usable.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

bool glob_matches(const std::string& pattern, const std::string& name) {
    return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

std::vector<std::string> tag_failure(const PolicyRule& rule, const std::string& tag) {
    if (!rule.match.tag || tag_matches(*rule.match.tag, tag))
        return {};
    return {"tag: " + (tag.empty() ? std::string("untagged") : tag) + " does not match '" +
            *rule.match.tag + "'"};
}

std::string join(const std::vector<std::string>& words, const char* separator = ", ") {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0)
            text += separator;
        text += words[i];
    }
    return text;
}

std::vector<std::string> claimant_regions(const Range& range) {
    std::vector<std::string> regions;
    for (const Claimant& claimant : range.claimants)
        if (claimant.kind == Claimant::Kind::Cxl)
            regions.push_back(claimant.device);
    return regions;
}

// Serials of the memdevs behind the range's CXL regions, without repeats.
std::vector<std::uint64_t> range_serials(const Range& range, const Snapshot& snapshot) {
    std::vector<std::uint64_t> serials;
    for (const std::string& name : claimant_regions(range)) {
        const CxlRegion* region = snapshot.region(name);
        if (!region)
            continue;
        for (const std::string& memdev_name : region->memdevs) {
            const CxlMemdev* memdev = snapshot.memdev(memdev_name);
            if (memdev &&
                std::find(serials.begin(), serials.end(), memdev->serial) == serials.end())
                serials.push_back(memdev->serial);
        }
    }
    return serials;
}

std::string describe_range(const Range& range) {
    return hex(range.start) + "-" + hex(range.end() - 1);
}

const char* owner_word(Owner owner) {
    return owner == Owner::None ? "no driver" : to_string(owner);
}

}  // namespace

std::vector<std::string> match_failures(const PolicyRule& rule, const Range& range,
                                        const Snapshot& snapshot) {
    const RuleMatch& match = rule.match;
    std::vector<std::string> reasons;
    if (match.tag) {
        // At the range's level a tag matches when some allocation of the range has that tag.
        std::vector<std::string> tags = dc_tags_of(range);
        bool any = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
            return tag_matches(*match.tag, tag);
        });
        if (!range.dc)
            reasons.push_back("tag: the range is not Dynamic Capacity");
        else if (!any)
            reasons.push_back(*match.tag == kUntagged
                                  ? std::string("tag: the range has no untagged extent")
                                  : "tag: no extent of the range has a tag matching '" +
                                        *match.tag + "'");
    }
    if (match.start && *match.start != range.start)
        reasons.push_back("start: the range starts at " + hex(range.start) + ", not " +
                          hex(*match.start));
    if (match.address && !(range.start <= *match.address && *match.address < range.end()))
        reasons.push_back("address: " + hex(*match.address) + " is outside the range (" +
                          describe_range(range) + ")");
    if (match.min_size && range.size < *match.min_size)
        reasons.push_back("min_size: the range is " + human_size(range.size) + ", less than " +
                          human_size(*match.min_size));
    if (match.max_size && range.size > *match.max_size)
        reasons.push_back("max_size: the range is " + human_size(range.size) + ", more than " +
                          human_size(*match.max_size));
    if (match.window) {
        if (!range.window)
            reasons.push_back("window: the range lies in no CXL window");
        else if (!glob_matches(*match.window, *range.window))
            reasons.push_back("window: " + *range.window + " does not match '" + *match.window +
                              "'");
    }
    if (match.region) {
        std::vector<std::string> regions = claimant_regions(range);
        bool any = std::any_of(regions.begin(), regions.end(), [&](const std::string& name) {
            return glob_matches(*match.region, name);
        });
        if (regions.empty())
            reasons.push_back("region: no CXL region claims the range");
        else if (!any)
            reasons.push_back("region: " + join(regions) + (regions.size() > 1 ? " do" : " does") +
                              " not match '" + *match.region + "'");
    }
    if (match.serials) {
        std::vector<std::uint64_t> serials = range_serials(range, snapshot);
        bool any = std::any_of(serials.begin(), serials.end(), [&](std::uint64_t serial) {
            return std::find(match.serials->begin(), match.serials->end(), serial) !=
                   match.serials->end();
        });
        if (serials.empty()) {
            reasons.push_back("serial: no CXL memdev lies behind the range");
        } else if (!any) {
            std::vector<std::string> found;
            for (std::uint64_t serial : serials)
                found.push_back(hex(serial));
            reasons.push_back("serial: the range's memdevs have serial " + join(found) +
                              ", none of those listed");
        }
    }
    if (match.target_nodes) {
        std::vector<std::string> nodes;
        bool any = false;
        for (const RangeDax& dax : range.dax) {
            nodes.push_back(std::to_string(dax.target_node));
            if (std::find(match.target_nodes->begin(), match.target_nodes->end(),
                          dax.target_node) != match.target_nodes->end())
                any = true;
        }
        if (nodes.empty())
            reasons.push_back("target_node: the range has no dax device");
        else if (!any)
            reasons.push_back("target_node: the range's dax devices target node " + join(nodes) +
                              ", none of those listed");
    }
    if (match.kernel_owner && *match.kernel_owner != range.kernel_owner)
        reasons.push_back(std::string("kernel_owner: the kernel gives the range to ") +
                          to_string(range.kernel_owner) + ", not " +
                          to_string(*match.kernel_owner));
    if (match.soft_reserved && *match.soft_reserved != range.soft_reserved)
        reasons.push_back(range.soft_reserved ? "soft_reserved: the range is Soft Reserved"
                                              : "soft_reserved: the range is not Soft Reserved");
    return reasons;
}

bool tag_matches(const std::string& pattern, const std::string& tag) {
    if (pattern == kUntagged)
        return tag.empty();
    return !tag.empty() && glob_matches(pattern, tag);
}

const PolicyRule* rule_for_tag(const Policy& policy, const Range& range, const Snapshot& snapshot,
                               const std::string& tag) {
    for (const PolicyRule& rule : policy.rules)
        if (tag_failure(rule, tag).empty() && match_failures(rule, range, snapshot).empty())
            return &rule;
    return nullptr;
}

PolicyMatch match_policy(const Policy& policy, const Range& range, const Snapshot& snapshot) {
    PolicyMatch result;
    for (const PolicyRule& rule : policy.rules) {
        std::vector<std::string> reasons = match_failures(rule, range, snapshot);
        if (reasons.empty()) {
            result.rule = &rule;
            break;
        }
        result.misses.push_back({&rule, std::move(reasons)});
    }
    return result;
}

Owner wanted_owner(const PolicyRule& rule, const Range& range) {
    switch (rule.owner) {
        case PolicyOwner::Cxl:
            return Owner::Cxl;
        case PolicyOwner::Hmem:
            return Owner::Hmem;
        case PolicyOwner::Kernel:
            break;
    }
    return range.kernel_owner;
}

std::vector<ConvergenceGap> convergence_gaps(const Range& range, const PolicyRule& rule) {
    if (range.dc)
        return dc_convergence_gaps(range, [&rule](const std::string& tag) {
            return !rule.match.tag || tag_matches(*rule.match.tag, tag) ? &rule : nullptr;
        });
    std::vector<ConvergenceGap> gaps;
    if (rule.mode == PolicyMode::Ignore)
        return gaps;
    std::vector<std::string> unusable;
    if (rule.when == PolicyWhen::Unusable) {
        // Memory in use as it is stays as it is: only what cannot be used is a gap.
        unusable = unusable_parts(range);
        if (unusable.empty())
            return gaps;
    }
    if (range.status == RangeStatus::Conflict || range.status == RangeStatus::PartialCoverage)
        gaps.push_back({std::string("the range's status is ") + to_string(range.status) +
                            ": srmd does not act on it until its problems are resolved",
                        false});

    Owner owner = wanted_owner(rule, range);
    bool owner_fine =
        range.owner == owner || (rule.mode == PolicyMode::Offline && range.owner == Owner::None);
    if (!owner_fine) {
        std::string message = std::string("held by ") + owner_word(range.owner) +
                              "; the rule wants " + owner_word(owner);
        if (rule.owner == PolicyOwner::Kernel)
            message += " (the kernel's choice)";
        // Taking a range from a driver means unbinding it (and offlining its memory first).
        gaps.push_back({message, range.owner != Owner::None});
    }
    if (rule.when == PolicyWhen::Unusable) {
        if (!owner_fine && range.owner == Owner::None)
            return gaps;  // the owner's gap says it: nobody holds the range
        for (std::string& part : unusable)
            gaps.push_back({std::move(part) + "; the rule wants " + to_string(rule.mode), false});
        return gaps;
    }

    switch (rule.mode) {
        case PolicyMode::SystemRam:
            if (range.mode != RangeMode::SystemRam)
                gaps.push_back({std::string("mode is ") + to_string(range.mode) +
                                    "; the rule wants system-ram",
                                range.mode == RangeMode::Devdax});
            for (const RangeDax& dax : range.dax) {
                if (range.mode != RangeMode::SystemRam)
                    break;
                if (dax.memory.blocks == 0) {
                    gaps.push_back({dax.device + " has no memory blocks: none of it is system RAM",
                                    dax.driver == "device_dax"});
                    continue;
                }
                if (dax.memory.online < dax.memory.blocks)
                    gaps.push_back({dax.device + " has " + std::to_string(dax.memory.online) +
                                        " of " + std::to_string(dax.memory.blocks) +
                                        " memory blocks online; the rule wants all of them",
                                    false});
                if (rule.zone == PolicyZone::Auto || dax.memory.online == 0 || !dax.memory.zone)
                    continue;
                Zone zone = rule.zone == PolicyZone::Movable ? Zone::Movable : Zone::Normal;
                if (*dax.memory.zone != zone)
                    // Memory changes zone only by going offline and coming back.
                    gaps.push_back({dax.device + "'s memory is online in zone " +
                                        to_string(*dax.memory.zone) + "; the rule wants " +
                                        to_string(rule.zone),
                                    true});
            }
            break;
        case PolicyMode::Devdax:
            if (range.mode != RangeMode::Devdax)
                gaps.push_back(
                    {std::string("mode is ") + to_string(range.mode) + "; the rule wants devdax",
                     range.mode == RangeMode::SystemRam});
            // The range counts as devdax, but not as srmd's devdax: device_dax does not hold it.
            for (const RangeDax& dax : range.dax)
                if (managed_elsewhere(dax.driver))
                    gaps.push_back({managed_elsewhere_words(dax.device, dax.driver) +
                                        "; the rule wants device_dax, and srmd never touches it",
                                    true});
            break;
        case PolicyMode::Offline:
            for (const RangeDax& dax : range.dax) {
                if (dax.memory.online > 0)
                    gaps.push_back({dax.device + " has " + std::to_string(dax.memory.online) +
                                        " memory blocks online; the rule wants none",
                                    true});
                if (dax.driver == "device_dax")
                    gaps.push_back({dax.device +
                                        " is a devdax device (bound to device_dax); the rule "
                                        "wants no memory in use",
                                    true});
                if (managed_elsewhere(dax.driver))
                    gaps.push_back({managed_elsewhere_words(dax.device, dax.driver) +
                                        "; the rule wants no memory in use, and srmd never "
                                        "touches it",
                                    true});
            }
            break;
        case PolicyMode::Ignore:
            break;
    }
    return gaps;
}

bool converged(const Range& range, const PolicyRule& rule) {
    return convergence_gaps(range, rule).empty();
}

std::vector<ConvergenceGap> convergence_gaps(const Policy& policy, const Range& range,
                                             const Snapshot& snapshot) {
    PolicyMatch match = match_policy(policy, range, snapshot);
    if (!match.rule)
        return {};
    if (!range.dc)
        return convergence_gaps(range, *match.rule);
    return dc_convergence_gaps(
        range, [&](const std::string& tag) { return rule_for_tag(policy, range, snapshot, tag); });
}

bool converged(const Policy& policy, const Range& range, const Snapshot& snapshot) {
    return convergence_gaps(policy, range, snapshot).empty();
}

std::vector<std::string> explain(const Policy& policy, const Range& range,
                                 const Snapshot& snapshot) {
    std::vector<std::string> lines;
    std::string summary = range.id + ": " + hex(range.start) + ", " + human_size(range.size);
    summary += range.window ? ", in " + *range.window : ", in no CXL window";
    if (range.soft_reserved)
        summary += ", Soft Reserved";
    lines.push_back(summary);
    lines.push_back(std::string("  the kernel gives it to ") + owner_word(range.kernel_owner) +
                    "; held by " + owner_word(range.owner) + " as " + to_string(range.mode) +
                    "; status " + to_string(range.status));
    // The kernel's own words on the range (read/kmsg.hpp): on 7.x some decisions and failures
    // show nowhere else.
    for (const KernelLogLine& line : range.kernel_log)
        lines.push_back("  the kernel logged: \"" + line.message + "\" (#" +
                        std::to_string(line.seq) + ", " + to_string(line.meaning) + ": " +
                        describe(line.meaning) + ")");

    PolicyMatch match = match_policy(policy, range, snapshot);
    for (const RuleMiss& miss : match.misses) {
        lines.push_back("rule " + miss.rule->label() + " does not match:");
        for (const std::string& reason : miss.reasons)
            lines.push_back("  " + reason);
    }
    if (!match.rule) {
        if (policy.rules.empty())
            lines.push_back("the policy has no rules: srmd leaves this range as it is");
        else
            lines.push_back(
                "no rule matches: srmd leaves this range as it is; to change that, make one of "
                "the rules above match (each line says what differs) or add a rule for it");
        return lines;
    }

    const PolicyRule& rule = *match.rule;
    lines.push_back("rule " + rule.label() +
                    (rule.match.unconditional() ? " matches: it has no conditions"
                                                : " matches: every condition holds"));
    std::string wants = std::string("  it wants owner ") + to_string(rule.owner);
    if (rule.owner == PolicyOwner::Kernel)
        wants += std::string(" (") + owner_word(range.kernel_owner) + " for this range)";
    wants += std::string(", mode ") + to_string(rule.mode);
    if (rule.mode == PolicyMode::SystemRam)
        wants += std::string(", zone ") + to_string(rule.zone);
    if (rule.mode == PolicyMode::SystemRam && rule.memmap_on_memory)
        wants += std::string(", memmap_on_memory ") + (*rule.memmap_on_memory ? "on" : "off") +
                 " when kmem binds";
    wants += rule.allow_teardown ? ", teardown allowed" : ", no teardown";
    if (rule.when == PolicyWhen::Unusable)
        wants += "; it acts only on memory that cannot be used as it is (when: unusable)";
    if (range.dc)
        // The range's rule only admits it: each allocation goes by its own first matching rule.
        lines.push_back(
            "  each allocation (tag) of this Dynamic Capacity range goes by the first "
            "rule that matches the range and its tag:");
    else
        lines.push_back(wants);

    if (range.dc) {
        // What each allocation becomes, by its own rule (policy-match-dc.cpp).
        std::vector<std::string> tag_lines = explain_dc_tags(policy, range, snapshot);
        lines.insert(lines.end(), tag_lines.begin(), tag_lines.end());
    } else if (rule.mode == PolicyMode::Ignore) {
        lines.push_back("converged: mode ignore, srmd leaves this range as it is");
        return lines;
    }
    std::vector<ConvergenceGap> gaps =
        range.dc ? convergence_gaps(policy, range, snapshot) : convergence_gaps(range, rule);
    if (gaps.empty() && rule.when == PolicyWhen::Unusable) {
        lines.push_back("converged: all of its memory is in use as it is (" +
                        std::string(to_string(range.mode)) +
                        "), and the rule leaves usable memory alone");
        return lines;
    }
    if (gaps.empty()) {
        lines.push_back("converged: the range already is what the rule wants");
        return lines;
    }
    lines.push_back("not converged; what would have to change:");
    std::vector<std::string> blocking;  // the rules whose allow_teardown would unblock a gap
    for (const ConvergenceGap& gap : gaps) {
        const PolicyRule& by = gap.rule ? *gap.rule : rule;
        std::string line = "  " + gap.message;
        if (gap.needs_teardown) {
            line += by.allow_teardown ? " (needs teardown, which the rule allows)"
                                      : " (needs teardown, which the rule does not allow)";
            if (!by.allow_teardown &&
                std::find(blocking.begin(), blocking.end(), by.name) == blocking.end())
                blocking.push_back(by.name);
        }
        lines.push_back(line);
    }
    for (const std::string& name : blocking)
        lines.push_back("srmd will not do this on its own: set allow_teardown: true in rule '" +
                        name + "', or make the change by hand");
    return lines;
}

Json policy_to_json(const PolicyRule* rule) {
    if (!rule)
        return Json();
    Json json = Json::object();
    json.set("rule", rule->label());
    json.set("owner", to_string(rule->owner));
    json.set("mode", to_string(rule->mode));
    json.set("zone", rule->mode == PolicyMode::SystemRam ? Json(to_string(rule->zone)) : Json());
    json.set("when", to_string(rule->when));
    return json;
}

void add_policy_to_ranges_json(Json& ranges_json, const std::vector<Range>& ranges,
                               const Policy& policy, const Snapshot& snapshot) {
    if (!ranges_json.is_array())
        return;
    Json::Array& items = ranges_json.as_array();
    for (std::size_t i = 0; i < items.size() && i < ranges.size(); ++i) {
        PolicyMatch match = match_policy(policy, ranges[i], snapshot);
        items[i].set("policy", policy_to_json(match.rule));
        items[i].set("converged", converged(policy, ranges[i], snapshot));
    }
}

void add_policy_to_simulate_json(Json& simulate, const std::vector<Range>& ranges,
                                 const Policy& policy, const Snapshot& snapshot) {
    if (!simulate.is_object())
        return;
    for (auto& [key, value] : simulate.as_object())
        if (key == "ranges")
            add_policy_to_ranges_json(value, ranges, policy, snapshot);
    Json files = Json::array();
    for (const std::string& file : policy.files)
        files.push(file);
    Json settings = Json::object();
    settings.set("exclusive_onlining", policy.settings.exclusive_onlining);
    Json summary = Json::object();
    summary.set("files", std::move(files));
    summary.set("settings", std::move(settings));
    simulate.set("policy", std::move(summary));
}

}  // namespace srmd
