// From a policy rule to the planner's Desired: the first matching rule, its owner resolved against
// the kernel's choice, its zone only where it means something, and its label for reasons.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

Policy policy_from(const std::string& text) {
    PolicyLoad load = parse_policy_text(text, "/etc/srmd/policy.d/10-test.yaml");
    for (const Diagnostic& diagnostic : load.diagnostics)
        ADD_FAILURE() << format_diagnostic(diagnostic);
    return load.policy ? *load.policy : Policy{};
}

struct Tree {
    Snapshot snapshot;
    std::vector<Range> ranges;
};

// Two CXL ranges (r2080000000: dax0.0 devdax, r2480000000: dax1.0 unbound), both CXL's by the
// kernel's rule.
Tree devdax_tree() {
    Tree tree;
    tree.snapshot = read_snapshot(RootReader(test::fixture("constructed/devdax")));
    tree.ranges = compute_ranges(tree.snapshot);
    return tree;
}

TEST(PolicyDesired, FirstMatchingRuleWithOwnerResolved) {
    Tree tree = devdax_tree();
    ASSERT_EQ(tree.ranges.size(), 2u);
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: low-devdax\n"
        "    match:\n"
        "      start: 0x2080000000\n"
        "    owner: hmem\n"
        "    mode: devdax\n"
        "    allow_teardown: true\n"
        "  - name: rest\n"
        "    owner: kernel\n"
        "    mode: system-ram\n"
        "    zone: auto\n");
    std::vector<std::optional<Desired>> desired =
        desired_for_ranges(policy, tree.ranges, tree.snapshot);
    ASSERT_EQ(desired.size(), 2u);

    ASSERT_TRUE(desired[0]);
    EXPECT_EQ(desired[0]->owner, Owner::Hmem);
    EXPECT_EQ(desired[0]->mode, Desired::Mode::Devdax);
    EXPECT_EQ(desired[0]->zone, std::nullopt);  // a zone means nothing for devdax
    EXPECT_TRUE(desired[0]->allow_teardown);
    EXPECT_FALSE(desired[0]->allow_global);
    EXPECT_EQ(desired[0]->rule, "10-test.yaml:3 low-devdax");

    ASSERT_TRUE(desired[1]);
    EXPECT_EQ(desired[1]->owner, Owner::Cxl);  // "kernel": the range's kernel_owner
    EXPECT_EQ(desired[1]->mode, Desired::Mode::SystemRam);
    EXPECT_EQ(desired[1]->zone, std::nullopt);  // auto: the kernel chooses
    EXPECT_FALSE(desired[1]->allow_teardown);
    EXPECT_EQ(desired[1]->rule, "10-test.yaml:9 rest");
}

TEST(PolicyDesired, ZonesModesAndNoMatch) {
    Tree tree = devdax_tree();
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: hands-off\n"
        "    match:\n"
        "      start: 0x2080000000\n"
        "    mode: ignore\n"
        "  - name: normal\n"
        "    match:\n"
        "      start: 0x2480000000\n"
        "    owner: cxl\n"
        "    mode: system-ram\n"
        "    zone: normal\n");
    std::optional<Desired> ignore = desired_for(policy, tree.ranges[0], tree.snapshot);
    ASSERT_TRUE(ignore);
    EXPECT_EQ(ignore->mode, Desired::Mode::Ignore);
    std::optional<Desired> normal = desired_for(policy, tree.ranges[1], tree.snapshot);
    ASSERT_TRUE(normal);
    EXPECT_EQ(normal->zone, Zone::Normal);

    Policy narrow = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: elsewhere\n"
        "    match:\n"
        "      start: 0x100000000\n"
        "    mode: offline\n");
    EXPECT_EQ(desired_for(narrow, tree.ranges[0], tree.snapshot), std::nullopt);
}

TEST(PolicyDesired, DrivesThePlanner) {
    // The vendor default on the devdax tree: dax1.0 (unbound) is brought up, dax0.0 (devdax)
    // would need teardown.
    Tree tree = devdax_tree();
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: default\n"
        "    owner: kernel\n"
        "    mode: system-ram\n"
        "    zone: movable\n"
        "    allow_teardown: false\n");
    Plan plan = make_plan(tree.snapshot, tree.ranges,
                          desired_for_ranges(policy, tree.ranges, tree.snapshot));
    ASSERT_EQ(plan.ranges.size(), 2u);
    EXPECT_TRUE(plan.ranges[0].steps.empty());
    ASSERT_EQ(plan.ranges[0].problems.size(), 1u);
    EXPECT_EQ(plan.ranges[0].problems[0].code, "teardown-not-allowed");
    ASSERT_EQ(plan.ranges[1].steps.size(), 2u);
    EXPECT_EQ(plan.ranges[1].steps[0].action, Action::EnableDax);
    EXPECT_EQ(plan.ranges[1].steps[1].action, Action::OnlineMemory);
    EXPECT_EQ(plan.ranges[1].steps[1].zone, Zone::Movable);
    EXPECT_NE(plan.ranges[1].steps[0].reason.find("10-test.yaml:3 default"), std::string::npos)
        << plan.ranges[1].steps[0].reason;
}

}  // namespace
}  // namespace srmd
