// Reconcile passes on writable tree copies driven by the simulated kernel: what a pass does,
// what it remembers, and how it resumes after a stop, a failure or a crash.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "policy/policy-load.hpp"
#include "service/reconciler.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

using test::fixture;
using test::TreeCopy;

// devdax tree: dax0.0 (window decoder0.0) on device_dax, dax1.0 (decoder0.1) unbound.
const char kPolicy[] = R"(version: 1
rules:
  - name: keep-devdax
    match:
      window: decoder0.0
    mode: devdax
  - name: ram
    mode: system-ram
    zone: movable
)";

Policy policy_from(const char* text) {
    PolicyLoad load = parse_policy_text(text, "test.yaml");
    EXPECT_TRUE(load.policy) << (load.diagnostics.empty() ? "" : load.diagnostics[0].message);
    return load.policy ? *load.policy : Policy{};
}

Changes full() {
    Changes c;
    c.full = true;
    return c;
}

struct Machine {
    explicit Machine(const std::string& tree, SimFaults faults = {})
        : copy(fixture(tree)), kernel(copy.path(), std::move(faults)) {}
    std::string state_path() const { return copy.path() + "/state.json"; }
    std::unique_ptr<Reconciler> reconciler(bool act = true) {
        ReconcilerSettings settings;
        settings.state_path = state_path();
        settings.act = act;
        auto r = std::make_unique<Reconciler>(RootReader(copy.path()), kernel, settings);
        EXPECT_EQ(r->load_state(), "");
        r->set_policy(policy_from(kPolicy));
        return r;
    }
    TreeCopy copy;
    SimulatedKernel kernel;
};

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const Range* range(const Reconciler& r, const std::string& id) {
    for (const Range& range : r.ranges())
        if (range.id == id)
            return &range;
    return nullptr;
}

TEST(Reconciler, ColdplugPassConvergesAndTheNextDoesNothing) {
    Machine m("constructed/devdax");
    auto r = m.reconciler();
    PassSummary first = r->pass(full(), "coldplug", 0);
    EXPECT_EQ(first.error, "");
    EXPECT_TRUE(first.full_read);
    EXPECT_EQ(first.steps, 2);  // bind kmem, online its blocks
    EXPECT_EQ(first.failed, 0);
    EXPECT_TRUE(first.converged);
    const Range* ram = range(*r, "r2480000000");
    ASSERT_TRUE(ram);
    EXPECT_EQ(to_string(ram->mode), std::string("system-ram"));
    EXPECT_EQ(ram->dax.at(0).memory.online, ram->dax.at(0).memory.blocks);

    PassSummary second = r->pass(Changes{}, "events", 0);
    EXPECT_FALSE(second.full_read);
    EXPECT_EQ(second.steps, 0);
    EXPECT_TRUE(second.converged);
    // What srmd did, and why, is on disk.
    StateLoad saved = load_state(m.state_path());
    const auto& steps = saved.state.ranges.at("r2480000000").steps;
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[0].action, "enable-dax");
    EXPECT_EQ(steps[0].result, "ok");
    EXPECT_NE(steps[0].reason.find("ram"), std::string::npos);
    EXPECT_FALSE(saved.state.in_progress);
}

TEST(Reconciler, DryRunPlansButChangesNothing) {
    Machine m("constructed/devdax");
    auto r = m.reconciler(false);
    PassSummary pass = r->pass(full(), "coldplug", 0);
    EXPECT_EQ(pass.steps, 0);
    EXPECT_EQ(pass.plan.steps().size(), 2u);
    EXPECT_FALSE(pass.converged);
    EXPECT_EQ(m.kernel.writes(), 0);
}

// A stop between steps ends the pass there, with nothing half done and nothing rolled back; the
// next pass plans what is left.
TEST(Reconciler, StopsBetweenStepsAndTheNextPassFinishes) {
    Machine m("constructed/devdax");
    auto r = m.reconciler();
    int asked = 0;
    PassSummary first =
        r->pass(full(), "coldplug", 0, PassOptions{[&] { return ++asked > 1; }, {}, false});
    EXPECT_TRUE(first.stopped);
    EXPECT_EQ(first.steps, 1);
    EXPECT_FALSE(first.converged);
    EXPECT_FALSE(load_state(m.state_path()).state.in_progress);

    PassSummary second = r->pass(full(), "events", 0);
    EXPECT_EQ(second.steps, 1);
    EXPECT_EQ(second.plan.steps().at(0).action, Action::OnlineMemory);
    EXPECT_TRUE(second.converged);
}

