// The fault-injection matrix: for each tree and the plan the planner makes for it, inject every
// fault kind at every step (and a failure at every single write), run the plan through the
// executor on the simulated kernel, and check what must hold whatever goes wrong:
//   - no step ever unbinds online memory and no used (enabled or locked) region is destroyed:
//     checked on a fresh reading of the tree before every call that reaches the kernel, and
//     afterwards by the absence of leaked ranges and of online blocks under unbound devices;
//   - every failure is reported: its range is degraded with the errno and the path;
//   - the state after is consistent: a fresh snapshot reads and its ranges compute.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "act/executor.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "publish/plan-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"

using namespace std::chrono_literals;

namespace srmd {
namespace {

using test::fixture;
using test::TreeCopy;

// A step of a plan written by hand, for what the planner does not plan (it never destroys a
// committed region) but the executor must still carry out safely when told to.
struct HandStep {
    Action action;
    const char* target;
    std::optional<DaxMode> mode;
    std::optional<Zone> zone;
};

struct Scenario {
    const char* name;
    const char* tree;
    // What the policy wants of every range, for make_plan...
    Owner owner;
    Desired::Mode mode;
    std::optional<Zone> zone;
    // ...or, when set, a plan written by hand for the range with this index.
    std::vector<HandStep> hand_plan;
    std::size_t hand_range = 0;
    int min_steps = 1;  // the plan must have at least this many steps for the matrix to mean much
    bool clean_succeeds = true;  // false: even without faults, the executor must refuse a step
};

std::ostream& operator<<(std::ostream& out, const Scenario& s) {
    return out << s.name;
}

const Scenario kScenarios[] = {
    {"hmem_devdax_to_movable",
     "kernel-6.1/hmem-devdax",
     Owner::Hmem,
     Desired::Mode::SystemRam,
     Zone::Movable,
     {},
     0,
     2},
    {"hmem_kmem_to_devdax",
     "kernel-6.1/hmem-kmem-movable",
     Owner::Hmem,
     Desired::Mode::Devdax,
     std::nullopt,
     {},
     0,
     2},
    {"two_windows_to_devdax",
     "constructed/two-windows-kmem",
     Owner::Cxl,
     Desired::Mode::Devdax,
     std::nullopt,
     {},
     0,
     4},
    {"conflict_to_cxl",
     "constructed/conflict-6x",
     Owner::Cxl,
     Desired::Mode::SystemRam,
     Zone::Movable,
     {},
     0,
     4},
    {"devdax_to_movable",
     "constructed/devdax",
     Owner::Cxl,
     Desired::Mode::SystemRam,
     Zone::Movable,
     {},
     0,
     4},
    {"unaligned_to_devdax",
     "constructed/unaligned",
     Owner::Hmem,
     Desired::Mode::Devdax,
     std::nullopt,
     {},
     0,
     3},
    // Issue 14: hmem's range handed to a region srmd creates, and seed [4]'s region recovered.
    {"hmem_to_created_region",
     "kernel-7.2/overlap-boot",
     Owner::Cxl,
     Desired::Mode::SystemRam,
     Zone::Movable,
     {},
     0,
     3},
    {"partial_to_cxl",
     "kernel-7.2/firmware-sr-larger-than-region",
     Owner::Cxl,
     Desired::Mode::SystemRam,
     Zone::Movable,
     {},
     0,
     3},
    // By hand: tearing a CXL region down to nothing, and handing a partly covered range to hmem
    // by destroying the region in the way.
    {"two_windows_destroy_region1",
     "constructed/two-windows-kmem",
     Owner::Cxl,
     Desired::Mode::Ignore,
     std::nullopt,
     {{Action::OfflineMemory, "dax1.0", std::nullopt, std::nullopt},
      {Action::DisableRegion, "region1", std::nullopt, std::nullopt},
      {Action::DestroyRegion, "region1", std::nullopt, std::nullopt}},
     1,
     3},
    {"partial_coverage_to_hmem",
     "constructed/partial-coverage",
     Owner::Hmem,
     Desired::Mode::Ignore,
     std::nullopt,
     {{Action::DisableRegion, "region0", std::nullopt, std::nullopt},
      {Action::DestroyRegion, "region0", std::nullopt, std::nullopt},
      {Action::EnableDax, "dax7.0", DaxMode::SystemRam, std::nullopt},
      {Action::OnlineMemory, "dax7.0", std::nullopt, Zone::Movable}},
     0,
     4},
    // By hand, and refused: a locked region is never destroyed.
    {"locked_region_destroy",
     "constructed/locked-region",
     Owner::Cxl,
     Desired::Mode::Ignore,
     std::nullopt,
     {{Action::OfflineMemory, "dax0.0", std::nullopt, std::nullopt},
      {Action::DisableRegion, "region0", std::nullopt, std::nullopt},
      {Action::DestroyRegion, "region0", std::nullopt, std::nullopt}},
     0,
     3,
     false},
};

Snapshot read_tree(const std::string& root) {
    return read_snapshot(RootReader(root));
}

Plan plan_for(const Scenario& scenario, const std::string& root) {
    Snapshot snapshot = read_tree(root);
    std::vector<Range> ranges = compute_ranges(snapshot);
    if (!scenario.hand_plan.empty()) {
        RangePlan range_plan;
        range_plan.range = ranges.at(scenario.hand_range).id;
        for (const HandStep& hand : scenario.hand_plan) {
            Step step;
            step.action = hand.action;
            step.target = hand.target;
            step.range = range_plan.range;
            step.reason = "written by hand for the fault matrix";
            step.mode = hand.mode;
            step.zone = hand.zone;
            range_plan.steps.push_back(step);
        }
        Plan plan;
        plan.ranges.push_back(range_plan);
        return plan;
    }
    Desired desired;
    desired.owner = scenario.owner;
    desired.mode = scenario.mode;
    desired.zone = scenario.zone;
    desired.allow_teardown = true;
    desired.rule = "matrix";
    return make_plan(snapshot, ranges, std::vector<std::optional<Desired>>(ranges.size(), desired));
}

int online_kmem_blocks(const Snapshot& s, const std::string& dax) {
    const DaxDevice* device = s.dax_device(dax);
    if (!device)
        return 0;
    int count = 0;
    for (const MemoryBlock& block : s.memory.blocks)
        if (block.dax >= 0 && s.dax_devices[block.dax].name == dax && block.state == "online")
            ++count;
    return count;
}

// Between the executor and the simulated kernel: reads the tree before every call and notes any
// step that would unbind online memory or destroy a used region. An independent statement of the
// rules, so that the executor's own checks are not what is being trusted.
class GuardActuator : public Actuator {
  public:
    GuardActuator(Actuator& inner, std::string root) : inner_(inner), root_(std::move(root)) {}

