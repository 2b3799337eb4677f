// The executor on the simulated kernel: every step verified on a fresh reading, failures stop the
// range, what can be undone is undone, the range is reported degraded with what happened, and the
// other ranges go on.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "act/executor.hpp"
#include "ownership/ownership.hpp"
#include "publish/plan-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"
#include "tree-compare.hpp"
#include "util/error.hpp"

using namespace std::chrono_literals;

namespace srmd {
namespace {

using test::fixture;
using test::TreeCopy;

const std::set<std::string> kNotModelled = {".capture", ".sim-kernel", "meminfo",
                                            "zoneinfo", "numastat",    "vmstat"};

Step step(Action action, const std::string& target, const std::string& range,
          std::optional<DaxMode> mode = std::nullopt, std::optional<Zone> zone = std::nullopt) {
    Step s;
    s.action = action;
    s.target = target;
    s.range = range;
    s.reason = "test";
    s.mode = mode;
    s.zone = zone;
    return s;
}

Plan plan_of(std::vector<RangePlan> ranges) {
    Plan plan;
    plan.ranges = std::move(ranges);
    return plan;
}

Observe observer(const std::string& root) {
    return [root] { return read_snapshot(RootReader(root)); };
}

std::string range_id_of(const std::string& root, std::size_t index) {
    return compute_ranges(read_snapshot(RootReader(root))).at(index).id;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Reports success and does nothing: what a kernel that silently ignores a write looks like.
class IgnoringActuator : public Actuator {
  public:
    StepOutcome execute(const Step&) override {
        ++calls;
        return StepOutcome::success();
    }
    int calls = 0;
};

// Counts what reaches the actuator behind it.
class CountingActuator : public Actuator {
  public:
    explicit CountingActuator(Actuator& inner) : inner_(inner) {}
    StepOutcome execute(const Step& step) override {
        ++calls;
        return inner_.execute(step);
    }
    int calls = 0;

  private:
    Actuator& inner_;
};

TEST(Executor, RunsAndVerifiesEveryStep) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    SimulatedKernel kernel(tree.path());
    Plan plan = plan_of({{r,
                          {step(Action::ReconfigureDax, "dax0.0", r, DaxMode::SystemRam),
                           step(Action::OnlineMemory, "dax0.0", r, std::nullopt, Zone::Movable)},
                          {}}});
    Execution execution = execute_plan(plan, kernel, observer(tree.path()));
    EXPECT_TRUE(execution.ok());
    ASSERT_EQ(execution.applied.size(), 2u);
    for (const AppliedStep& a : execution.applied) {
        EXPECT_EQ(a.result, AppliedStep::Result::Ok) << a.message;
        EXPECT_FALSE(a.rollback);
    }
    ASSERT_EQ(execution.ranges.size(), 1u);
    EXPECT_FALSE(execution.ranges[0].degraded);
    EXPECT_TRUE(execution.problems_for(r).empty());
    EXPECT_EQ(
        test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-kmem-movable"), kNotModelled),
        "");
}

TEST(Executor, AStepTheMachineDoesNotShowIsAFailure) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    IgnoringActuator ignoring;
    Plan plan = plan_of({{r, {step(Action::ReconfigureDax, "dax0.0", r, DaxMode::SystemRam)}, {}}});
    Execution execution = execute_plan(plan, ignoring, observer(tree.path()));
    ASSERT_EQ(execution.applied.size(), 1u);
    EXPECT_EQ(execution.applied[0].result, AppliedStep::Result::Unverified);
    EXPECT_EQ(execution.applied[0].path, "/sys/devices/platform/hmem.0/dax0.0/driver");
    ASSERT_TRUE(execution.ranges[0].problem);
    const Problem& problem = *execution.ranges[0].problem;
    EXPECT_EQ(problem.code, "action-failed");
    EXPECT_EQ(problem.severity, RangeStatus::Degraded);
    EXPECT_TRUE(contains(problem.message,
                         "reconfigure-dax dax0.0 system-ram reported success but "
                         "was not verified"))
        << problem.message;
    EXPECT_TRUE(contains(problem.message, "dax0.0 is bound to device_dax, not bound to kmem"))
        << problem.message;
}

TEST(Executor, FailureRollsBackAndReportsTheRangeDegraded) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"fail:online-memory:dax0.0:EIO"}));
    Plan plan = plan_of({{r,
                          {step(Action::ReconfigureDax, "dax0.0", r, DaxMode::SystemRam),
                           step(Action::OnlineMemory, "dax0.0", r, std::nullopt, Zone::Movable)},
                          {}}});
    Execution execution = execute_plan(plan, kernel, observer(tree.path()));
    EXPECT_FALSE(execution.ok());
    ASSERT_EQ(execution.applied.size(), 3u);
    EXPECT_EQ(execution.applied[1].result, AppliedStep::Result::Failed);
    EXPECT_EQ(execution.applied[1].error, EIO);
    EXPECT_EQ(execution.applied[1].path, "/sys/devices/system/memory/memory8/state");
    // The undo of the reconfigure: back to device_dax, verified.
    EXPECT_TRUE(execution.applied[2].rollback);
    EXPECT_EQ(execution.applied[2].step.action, Action::ReconfigureDax);
    EXPECT_EQ(execution.applied[2].step.mode, DaxMode::Devdax);
    EXPECT_EQ(execution.applied[2].result, AppliedStep::Result::Ok);

    const RangeExecution& range = execution.ranges.at(0);
    EXPECT_TRUE(range.degraded);
    EXPECT_EQ(range.attempt, 1);
    EXPECT_EQ(range.retry_after, 30s);
    ASSERT_TRUE(range.problem);
    const std::string& message = range.problem->message;
    EXPECT_TRUE(contains(message,
                         "online-memory dax0.0 movable failed: EIO (Input/output error) "
                         "at /sys/devices/system/memory/memory8/state"))
        << message;
    EXPECT_TRUE(contains(message, "Rolled back: reconfigure-dax dax0.0 devdax.")) << message;
    EXPECT_FALSE(contains(message, "timed out")) << message;
    // Back where it started, exactly.
    EXPECT_EQ(test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-devdax"), kNotModelled),
              "");
}