TEST(Reconciler, FailedRangeWaitsForItsRetryAndKeepsItsProblem) {
    SimFaults faults;
    faults.faults.push_back(parse_sim_fault("fail:online-memory:*:EBUSY"));
    Machine m("constructed/devdax", faults);
    auto r = m.reconciler();
    PassSummary first = r->pass(full(), "coldplug", 0);
    EXPECT_GE(first.failed, 1);
    EXPECT_EQ(to_string(range(*r, "r2480000000")->status), std::string("degraded"));
    EXPECT_EQ(load_state(m.state_path()).state.ranges.at("r2480000000").failures, 1);

    PassSummary second = r->pass(full(), "events", 0);
    EXPECT_EQ(second.steps, 0);
    EXPECT_EQ(second.waiting, 1);
    const Range* waiting = range(*r, "r2480000000");
    ASSERT_TRUE(waiting);
    EXPECT_EQ(to_string(waiting->status), std::string("degraded"));
    bool found = false;
    for (const Problem& p : waiting->problems)
        found = found || p.code == "retry-waiting";
    EXPECT_TRUE(found);
    ASSERT_TRUE(r->next_retry());

    // An operator's request does not wait.
    PassSummary asked = r->pass(full(), "apply", 0, PassOptions{{}, {}, true});
    EXPECT_EQ(asked.waiting, 0);
    EXPECT_GE(asked.steps, 1);
}

