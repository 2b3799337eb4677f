// gate_plan: which planned steps a pass may carry out now, from the ranges' failure records, the
// time, the ranges an operator named and whether the operator asked for the pass.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "plan/gate.hpp"

namespace srmd {
namespace {

constexpr std::int64_t kNow = 1700000000;

RangePlan wants_steps(const std::string& range) {
    RangePlan plan;
    plan.range = range;
    Step step;
    step.action = Action::OnlineMemory;
    step.target = "dax" + range + ".0";
    step.range = range;
    plan.steps.push_back(step);
    return plan;
}

RangePlan refused(const std::string& range) {
    RangePlan plan;
    plan.range = range;
    plan.problems.push_back(Problem{"teardown-not-allowed", "refused", RangeStatus::Ok});
    return plan;
}

Plan plan_of(std::vector<RangePlan> ranges) {
    Plan plan;
    plan.ranges = std::move(ranges);
    return plan;
}

std::vector<std::string> ranges_with_steps(const Plan& plan) {
    std::vector<std::string> ids;
    for (const RangePlan& r : plan.ranges)
        if (!r.steps.empty())
            ids.push_back(r.range);
    return ids;
}

std::vector<std::string> range_order(const Plan& plan) {
    std::vector<std::string> ids;
    for (const RangePlan& r : plan.ranges)
        ids.push_back(r.range);
    return ids;
}

using Strings = std::vector<std::string>;

TEST(Gate, WithoutRecordsEverythingGoes) {
    GatedPlan gated = gate_plan(plan_of({wants_steps("a"), refused("b")}), {}, {kNow, {}, false});
    EXPECT_EQ(ranges_with_steps(gated.plan), Strings{"a"});
    EXPECT_EQ(gated.plan.ranges.at(1).problems.size(), 1u);
    EXPECT_TRUE(gated.waiting.empty());
    EXPECT_TRUE(gated.reset.empty());
    EXPECT_TRUE(gated.previous_failures.empty());
}

TEST(Gate, ARangeWaitsForItsRetryTimeWithAProblem) {
    std::map<std::string, RetryRecord> records{{"a", {2, kNow + 60}}, {"b", {1, kNow}}};
    GatedPlan gated =
        gate_plan(plan_of({wants_steps("a"), wants_steps("b")}), records, {kNow, {}, false});
    // b's time has come (retry_after == now): it goes.
    EXPECT_EQ(ranges_with_steps(gated.plan), Strings{"b"});
    EXPECT_EQ(range_order(gated.plan), (Strings{"a", "b"}));  // a is still reported
    EXPECT_EQ(gated.waiting, Strings{"a"});
    ASSERT_EQ(gated.plan.ranges.at(0).problems.size(), 1u);
    const Problem& problem = gated.plan.ranges.at(0).problems.at(0);
    EXPECT_EQ(problem.code, "retry-waiting");
    EXPECT_EQ(problem.message, "the last 2 attempt(s) failed; the next is due in 60 s");
    EXPECT_EQ(problem.severity, RangeStatus::Degraded);
    EXPECT_TRUE(gated.reset.empty());
    // The backoff grows from both counts.
    EXPECT_EQ(gated.previous_failures, (std::map<std::string, int>{{"a", 2}, {"b", 1}}));
}

TEST(Gate, AnOperatorsPassDoesNotWait) {
    std::map<std::string, RetryRecord> records{{"a", {3, kNow + 600}}};
    GatedPlan gated = gate_plan(plan_of({wants_steps("a")}), records, {kNow, {}, true});
    EXPECT_EQ(ranges_with_steps(gated.plan), Strings{"a"});
    EXPECT_TRUE(gated.waiting.empty());
    EXPECT_TRUE(gated.plan.ranges.at(0).problems.empty());
    EXPECT_EQ(gated.previous_failures, (std::map<std::string, int>{{"a", 3}}));
}

// Ranges left out of `only` are planned and reported, with no steps, and neither wait nor forget.
TEST(Gate, OnlyTheNamedRangesAct) {
    std::map<std::string, RetryRecord> records{{"b", {1, kNow + 60}}};
    GatedPlan gated = gate_plan(plan_of({wants_steps("a"), wants_steps("b"), wants_steps("c")}),
                                records, {kNow, {"c"}, false});
    EXPECT_EQ(ranges_with_steps(gated.plan), Strings{"c"});
    EXPECT_EQ(range_order(gated.plan), (Strings{"a", "b", "c"}));
    EXPECT_TRUE(gated.waiting.empty());
    EXPECT_TRUE(gated.plan.ranges.at(1).problems.empty());
    EXPECT_TRUE(gated.reset.empty());  // b still wants steps: its failure stands
    EXPECT_EQ(gated.previous_failures, (std::map<std::string, int>{{"b", 1}}));
}

// A range that needs no step any more has nothing left to retry, wherever its record points.
TEST(Gate, ARangeThatNeedsNothingForgetsItsFailures) {
    std::map<std::string, RetryRecord> records{
        {"gone", {4, kNow + 600}},   // not in the plan at all
        {"fixed", {1, kNow + 60}},   // in the plan, no steps
        {"clean", {0, 0}},           // nothing to forget
        {"failing", {1, kNow - 1}},  // still wants steps: kept
    };
    GatedPlan gated =
        gate_plan(plan_of({refused("fixed"), refused("clean"), wants_steps("failing")}), records,
                  {kNow, {}, false});
    EXPECT_EQ(gated.reset, (Strings{"fixed", "gone"}));
    EXPECT_TRUE(gated.waiting.empty());  // a range with no steps does not wait
    EXPECT_EQ(gated.plan.ranges.at(0).problems.size(), 1u);
    EXPECT_EQ(gated.previous_failures, (std::map<std::string, int>{{"failing", 1}}));
}

// Whatever the records say, the message's arithmetic does not overflow.
TEST(Gate, ExtremeTimesAreWordedWithoutOverflow) {
    const std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::map<std::string, RetryRecord> records{{"a", {1, max}}};
    GatedPlan gated = gate_plan(plan_of({wants_steps("a")}), records,
                                {std::numeric_limits<std::int64_t>::min(), {}, false});
    ASSERT_EQ(gated.waiting, Strings{"a"});
    EXPECT_EQ(gated.plan.ranges.at(0).problems.at(0).message,
              "the last 1 attempt(s) failed; the next is due in 18446744073709551615 s");
}

}  // namespace
}  // namespace srmd
