// From a policy rule to what the planner works with (desired.hpp's Desired): the rule that matches
// a range, with its owner resolved against the kernel's choice for that range.
#pragma once

#include <optional>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/desired.hpp"
#include "policy/policy.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// What the first matching rule wants of `range`; nullopt when no rule matches (srmd leaves the
// range alone).
std::optional<Desired> desired_for(const Policy& policy, const Range& range,
                                   const Snapshot& snapshot);

// desired_for of every range, in order: the third argument of make_plan.
std::vector<std::optional<Desired>> desired_for_ranges(const Policy& policy,
                                                       const std::vector<Range>& ranges,
                                                       const Snapshot& snapshot);

}  // namespace srmd