// Once a range needs nothing any more, its wait is over: no retry timer is left behind to wake
// the daemon for nothing.
TEST(Reconciler, ARangeThatNeedsNothingStopsWaiting) {
    SimFaults faults;
    faults.faults.push_back(parse_sim_fault("fail:online-memory:*:EBUSY"));
    Machine m("constructed/devdax", faults);
    auto r = m.reconciler();
    r->pass(full(), "coldplug", 0);
    ASSERT_TRUE(r->next_retry());
    r->set_policy(policy_from(R"(version: 1
rules:
  - name: leave-alone
    mode: ignore
)"));
    PassSummary pass = r->pass(Changes{}, "reload", 0);
    EXPECT_EQ(pass.waiting, 0);
    EXPECT_FALSE(r->next_retry());
    EXPECT_EQ(r->state().ranges.at("r2480000000").failures, 0);
}

// kill -9 in the middle of a step: the state file still says which step it was. A new start
// reports it, keeps it in the history, and plans from what the machine shows.
TEST(Reconciler, RestartAfterCrashReportsTheInterruptedStepAndConverges) {
    Machine m("constructed/devdax");
    {
        State crashed;
        crashed.passes = 4;
        StepRecord step;
        step.pass = 4;
        step.action = "enable-dax";
        step.target = "dax1.0";
        step.result = "started";
        crashed.in_progress = step;
        crashed.in_progress_range = "r2480000000";
        save_state(m.state_path(), crashed);
    }
    auto r = m.reconciler();
    ASSERT_TRUE(r->interrupted());
    EXPECT_EQ(r->interrupted()->target, "dax1.0");
    EXPECT_EQ(r->interrupted_range(), "r2480000000");
    State after_load = load_state(m.state_path()).state;
    EXPECT_FALSE(after_load.in_progress);
    EXPECT_EQ(after_load.ranges.at("r2480000000").steps.back().result, "interrupted");

    PassSummary pass = r->pass(full(), "coldplug", 0);
    EXPECT_EQ(pass.number, 5u);
    EXPECT_TRUE(pass.converged);
}

// Failure counts hold within a boot (a crash loop must not hammer a failing range) and are
// forgotten across a reboot, which clears what made the steps fail.
TEST(Reconciler, FailureCountsLastOneBoot) {
    Machine m("constructed/devdax");
    std::filesystem::create_directories(m.copy.path() + "/proc/sys/kernel/random");
    std::ofstream(m.copy.path() + "/proc/sys/kernel/random/boot_id") << "boot-b\n";
    State old;
    old.boot_id = "boot-a";
    old.ranges["r2480000000"].failures = 3;
    old.ranges["r2480000000"].retry_after = 4102444800;  // 2100
    save_state(m.state_path(), old);
    auto r = m.reconciler();
    EXPECT_EQ(r->state().boot_id, "boot-b");
    EXPECT_EQ(r->state().ranges.at("r2480000000").failures, 0);
    EXPECT_EQ(r->pass(full(), "coldplug", 0).steps, 2);

    // Same boot: the wait holds.
    State same = load_state(m.state_path()).state;
    same.ranges["r2480000000"].failures = 1;
    same.ranges["r2480000000"].retry_after = unix_now() + 600;
    save_state(m.state_path(), same);
    auto again = m.reconciler();
    EXPECT_EQ(again->state().ranges.at("r2480000000").failures, 1);
}

// A state file of this boot saying what srmd never writes.
std::unique_ptr<Reconciler> reconciler_with_state(Machine& m, int failures,
                                                  std::int64_t retry_after, std::string& warning) {
    std::filesystem::create_directories(m.copy.path() + "/proc/sys/kernel/random");
    std::ofstream(m.copy.path() + "/proc/sys/kernel/random/boot_id") << "boot-a\n";
    State state;
    state.boot_id = "boot-a";
    state.ranges["r2480000000"].failures = failures;
    state.ranges["r2480000000"].retry_after = retry_after;
    save_state(m.state_path(), state);
    ReconcilerSettings settings;
    settings.state_path = m.state_path();
    auto r = std::make_unique<Reconciler>(RootReader(m.copy.path()), m.kernel, settings);
    warning = r->load_state();
    r->set_policy(policy_from(kPolicy));
    return r;
}

// failures: 2147483647 overflowed the attempt count (UBSan), the backoff came out as 0 and the
// range was never retried. Now the count is bounded and the failure waits for its retry as usual.
TEST(Reconciler, AHugeFailureCountIsBoundedAndTheRangeStillRetries) {
    SimFaults faults;
    faults.faults.push_back(parse_sim_fault("fail:online-memory:*:EBUSY"));
    Machine m("constructed/devdax", faults);
    std::string warning;
    auto r = reconciler_with_state(m, 2147483647, 0, warning);
    EXPECT_NE(warning.find("failures 2147483647 is out of bounds"), std::string::npos) << warning;
    EXPECT_EQ(r->state().ranges.at("r2480000000").failures, kMaxFailures);

    PassSummary pass = r->pass(full(), "coldplug", 0);
    EXPECT_GE(pass.failed, 1);
    const RangeRecord& record = r->state().ranges.at("r2480000000");
    EXPECT_EQ(record.failures, kMaxFailures);
    std::int64_t now = unix_now();
    ASSERT_TRUE(r->next_retry());
    EXPECT_GT(*r->next_retry(), now);
    EXPECT_LE(*r->next_retry(), now + 3600 + 1);
}

// retry_after: 2^62 wrapped the retry timer (the daemon spun), 1e13 parked the range for good.
// Either is brought to the longest wait there is, the backoff's cap.
TEST(Reconciler, ARetryTimeBeyondTheCapIsBroughtWithinIt) {
    for (std::int64_t far : {std::int64_t{1} << 62, std::int64_t{10000000000000}}) {
        Machine m("constructed/devdax");
        std::string warning;
        std::int64_t before = unix_now();
        auto r = reconciler_with_state(m, 1, far, warning);
        EXPECT_NE(warning.find("retry_after " + std::to_string(far)), std::string::npos) << warning;
        ASSERT_TRUE(r->next_retry());
        EXPECT_GE(*r->next_retry(), before + 3600);
        EXPECT_LE(*r->next_retry(), unix_now() + 3600);
        // And the file says so too: a restart does not bring the far time back.
        EXPECT_EQ(load_state(m.state_path()).state.ranges.at("r2480000000").retry_after,
                  *r->next_retry());
        PassSummary pass = r->pass(full(), "coldplug", 0);
        EXPECT_EQ(pass.waiting, 1);
    }
}

TEST(Reconciler, OnlyActsOnTheRangesNamed) {
    Machine m("constructed/devdax");
    auto r = m.reconciler();
    PassSummary pass = r->pass(full(), "apply", 0, PassOptions{{}, {"r2080000000"}, false});
    EXPECT_EQ(pass.steps, 0);  // r2080000000 is already devdax; r2480000000 is left alone
    EXPECT_FALSE(pass.converged);
    EXPECT_EQ(m.kernel.writes(), 0);
}

// After a step, the pass reads again only what the step touched.
TEST(Reconciler, ReadsAfterAStepCoverOnlyItsDevice) {
    Machine m("constructed/devdax");
    auto r = m.reconciler();
    r->pass(full(), "coldplug", 0);
    Changes one;
    one.blocks.insert(r->snapshot().memory.blocks.at(0).id);
    PassSummary small = r->pass(one, "events", 1);
    PassSummary whole = r->pass(full(), "events", 0);
    EXPECT_LT(small.files * 3, whole.files) << small.files << " vs " << whole.files;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

// exclusive_onlining: srmd takes the kernel's auto-onlining away for this boot, remembering the
// operator's value, and gives it back when the policy no longer asks for it.
TEST(Reconciler, ExclusiveOnliningTakesControlAndGivesItBack) {
    Machine m("constructed/two-windows-kmem");
    auto r = m.reconciler();
    const std::string setting = m.copy.path() + "/sys/devices/system/memory/auto_online_blocks";
    ASSERT_EQ(read_file(setting), "online_movable");
    r->set_policy(policy_from(R"(version: 1
settings:
  exclusive_onlining: true
rules:
  - name: ram
    mode: system-ram
)"));
    r->pass(full(), "coldplug", 0);
    EXPECT_EQ(read_file(setting), "offline");
    EXPECT_EQ(read_file(m.copy.path() + "/run/srmd/auto-online-blocks.original"), "online_movable");
    EXPECT_EQ(r->snapshot().memory.auto_online_blocks, "offline");
    // Taken over, the kernel no longer competes.
    for (const CompetingActor& actor : r->competing_actors())
        EXPECT_NE(actor.kind, ActorKind::KernelAutoOnline) << actor.what;

    // A second pass with the same policy changes nothing more.
    r->pass(full(), "events", 0);
    EXPECT_EQ(read_file(setting), "offline");

    r->set_policy(policy_from(kPolicy));
    r->pass(Changes{}, "reload", 0);
    EXPECT_EQ(read_file(setting), "online_movable");
    ASSERT_FALSE(r->competing_actors().empty());
    EXPECT_EQ(r->competing_actors().front().kind, ActorKind::KernelAutoOnline);
    EXPECT_FALSE(std::filesystem::exists(m.copy.path() + "/run/srmd/auto-online-blocks.original"));
}

}  // namespace
}  // namespace srmd

namespace srmd {
namespace {

bool has_problem(const Range* range, const std::string& code) {
    if (!range)
        return false;
    for (const Problem& problem : range->problems)
        if (problem.code == code)
            return true;
    return false;
}

// Another hand (an operator's daxctl, a script) takes memory offline between two passes: srmd
// says so, keeps its hands off the range for a moment instead of racing it, and an operator's
// reconcile acts at once.
TEST(Reconciler, AChangeSrmdDidNotMakeIsReportedAndHeld) {
    Machine m("constructed/devdax");
    auto r = m.reconciler();
    ASSERT_TRUE(r->pass(full(), "coldplug", 0).converged);

    Step outside;
    outside.action = Action::OfflineMemory;
    outside.target = "dax1.0";
    outside.range = "r2480000000";
    ASSERT_TRUE(m.kernel.execute(outside).ok);

    PassSummary held = r->pass(full(), "events", 1);
    EXPECT_EQ(held.steps, 0);
    EXPECT_FALSE(held.converged);
    EXPECT_TRUE(has_problem(range(*r, "r2480000000"), "changed-outside-srmd"));
    EXPECT_TRUE(has_problem(range(*r, "r2480000000"), "held-for-other-hand"));
    EXPECT_FALSE(has_problem(range(*r, "r2080000000"), "changed-outside-srmd"));
    ASSERT_TRUE(r->next_retry());  // the hold ends by itself

    PassOptions operator_asks;
    operator_asks.retry_now = true;
    PassSummary acted = r->pass(Changes{}, "request", 0, operator_asks);
    EXPECT_GT(acted.steps, 0);
    EXPECT_TRUE(acted.converged);
    // What srmd did itself is not somebody else's change.
    PassSummary after = r->pass(full(), "events", 1);
    EXPECT_EQ(after.steps, 0);
    EXPECT_TRUE(after.converged);
    const Range* ram = range(*r, "r2480000000");
    ASSERT_TRUE(ram);
    int outside_problems = 0;
    for (const Problem& problem : ram->problems)
        outside_problems += problem.code == "changed-outside-srmd";
    EXPECT_EQ(outside_problems, 1);  // the one change, still shown, counted once
}

}  // namespace
}  // namespace srmd