    StepOutcome execute(const Step& step) override {
        if (step.action == Action::OfflineMemory || step.action == Action::OnlineMemory ||
            step.action == Action::EnableDax || step.action == Action::EnableRegion ||
            step.action == Action::ClaimHmem)
            return inner_.execute(step);  // nothing these do can unbind memory or destroy
        Snapshot s = read_tree(root_);
        const std::string& t = step.target;
        auto online_under = [&](DaxParentKind kind) {
            int online = 0;
            for (const DaxDevice& dax : s.dax_devices)
                if (dax.parent_kind == kind && dax.parent == t)
                    online += online_kmem_blocks(s, dax.name);
            return online;
        };
        switch (step.action) {
            case Action::DisableDax:
                if (online_kmem_blocks(s, t) > 0)
                    violations.push_back("disable-dax " + t + " with online memory");
                break;
            case Action::ReconfigureDax: {
                const DaxDevice* dax = s.dax_device(t);
                bool rebinds =
                    dax && step.mode &&
                    dax->driver != (*step.mode == DaxMode::SystemRam ? "kmem" : "device_dax");
                if (rebinds && online_kmem_blocks(s, t) > 0)
                    violations.push_back("reconfigure-dax " + t + " with online memory");
                break;
            }
            case Action::DisableRegion:
                if (online_under(DaxParentKind::Cxl) > 0)
                    violations.push_back("disable-region " + t + " with online memory");
                break;
            case Action::ReleaseHmem:
                if (online_under(DaxParentKind::Hmem) > 0)
                    violations.push_back("release-hmem " + t + " with online memory");
                break;
            case Action::DestroyRegion:
                if (const CxlRegion* region = s.region(t)) {
                    const CxlWindow* window = s.window(region->window);
                    if (region->enabled || region->locked.value_or(false) ||
                        (window && window->locked))
                        violations.push_back("destroy-region " + t + " while in use");
                }
                break;
            default:
                break;
        }
        return inner_.execute(step);
    }

