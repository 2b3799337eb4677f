#include "plan/plan-problems.hpp"

#include <algorithm>

namespace srmd {

std::vector<Problem> join_plan_problems(std::vector<Range>& ranges, const Plan& plan) {
    std::vector<Problem> orphans;
    for (const RangePlan& range_plan : plan.ranges) {
        auto range = std::find_if(ranges.begin(), ranges.end(),
                                  [&](const Range& r) { return r.id == range_plan.range; });
        if (range == ranges.end()) {
            orphans.insert(orphans.end(), range_plan.problems.begin(), range_plan.problems.end());
            continue;
        }
        for (const Problem& problem : range_plan.problems) {
            range->problems.push_back(problem);
            range->status = std::max(range->status, problem.severity);
        }
        link_problems_to_kernel_log(*range);
    }
    return orphans;
}

}  // namespace srmd