TEST(Executor, AHalfDoneStepIsUndoneToo) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    // Writes: 1 unbind device_dax, 2 bind kmem, 3 memory8 online, 4 (memory9) fails.
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"fail-after:3:EIO"}));
    Plan plan = plan_of({{r,
                          {step(Action::ReconfigureDax, "dax0.0", r, DaxMode::SystemRam),
                           step(Action::OnlineMemory, "dax0.0", r, std::nullopt, Zone::Movable)},
                          {}}});
    Execution execution = execute_plan(plan, kernel, observer(tree.path()));
    ASSERT_EQ(execution.applied.size(), 4u);
    EXPECT_EQ(execution.applied[1].path, "/sys/devices/system/memory/memory9/state");
    EXPECT_EQ(execution.applied[2].step.action, Action::OfflineMemory);
    EXPECT_EQ(execution.applied[3].step.action, Action::ReconfigureDax);
    EXPECT_TRUE(contains(execution.ranges[0].problem->message,
                         "Rolled back: offline-memory dax0.0, reconfigure-dax dax0.0 devdax."))
        << execution.ranges[0].problem->message;
    EXPECT_EQ(test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-devdax"), kNotModelled),
              "");
}

TEST(Executor, ATimeoutIsReportedAsSuch) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    std::string r = range_id_of(tree.path(), 0);
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"hang:offline-memory:dax0.0"}), 200ms);
    Plan plan = plan_of({{r,
                          {step(Action::OfflineMemory, "dax0.0", r),
                           step(Action::ReconfigureDax, "dax0.0", r, DaxMode::Devdax)},
                          {}}});
    Execution execution = execute_plan(plan, kernel, observer(tree.path()));
    ASSERT_EQ(execution.applied.size(), 1u);
    EXPECT_EQ(execution.applied[0].result, AppliedStep::Result::TimedOut);
    const std::string& message = execution.ranges.at(0).problem->message;
    EXPECT_TRUE(contains(message, "offline-memory dax0.0 timed out: ETIMEDOUT")) << message;
    EXPECT_TRUE(contains(message, "at /sys/devices/system/memory/memory8/state")) << message;
    EXPECT_TRUE(contains(message, "the write did not return within 200 ms: killed")) << message;
    EXPECT_TRUE(contains(message, "Nothing was rolled back.")) << message;
}

