// The policy's memmap_on_memory (system-ram only) on trees: the policy reads and checks it, the
// planner puts it on the step that binds kmem, or refuses it where the kernel cannot do it (6.1,
// which has no attribute, or memory hotplug's memmap_on_memory off), and the simulated kernel
// writes it before kmem binds, with the kernel's rules (drivers/dax/bus.c memmap_on_memory_store).
#include <gtest/gtest.h>

#include <filesystem>

#include "plan-builders.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "publish/plan-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "service/reconciler.hpp"
#include "sim/sim-kernel.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::read_file;
using test::TreeCopy;
using test::write_file;

const char kDax[] = "/sys/bus/dax/devices/dax0.0/memmap_on_memory";
const char kParam[] = "/sys/module/memory_hotplug/parameters/memmap_on_memory";

std::string rule_policy(const std::string& rule_lines) {
    return "version: 1\nrules:\n  - name: ram\n" + rule_lines;
}

PolicyLoad load(const std::string& text) {
    return parse_policy_text(text, "p.yaml");
}

Policy policy_from(const std::string& text) {
    PolicyLoad l = load(text);
    EXPECT_TRUE(l.policy) << (l.diagnostics.empty() ? "" : l.diagnostics[0].message);
    return l.policy ? *l.policy : Policy{};
}

const std::string kOn = rule_policy(
    "    mode: system-ram\n    zone: movable\n    allow_teardown: true\n    memmap_on_memory: "
    "true\n");
const std::string kOff = rule_policy(
    "    mode: system-ram\n    zone: movable\n    allow_teardown: true\n    memmap_on_memory: "
    "false\n");

struct Planned {
    Snapshot snapshot;
    Plan plan;
};

Planned plan_tree(const std::string& root, const std::string& policy) {
    Planned p{read_snapshot(RootReader(root)), {}};
    std::vector<Range> ranges = compute_ranges(p.snapshot);
    p.plan =
        make_plan(p.snapshot, ranges, desired_for_ranges(policy_from(policy), ranges, p.snapshot));
    return p;
}

const Step* bind_step(const Plan& plan) {
    for (const RangePlan& range : plan.ranges)
        for (const Step& step : range.steps)
            if (step.action == Action::EnableDax || step.action == Action::ReconfigureDax)
                return &step;
    return nullptr;
}

const Problem* problem(const Plan& plan, const std::string& code) {
    return test::plan_problem(plan, code);
}

// --- the policy

TEST(MemmapOnMemory, ThePolicyReadsIt) {
    Policy on = policy_from(kOn);
    ASSERT_EQ(on.rules.size(), 1u);
    EXPECT_EQ(on.rules[0].memmap_on_memory, std::optional<bool>(true));
    EXPECT_EQ(policy_from(kOff).rules[0].memmap_on_memory, std::optional<bool>(false));
    EXPECT_EQ(policy_from(rule_policy("    mode: system-ram\n")).rules[0].memmap_on_memory,
              std::nullopt);
}

TEST(MemmapOnMemory, OnlyForSystemRamAndOnlyABoolean) {
    PolicyLoad devdax = load(rule_policy("    mode: devdax\n    memmap_on_memory: true\n"));
    EXPECT_FALSE(devdax.policy);
    ASSERT_FALSE(devdax.diagnostics.empty());
    EXPECT_NE(devdax.diagnostics[0].message.find("'memmap_on_memory' applies only to mode "
                                                 "system-ram"),
              std::string::npos)
        << devdax.diagnostics[0].message;
    EXPECT_EQ(devdax.diagnostics[0].position.line, 5);

    PolicyLoad word = load(rule_policy("    mode: system-ram\n    memmap_on_memory: sometimes\n"));
    EXPECT_FALSE(word.policy);
}

// --- the plan

TEST(MemmapOnMemory, TheBindToKmemCarriesIt) {
    // 7.2, node 1's range on device_dax; the attribute is there (0).
    Planned on = plan_tree(fixture("kernel-7.2/numa-devdax"), kOn);
    const Step* step = bind_step(on.plan);
    ASSERT_NE(step, nullptr);
    EXPECT_EQ(step->action, Action::ReconfigureDax);
    EXPECT_EQ(step->mode, DaxMode::SystemRam);
    EXPECT_EQ(step->memmap_on_memory, std::optional<bool>(true));
    EXPECT_EQ(problem(on.plan, "memmap-on-memory-unsupported"), nullptr);
    EXPECT_NE(plan_to_json(on.plan).dump().find("\"memmap_on_memory\":true"), std::string::npos);

    Planned none = plan_tree(fixture("kernel-7.2/numa-devdax"),
                             rule_policy("    mode: system-ram\n    allow_teardown: true\n"));
    ASSERT_NE(bind_step(none.plan), nullptr);
    EXPECT_EQ(bind_step(none.plan)->memmap_on_memory, std::nullopt);
    EXPECT_EQ(plan_to_json(none.plan).dump().find("memmap_on_memory"), std::string::npos);
}