    std::vector<std::string> violations;

  private:
    Actuator& inner_;
    std::string root_;
};

// Notes how many writes each step makes on the simulated kernel.
class WriteCounter : public Actuator {
  public:
    explicit WriteCounter(SimulatedKernel& kernel) : kernel_(kernel) {}
    StepOutcome execute(const Step& step) override {
        int before = kernel_.writes();
        StepOutcome outcome = kernel_.execute(step);
        steps.emplace_back(before, kernel_.writes() - before);
        return outcome;
    }
    std::vector<std::pair<int, int>> steps;

  private:
    SimulatedKernel& kernel_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string describe(const SimFault& fault) {
    return to_string(fault);
}

struct Case {
    SimFault fault;
};

// Runs one case on a fresh copy of the tree and checks everything that must hold.
// `locked`: the tree's locked regions, which must survive whatever happens.
void run_case(const Scenario& scenario, const Plan& plan, const std::vector<std::string>& locked,
              const Case& c) {
    SCOPED_TRACE(std::string(scenario.name) + " with " + describe(c.fault));
    TreeCopy tree(fixture(scenario.tree));
    // Steps get all the time they need on a loaded machine; a hung one is killed after 50 ms.
    SimFaults faults;
    faults.faults = {c.fault};
    faults.hang_timeout = 50ms;
    SimulatedKernel kernel(tree.path(), faults, 30s);
    GuardActuator guard(kernel, tree.path());
    Execution execution = execute_plan(plan, guard, [&] { return read_tree(tree.path()); });

    // Never unbound online memory, never destroyed a used region.
    EXPECT_TRUE(guard.violations.empty()) << guard.violations.front();
    std::istringstream leaks(read_file(tree.path() + "/.sim-kernel/leaked"));
    for (std::string line; std::getline(leaks, line);)
        EXPECT_TRUE(line.size() > 7 && line.substr(line.size() - 7) == " vanish")
            << "leaked by a step: " << line;

    // The state after is consistent.
    Snapshot after;
    ASSERT_NO_THROW(after = read_tree(tree.path()));
    for (const std::string& region : locked) {
        bool vanished = c.fault.kind == SimFault::Kind::Vanish && c.fault.target == region;
        EXPECT_TRUE(vanished || after.region(region)) << "locked " << region << " destroyed";
    }
    for (const MemoryBlock& block : after.memory.blocks)
        if (block.state == "online" && block.dax >= 0) {
            EXPECT_EQ(after.dax_devices[block.dax].driver, "kmem")
                << "memory" << block.id << " online under unbound "
                << after.dax_devices[block.dax].name;
        }
    std::vector<Range> ranges;
    ASSERT_NO_THROW(ranges = compute_ranges(after));
    merge_execution(ranges, execution);
    for (const RangeExecution& r : execution.ranges)
        for (const Range& range : ranges)
            if (r.degraded && range.id == r.range) {
                EXPECT_EQ(range.status, RangeStatus::Degraded) << range.id;
            }

    // Every failure is reported on its range, with errno and path.
    for (const AppliedStep& a : execution.applied) {
        if (a.rollback || a.result == AppliedStep::Result::Ok)
            continue;
        const RangeExecution* range = nullptr;
        for (const RangeExecution& r : execution.ranges)
            if (r.range == a.step.range)
                range = &r;
        ASSERT_NE(range, nullptr) << a.step.range;
        ASSERT_TRUE(range->degraded && range->problem) << a.step.range;
        EXPECT_EQ(range->problem->code, "action-failed");
        EXPECT_EQ(range->problem->severity, RangeStatus::Degraded);
        const std::string& message = range->problem->message;
        EXPECT_NE(message.find(to_string(a.step.action)), std::string::npos) << message;
        EXPECT_NE(message.find(a.step.target), std::string::npos) << message;
        if (a.error) {
            EXPECT_NE(message.find(errno_name(a.error)), std::string::npos) << message;
        }
        EXPECT_FALSE(a.path.empty()) << message;
        EXPECT_NE(message.find(a.path), std::string::npos) << message;
    }
    for (const RangeExecution& r : execution.ranges) {
        if (!r.degraded)
            continue;
        bool failed = false;
        for (const AppliedStep& a : execution.applied)
            failed = failed || (!a.rollback && a.step.range == r.range &&
                                a.result != AppliedStep::Result::Ok);
        EXPECT_TRUE(failed) << r.range << " degraded with no failed step";
    }

    // The fault did what it says, and that was noticed.
    if (c.fault.kind == SimFault::Kind::FailAfter) {
        EXPECT_FALSE(execution.ok()) << "write " << c.fault.after + 1 << " failed unnoticed";
        return;
    }
    for (const AppliedStep& a : execution.applied) {
        if (a.rollback || a.step.action != c.fault.action || a.step.target != c.fault.target)
            continue;
        EXPECT_NE(a.result, AppliedStep::Result::Ok);
        if (c.fault.kind == SimFault::Kind::Hang && a.result != AppliedStep::Result::Refused) {
            EXPECT_EQ(a.result, AppliedStep::Result::TimedOut);
        }
        if (c.fault.kind == SimFault::Kind::Fail && a.result == AppliedStep::Result::Failed) {
            EXPECT_EQ(a.error, c.fault.error);
        }
        break;
    }
}

class FaultMatrix : public testing::TestWithParam<Scenario> {};

TEST_P(FaultMatrix, EveryFaultAtEveryStepLeavesAConsistentReportedState) {
    const Scenario& scenario = GetParam();
    TreeCopy pristine(fixture(scenario.tree));
    Plan plan = plan_for(scenario, pristine.path());
    std::vector<std::string> locked;
    for (const CxlRegion& region : read_tree(pristine.path()).regions)
        if (region.locked.value_or(false))
            locked.push_back(region.name);
    std::vector<Step> steps = plan.steps();
    ASSERT_GE(static_cast<int>(steps.size()), scenario.min_steps) << plan_to_json(plan).dump(1);

    // The plan on a healthy kernel: it succeeds, and this notes which writes each step makes.
    std::vector<std::pair<int, int>> step_writes;  // first write's index, count
    {
        TreeCopy tree(fixture(scenario.tree));
        SimulatedKernel kernel(tree.path());
        WriteCounter counter(kernel);
        Execution clean = execute_plan(plan, counter, [&] { return read_tree(tree.path()); });
        if (scenario.clean_succeeds) {
            for (const AppliedStep& a : clean.applied)
                EXPECT_EQ(a.result, AppliedStep::Result::Ok)
                    << to_string(a.step.action) << " " << a.step.target << ": " << a.message;
        } else {
            EXPECT_FALSE(clean.ok());
            EXPECT_EQ(clean.applied.at(steps.size() - 1).result, AppliedStep::Result::Refused);
        }
        step_writes = counter.steps;
        ASSERT_GT(kernel.writes(), 0);
    }

    // Every step meets each kind of fault at its first write; the errno of the failure changes
    // from step to step. A step that makes several writes also has its last one fail, after the
    // others changed the machine.
    const int errors[] = {EBUSY, EIO, ENXIO, ENOMEM, EINVAL};
    std::vector<Case> cases;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Step& step = steps[i];
        int error = errors[i % std::size(errors)];
        cases.push_back({{SimFault::Kind::Fail, step.action, step.target, error, 0}});
        cases.push_back({{SimFault::Kind::Vanish, step.action, step.target, 0, 0}});
        cases.push_back({{SimFault::Kind::Hang, step.action, step.target, 0, 0}});
    }
    for (const auto& [first, count] : step_writes)
        if (count > 1)
            cases.push_back(
                {{SimFault::Kind::FailAfter, std::nullopt, "", EIO, first + count - 1}});
    for (const Case& c : cases)
        run_case(scenario, plan, locked, c);
    RecordProperty("cases", static_cast<int>(cases.size()));
}

INSTANTIATE_TEST_SUITE_P(Trees, FaultMatrix, testing::ValuesIn(kScenarios),
                         [](const testing::TestParamInfo<Scenario>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace srmd
