// The planner's refusals on the ranges they concern, as the daemon shows them: joined to each
// range's problems, raising its status, and linked to the kernel log line that explains them.
// The daemon's pass, `srmctl plan --root` and `srmctl simulate --policy-dir` all go through
// here, so a refusal one of them shows the others show too.
#pragma once

#include <vector>

#include "ownership/ownership.hpp"
#include "plan/plan.hpp"

namespace srmd {

// Joins plan's problems to `ranges`; those of a range that is not in `ranges` are returned.
std::vector<Problem> join_plan_problems(std::vector<Range>& ranges, const Plan& plan);

}  // namespace srmd