TEST(MemmapOnMemory, RefusedOnAKernelWithoutTheAttribute) {
    // 6.1: hmem's dax device on device_dax, no memmap_on_memory attribute.
    Planned on = plan_tree(fixture("kernel-6.1/hmem-devdax"), kOn);
    EXPECT_EQ(bind_step(on.plan), nullptr);
    const Problem* refused = problem(on.plan, "memmap-on-memory-unsupported");
    ASSERT_NE(refused, nullptr);
    EXPECT_NE(refused->message.find("no memmap_on_memory attribute"), std::string::npos)
        << refused->message;

    // "off" is what such a kernel does anyway.
    Planned off = plan_tree(fixture("kernel-6.1/hmem-devdax"), kOff);
    ASSERT_NE(bind_step(off.plan), nullptr);
    EXPECT_EQ(problem(off.plan, "memmap-on-memory-unsupported"), nullptr);
}

TEST(MemmapOnMemory, RefusedWhenMemoryHotplugHasItOff) {
    TreeCopy tree(fixture("kernel-7.2/numa-devdax"));
    fs::create_directories(fs::path(tree.path() + kParam).parent_path());
    write_file(tree.path() + kParam, "N\n");
    Planned on = plan_tree(tree.path(), kOn);
    EXPECT_EQ(on.snapshot.memory.memmap_on_memory_param, "N");
    EXPECT_EQ(bind_step(on.plan), nullptr);
    const Problem* refused = problem(on.plan, "memmap-on-memory-unsupported");
    ASSERT_NE(refused, nullptr);
    EXPECT_NE(refused->message.find("memory_hotplug.memmap_on_memory=N"), std::string::npos)
        << refused->message;

    write_file(tree.path() + kParam, "Y\n");
    EXPECT_NE(bind_step(plan_tree(tree.path(), kOn).plan), nullptr);
}

// --- the simulated kernel's rules

TEST(MemmapOnMemory, TheSimulatedKernelAppliesTheKernelsRules) {
    // kmem holds dax0.0 (Debian's default boot): no change while bound, the same value is fine.
    TreeCopy bound(fixture("kernel-7.2/numa-default-boot"));
    SimulatedKernel kmem(bound.path(), {});
    StepOutcome busy = kmem.write_setting(kDax, "1");
    EXPECT_FALSE(busy.ok);
    EXPECT_EQ(busy.error, EBUSY);
    EXPECT_TRUE(kmem.write_setting(kDax, "0").ok);
    EXPECT_EQ(read_file(bound.path() + kDax), "0\n");

    // device_dax holds it: a change is fine; a word that is no boolean is not.
    TreeCopy devdax(fixture("kernel-7.2/numa-devdax"));
    SimulatedKernel sim(devdax.path(), {});
    StepOutcome word = sim.write_setting(kDax, "maybe");
    EXPECT_EQ(word.error, EINVAL);
    EXPECT_TRUE(sim.write_setting(kDax, "y").ok);
    EXPECT_EQ(read_file(devdax.path() + kDax).substr(0, 1), "1");

    // Memory hotplug's parameter off: "on" is not supported, "off" still is.
    fs::create_directories(fs::path(devdax.path() + kParam).parent_path());
    write_file(devdax.path() + kParam, "N\n");
    EXPECT_EQ(sim.write_setting(kDax, "1").error, EOPNOTSUPP);
    EXPECT_TRUE(sim.write_setting(kDax, "0").ok);

    // 6.1 has no such attribute.
    TreeCopy old(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel v61(old.path(), {});
    EXPECT_FALSE(v61.write_setting(kDax, "1").ok);
}

TEST(MemmapOnMemory, WrittenBeforeKmemBinds) {
    TreeCopy tree(fixture("kernel-7.2/numa-devdax"));
    SimulatedKernel kernel(tree.path(), {});
    ReconcilerSettings settings;
    Reconciler r(RootReader(tree.path()), kernel, settings);
    r.set_policy(policy_from(kOn));
    Changes full;
    full.full = true;
    PassSummary summary = r.pass(full, "coldplug", 0);
    EXPECT_EQ(summary.failed, 0);
    EXPECT_TRUE(summary.converged);
    EXPECT_EQ(read_file(tree.path() + kDax).substr(0, 1), "1");
    const Snapshot& after = r.snapshot();
    ASSERT_FALSE(after.dax_devices.empty());
    EXPECT_EQ(after.dax_devices[0].driver, "kmem");
    EXPECT_EQ(after.dax_devices[0].memmap_on_memory, std::optional<bool>(true));
}

// A step that binds kmem through the simulated kernel directly, the way the kernel actuator
// does it: the attribute first, then the bind; with kmem already bound nothing is written.
TEST(MemmapOnMemory, TheStepWritesTheAttributeFirst) {
    TreeCopy tree(fixture("kernel-7.2/numa-devdax"));
    SimulatedKernel kernel(tree.path(), {});
    Step step = test::step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam);
    step.memmap_on_memory = true;
    StepOutcome done = kernel.execute(step);
    ASSERT_TRUE(done.ok) << done.message;
    EXPECT_EQ(read_file(tree.path() + kDax).substr(0, 1), "1");
    EXPECT_TRUE(fs::exists(tree.path() + "/sys/bus/dax/drivers/kmem/dax0.0"));

    // Bound to kmem already: EnableDax is a no-op and writes nothing (a change would be EBUSY).
    Step again = test::step(Action::EnableDax, "dax0.0", DaxMode::SystemRam);
    again.memmap_on_memory = false;
    EXPECT_TRUE(kernel.execute(again).ok);
    EXPECT_EQ(read_file(tree.path() + kDax).substr(0, 1), "1");
}

}  // namespace
}  // namespace srmd