TEST(Executor, OtherRangesGoOn) {
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    std::string r0 = range_id_of(tree.path(), 0);
    std::string r1 = range_id_of(tree.path(), 1);
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"fail:reconfigure-dax:dax0.0:EBUSY"}));
    Plan plan = plan_of({{r0,
                          {step(Action::OfflineMemory, "dax0.0", r0),
                           step(Action::ReconfigureDax, "dax0.0", r0, DaxMode::Devdax)},
                          {}},
                         {r1,
                          {step(Action::OfflineMemory, "dax1.0", r1),
                           step(Action::ReconfigureDax, "dax1.0", r1, DaxMode::Devdax)},
                          {}}});
    Execution execution = execute_plan(plan, kernel, observer(tree.path()));
    ASSERT_EQ(execution.ranges.size(), 2u);
    EXPECT_TRUE(execution.ranges[0].degraded);
    EXPECT_FALSE(execution.ranges[1].degraded);
    EXPECT_TRUE(contains(execution.ranges[0].problem->message,
                         "Rolled back: online-memory dax0.0 movable."))
        << execution.ranges[0].problem->message;

    Snapshot after = read_snapshot(RootReader(tree.path()));
    EXPECT_EQ(after.dax_device("dax0.0")->driver, "kmem");
    EXPECT_EQ(after.dax_device("dax1.0")->driver, "device_dax");
    std::vector<Range> ranges = compute_ranges(after);
    EXPECT_EQ(ranges.at(0).dax.at(0).memory.online, ranges.at(0).dax.at(0).memory.blocks);
    EXPECT_EQ(ranges.at(0).dax.at(0).memory.zone, Zone::Movable);

    // The problem joins its range, which becomes degraded.
    EXPECT_TRUE(merge_execution(ranges, execution).empty());
    EXPECT_EQ(ranges.at(0).status, RangeStatus::Degraded);
    EXPECT_STREQ(to_string(ranges.at(0).status), "degraded");
    EXPECT_EQ(ranges.at(0).problems.back().code, "action-failed");
    EXPECT_NE(ranges.at(1).status, RangeStatus::Degraded);
}

TEST(Executor, RefusesToUnbindOnlineMemory) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    std::string r = range_id_of(tree.path(), 0);
    SimulatedKernel kernel(tree.path());
    CountingActuator counting(kernel);
    for (Step s : {step(Action::DisableDax, "dax0.0", r),
                   step(Action::ReconfigureDax, "dax0.0", r, DaxMode::Devdax),
                   step(Action::ReleaseHmem, "hmem.0", r)}) {
        Execution execution =
            execute_plan(plan_of({{r, {s}, {}}}), counting, observer(tree.path()));
        ASSERT_EQ(execution.applied.size(), 1u);
        EXPECT_EQ(execution.applied[0].result, AppliedStep::Result::Refused);
        EXPECT_EQ(execution.applied[0].path, "/sys/devices/system/memory/memory8/state");
        EXPECT_TRUE(contains(execution.ranges[0].problem->message, "refused: dax0.0 has 4 online"))
            << execution.ranges[0].problem->message;
    }
    EXPECT_EQ(counting.calls, 0);
    EXPECT_FALSE(std::filesystem::exists(tree.path() + "/.sim-kernel/leaked"));
}

TEST(Executor, RefusesToDestroyALockedOrEnabledRegion) {
    {
        TreeCopy tree(fixture("constructed/locked-region"));
        std::string r = range_id_of(tree.path(), 0);
        IgnoringActuator actuator;
        Execution execution =
            execute_plan(plan_of({{r, {step(Action::DestroyRegion, "region0", r)}, {}}}), actuator,
                         observer(tree.path()));
        EXPECT_EQ(execution.applied.at(0).result, AppliedStep::Result::Refused);
        EXPECT_TRUE(contains(execution.applied[0].message, "region0 is locked"));
        EXPECT_EQ(actuator.calls, 0);
    }
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    std::string r = range_id_of(tree.path(), 1);
    IgnoringActuator actuator;
    Execution execution =
        execute_plan(plan_of({{r, {step(Action::DestroyRegion, "region1", r)}, {}}}), actuator,
                     observer(tree.path()));
    EXPECT_EQ(execution.applied.at(0).result, AppliedStep::Result::Refused);
    EXPECT_TRUE(contains(execution.applied[0].message, "region1 is enabled"));
    EXPECT_EQ(actuator.calls, 0);
}

