// Applying a policy to the machine: which rule a Range falls under, whether the Range already is
// what that rule wants, and the same in words for `srmctl explain`. Pure functions of a Policy, a
// Range and the Snapshot it came from.
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy.hpp"
#include "read/snapshot.hpp"
#include "util/json.hpp"

namespace srmd {

struct RuleMiss {
    const PolicyRule* rule = nullptr;
    std::vector<std::string> reasons;  // one per condition that failed
};

struct PolicyMatch {
    const PolicyRule* rule = nullptr;  // the first rule that matches; null when none does
    std::vector<RuleMiss> misses;      // every rule before it, with why it did not match
};

PolicyMatch match_policy(const Policy& policy, const Range& range, const Snapshot& snapshot);

// Why `rule` does not match `range`, one line per failed condition ("window: decoder0.0 does not
// match 'decoder1.*'"); empty when it matches.
std::vector<std::string> match_failures(const PolicyRule& rule, const Range& range,
                                        const Snapshot& snapshot);

// The owner the rule wants for this range: owner kernel means the kernel's own choice.
Owner wanted_owner(const PolicyRule& rule, const Range& range);

// One thing that differs between the range and what its rule wants.
struct ConvergenceGap {
    std::string message;
    // Closing it takes memory offline, unbinds a driver or destroys a region: what
    // allow_teardown guards.
    bool needs_teardown = false;
    // The rule the gap is measured against when it is not the range's (a DC range's tag); null
    // for the range's own rule.
    const PolicyRule* rule = nullptr;
};

// Empty when the range already is what the rule wants. A Dynamic Capacity range is measured per
// tag, `rule` standing for every tag it matches (the overload below takes each tag's own rule).
std::vector<ConvergenceGap> convergence_gaps(const Range& range, const PolicyRule& rule);
bool converged(const Range& range, const PolicyRule& rule);

// Dynamic Capacity (EXPERIMENTAL; policy-match-dc.cpp). Whether a rule's `tag` pattern matches an
// allocation's tag ("" untagged; the pattern kUntagged matches exactly that).
bool tag_matches(const std::string& pattern, const std::string& tag);
// The distinct tags among a DC range's extents, by offset of their first extent; untagged extents
// share "". Empty for other ranges.
std::vector<std::string> dc_tags_of(const Range& range);
// The first rule that matches `range` and its allocation tagged `tag`; null when none does.
const PolicyRule* rule_for_tag(const Policy& policy, const Range& range, const Snapshot& snapshot,
                               const std::string& tag);
// What differs between `range` and what `policy` wants of it: for a DC range each tag against its
// own rule, for any other range convergence_gaps of its rule. Empty when no rule matches.
std::vector<ConvergenceGap> convergence_gaps(const Policy& policy, const Range& range,
                                             const Snapshot& snapshot);
bool converged(const Policy& policy, const Range& range, const Snapshot& snapshot);

// `srmctl explain`: the range, each earlier rule and why it did not match, the rule that did and
// what it wants, and what would have to change for the range to get there. One line per entry.
std::vector<std::string> explain(const Policy& policy, const Range& range,
                                 const Snapshot& snapshot);

// {"rule": "50-default.yaml:4 default", "owner", "mode", "zone", "when"}; zone is null unless the
// mode is system-ram. null for no rule.
Json policy_to_json(const PolicyRule* rule);

// Adds "policy" and "converged" to every range object of `ranges_json` (the array made by
// ranges_to_json for the same `ranges`). A range no rule matches is left alone by srmd, so it
// counts as converged.
void add_policy_to_ranges_json(Json& ranges_json, const std::vector<Range>& ranges,
                               const Policy& policy, const Snapshot& snapshot);

// The same for the whole `srmctl simulate --json` document ({"machine", "ranges"}), which also
// gains a top-level "policy": {"files": [...], "settings": {"exclusive_onlining": bool}}.
void add_policy_to_simulate_json(Json& simulate, const std::vector<Range>& ranges,
                                 const Policy& policy, const Snapshot& snapshot);

}  // namespace srmd
