#include <algorithm>
#include <cstring>
#include <iterator>

#include "act/executor.hpp"
#include "plan/plan-problems.hpp"

namespace srmd {

std::vector<Problem> merge_outcome(std::vector<Range>& ranges, const Plan& plan,
                                   const Execution& execution) {
    std::vector<Problem> orphans = join_plan_problems(ranges, plan);
    std::vector<Problem> lost = merge_execution(ranges, execution);
    orphans.insert(orphans.end(), lost.begin(), lost.end());
    return orphans;
}

bool wants_another_round(const Execution& execution) {
    return execution.ok() && !execution.stopped &&
           std::any_of(execution.applied.begin(), execution.applied.end(),
                       [](const AppliedStep& a) {
                           return a.step.action == Action::ClaimDcCapacity && !a.rollback &&
                                  a.result == AppliedStep::Result::Ok;
                       });
}

void append_execution(Execution& into, Execution round) {
    into.applied.insert(into.applied.end(), std::make_move_iterator(round.applied.begin()),
                        std::make_move_iterator(round.applied.end()));
    into.ranges.insert(into.ranges.end(), std::make_move_iterator(round.ranges.begin()),
                       std::make_move_iterator(round.ranges.end()));
    into.stopped = into.stopped || round.stopped;
}

bool Execution::ok() const {
    return std::none_of(ranges.begin(), ranges.end(),
                        [](const RangeExecution& r) { return r.degraded; });
}

std::vector<Problem> Execution::problems_for(const std::string& range) const {
    std::vector<Problem> problems;
    for (const RangeExecution& r : ranges)
        if (r.range == range && r.problem)
            problems.push_back(*r.problem);
    return problems;
}

std::vector<Problem> merge_execution(std::vector<Range>& ranges, const Execution& execution) {
    std::vector<Problem> orphans;
    for (const RangeExecution& r : execution.ranges) {
        if (!r.problem)
            continue;
        auto range = std::find_if(ranges.begin(), ranges.end(),
                                  [&](const Range& candidate) { return candidate.id == r.range; });
        if (range == ranges.end()) {
            orphans.push_back(*r.problem);
            continue;
        }
        range->problems.push_back(*r.problem);
        range->status = std::max(range->status, r.problem->severity);
    }
    return orphans;
}

const char* to_string(AppliedStep::Result result) {
    switch (result) {
        case AppliedStep::Result::Ok:
            return "ok";
        case AppliedStep::Result::Failed:
            return "failed";
        case AppliedStep::Result::TimedOut:
            return "timed-out";
        case AppliedStep::Result::Unverified:
            return "unverified";
        case AppliedStep::Result::Refused:
            return "refused";
    }
    return "failed";
}

}  // namespace srmd
