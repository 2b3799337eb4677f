#include "plan/gate.hpp"

#include <algorithm>
#include <set>

namespace srmd {

namespace {

// retry_after - now, for retry_after > now, without overflow whatever the two are.
std::uint64_t seconds_until(std::int64_t retry_after, std::int64_t now) {
    return static_cast<std::uint64_t>(retry_after) - static_cast<std::uint64_t>(now);
}

}  // namespace

GatedPlan gate_plan(Plan plan, const std::map<std::string, RetryRecord>& records,
                    const GateOptions& options) {
    GatedPlan gated;
    // Ranges the policy still wants steps for, whether or not they may act in this pass.
    std::set<std::string> wanting;
    for (const RangePlan& range_plan : plan.ranges)
        if (!range_plan.steps.empty())
            wanting.insert(range_plan.range);

    for (RangePlan& range_plan : plan.ranges) {
        const std::vector<std::string>& only = options.only;
        if (!only.empty() && std::find(only.begin(), only.end(), range_plan.range) == only.end()) {
            range_plan.steps.clear();  // planned, reported, not acted on
            continue;
        }
        auto record = records.find(range_plan.range);
        bool waits = !options.retry_now && record != records.end() &&
                     record->second.retry_after > options.now && !range_plan.steps.empty();
        if (!waits)
            continue;
        gated.waiting.push_back(range_plan.range);
        range_plan.problems.push_back(Problem{
            "retry-waiting",
            "the last " + std::to_string(record->second.failures) +
                " attempt(s) failed; the next is due in " +
                std::to_string(seconds_until(record->second.retry_after, options.now)) + " s",
            RangeStatus::Degraded});
        range_plan.steps.clear();
    }

    for (const auto& [id, record] : records) {
        if (!wanting.count(id)) {
            if (record.failures != 0 || record.retry_after != 0)
                gated.reset.push_back(id);
        } else if (record.failures > 0) {
            gated.previous_failures[id] = record.failures;
        }
    }
    gated.plan = std::move(plan);
    return gated;
}

}  // namespace srmd