TEST(Executor, ADestroyedRegionIsNotBroughtBack) {
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    std::string r = range_id_of(tree.path(), 1);
    SimulatedKernel kernel(tree.path());
    // dax1.0 went with its region, so the last step fails. Not a plan the planner makes (destroy
    // comes last); the executor must still stop the undo.
    Plan plan = plan_of(
        {{r,
          {step(Action::OfflineMemory, "dax1.0", r), step(Action::DisableRegion, "region1", r),
           step(Action::DestroyRegion, "region1", r),
           step(Action::EnableDax, "dax1.0", r, DaxMode::SystemRam)},
          {}}});
    Execution execution = execute_plan(plan, kernel, observer(tree.path()));
    ASSERT_EQ(execution.applied.size(), 4u);
    EXPECT_EQ(execution.applied[3].result, AppliedStep::Result::Failed);
    const std::string& message = execution.ranges.at(0).problem->message;
    EXPECT_TRUE(contains(message, "Nothing was rolled back.")) << message;
    EXPECT_TRUE(contains(message, "Destroy-region region1 cannot be undone.")) << message;
}

TEST(Executor, AMachineThatCannotBeReadStopsTheRange) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    SimulatedKernel kernel(tree.path());
    int readings = 0;
    Observe flaky = [&] {
        if (++readings == 2)
            throw SystemError(tree.path() + "/proc/iomem", EIO);
        return read_snapshot(RootReader(tree.path()));
    };
    Plan plan = plan_of({{r,
                          {step(Action::ReconfigureDax, "dax0.0", r, DaxMode::SystemRam),
                           step(Action::OnlineMemory, "dax0.0", r, std::nullopt, Zone::Movable)},
                          {}}});
    Execution execution = execute_plan(plan, kernel, flaky);
    ASSERT_EQ(execution.applied.size(), 1u);
    EXPECT_EQ(execution.applied[0].result, AppliedStep::Result::Unverified);
    EXPECT_EQ(execution.applied[0].path, tree.path() + "/proc/iomem");
    EXPECT_TRUE(contains(execution.ranges[0].problem->message, "nothing was rolled back"))
        << execution.ranges[0].problem->message;
}

TEST(Executor, AttemptsGrowTheBackoff) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    IgnoringActuator actuator;
    ExecuteOptions options;
    options.previous_failures[r] = 2;
    Execution execution = execute_plan(plan_of({{r, {step(Action::DisableDax, "dax0.0", r)}, {}}}),
                                       actuator, observer(tree.path()), options);
    EXPECT_EQ(execution.ranges.at(0).attempt, 3);
    EXPECT_EQ(execution.ranges.at(0).retry_after, 120s);
    EXPECT_TRUE(contains(execution.ranges[0].problem->message, "Attempt 3; retry in 120 s."));

    EXPECT_EQ(backoff_delay(0), 0s);
    EXPECT_EQ(backoff_delay(1), 30s);
    EXPECT_EQ(backoff_delay(7), 1920s);
    EXPECT_EQ(backoff_delay(8), 3600s);
    EXPECT_EQ(backoff_delay(1000), 3600s);
    EXPECT_EQ(backoff_delay(3, Backoff{1s, 3s}), 3s);
}

TEST(Executor, AppliedStepsAsJson) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::string r = range_id_of(tree.path(), 0);
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"fail:online-memory:*:EBUSY"}));
    Plan plan = plan_of({{r,
                          {step(Action::ReconfigureDax, "dax0.0", r, DaxMode::SystemRam),
                           step(Action::OnlineMemory, "dax0.0", r, std::nullopt, Zone::Movable)},
                          {}}});
    Json json = applied_to_json(execute_plan(plan, kernel, observer(tree.path())));
    ASSERT_EQ(json.as_array().size(), 3u);
    const Json& ok = json.as_array()[0];
    EXPECT_EQ(ok.find("outcome")->as_string(), "ok");
    EXPECT_EQ(ok.find("mode")->as_string(), "system-ram");
    EXPECT_EQ(ok.find("errno"), nullptr);
    const Json& failed = json.as_array()[1];
    EXPECT_EQ(failed.find("outcome")->as_string(), "failed");
    EXPECT_EQ(failed.find("errno")->as_string(), "EBUSY");
    EXPECT_EQ(failed.find("path")->as_string(), "/sys/devices/system/memory/memory8/state");
    EXPECT_FALSE(failed.find("rollback")->as_bool());
    EXPECT_TRUE(json.as_array()[2].find("rollback")->as_bool());
}

}  // namespace
}  // namespace srmd
