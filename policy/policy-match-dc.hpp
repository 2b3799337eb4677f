// Applying a policy to a Dynamic Capacity range (EXPERIMENTAL, read/dcd-abi.hpp), one allocation
// (tag) at a time: what differs from what each tag's rule wants, and the explain lines for the
// tags. Internal to policy-match.cpp, which answers for every range.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy-match.hpp"
#include "policy/policy.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// The rule each tag of the range falls under (null: no rule, srmd leaves that tag alone).
using TagRule = std::function<const PolicyRule*(const std::string& tag)>;

// For each tag whose rule wants system-ram or devdax: its extents no dax device claimed; each
// device holding its extents that is not in the rule's mode (with `when: unusable`, only devices
// whose memory cannot be used); and every release request a device still holds extents of.
std::vector<ConvergenceGap> dc_convergence_gaps(const Range& range, const TagRule& rule_of);

// `srmctl explain` lines for the tags of a DC range: each tag, its extents and devices, and the
// rule it falls under with what that rule wants; then the pending release requests.
std::vector<std::string> explain_dc_tags(const Policy& policy, const Range& range,
                                         const Snapshot& snapshot);

}  // namespace srmd
