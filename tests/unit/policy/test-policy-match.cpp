// Applying a policy: which rule a Range falls under and why the others do not, whether the Range
// already is what its rule wants, and the same in words. The vendor default on every fixture tree
// is test-policy-trees.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
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

// A CXL range of 16 GiB in decoder0.0, held by CXL as system RAM in ZONE_MOVABLE, fully online:
// the state the vendor default wants for a CXL expander.
Range cxl_range() {
    Range range;
    range.id = "r2080000000";
    range.start = 0x2080000000;
    range.size = 16ull << 30;
    range.window = "decoder0.0";
    range.soft_reserved = true;
    range.claimants = {{Claimant::Kind::Cxl, "region1", range.start, range.size, true, true}};
    range.kernel_owner = Owner::Cxl;
    range.owner = Owner::Cxl;
    RangeDax dax;
    dax.device = "dax1.0";
    dax.driver = "kmem";
    dax.size = range.size;
    dax.target_node = 2;
    dax.memory = {8, 8, Zone::Movable};
    range.dax = {dax};
    range.mode = RangeMode::SystemRam;
    return range;
}

// region1 interleaved over two memdevs.
Snapshot cxl_snapshot() {
    Snapshot snapshot;
    CxlRegion region;
    region.name = "region1";
    region.memdevs = {"mem0", "mem1"};
    snapshot.regions = {region};
    CxlMemdev mem0;
    mem0.name = "mem0";
    mem0.serial = 0xa0;
    CxlMemdev mem1;
    mem1.name = "mem1";
    mem1.serial = 0xb1;
    snapshot.memdevs = {mem0, mem1};
    return snapshot;
}

PolicyRule rule_with(PolicyMode mode, PolicyOwner owner = PolicyOwner::Kernel,
                     PolicyZone zone = PolicyZone::Movable) {
    PolicyRule rule;
    rule.name = "r";
    rule.file_name = "10-test.yaml";
    rule.position = {3, 5};
    rule.mode = mode;
    rule.owner = owner;
    rule.zone = zone;
    return rule;
}

std::vector<std::string> failures_for(const std::string& match, const Range& range) {
    Policy policy = policy_from(
        "version: 1\nrules:\n  - name: r\n    mode: ignore\n    match: " + match + "\n");
    if (policy.rules.empty())
        return {"(policy refused)"};
    return match_failures(policy.rules[0], range, cxl_snapshot());
}

using Lines = std::vector<std::string>;

TEST(PolicyMatch, EachConditionMatchesAndSaysWhyNot) {
    Range range = cxl_range();
    EXPECT_EQ(failures_for("{}", range), Lines{});
    EXPECT_EQ(failures_for("{start: 0x2080000000}", range), Lines{});
    EXPECT_EQ(failures_for("{start: 0x2000000000}", range),
              Lines{"start: the range starts at 0x2080000000, not 0x2000000000"});
    EXPECT_EQ(failures_for("{address: 0x247fffffff}", range), Lines{});
    EXPECT_EQ(failures_for("{address: 0x2480000000}", range),
              Lines{"address: 0x2480000000 is outside the range (0x2080000000-0x247fffffff)"});
    EXPECT_EQ(failures_for("{min_size: 16G, max_size: 16G}", range), Lines{});
    EXPECT_EQ(failures_for("{min_size: 32G}", range),
              Lines{"min_size: the range is 16 GiB, less than 32 GiB"});
    EXPECT_EQ(failures_for("{max_size: 8G}", range),
              Lines{"max_size: the range is 16 GiB, more than 8 GiB"});
    EXPECT_EQ(failures_for("{window: \"decoder0.*\"}", range), Lines{});
    EXPECT_EQ(failures_for("{window: \"decoder1.*\"}", range),
              Lines{"window: decoder0.0 does not match 'decoder1.*'"});
    EXPECT_EQ(failures_for("{region: \"region[0-9]\"}", range), Lines{});
    EXPECT_EQ(failures_for("{region: region2}", range),
              Lines{"region: region1 does not match 'region2'"});
    EXPECT_EQ(failures_for("{serial: 0xb1}", range), Lines{});
    EXPECT_EQ(failures_for("{serial: [0xc2, 0xa0]}", range), Lines{});
    EXPECT_EQ(failures_for("{serial: 0xc2}", range),
              Lines{"serial: the range's memdevs have serial 0xa0, 0xb1, none of those listed"});
    EXPECT_EQ(failures_for("{target_node: [1, 2]}", range), Lines{});
    EXPECT_EQ(failures_for("{target_node: 3}", range),
              Lines{"target_node: the range's dax devices target node 2, none of those listed"});
    EXPECT_EQ(failures_for("{kernel_owner: cxl}", range), Lines{});
    EXPECT_EQ(failures_for("{kernel_owner: hmem}", range),
              Lines{"kernel_owner: the kernel gives the range to cxl, not hmem"});
    EXPECT_EQ(failures_for("{soft_reserved: true}", range), Lines{});
    EXPECT_EQ(failures_for("{soft_reserved: false}", range),
              Lines{"soft_reserved: the range is Soft Reserved"});
    // Every failed condition is listed, in the order of the schema.
    EXPECT_EQ(failures_for("{soft_reserved: false, min_size: 1T}", range),
              (Lines{"min_size: the range is 16 GiB, less than 1 TiB",
                     "soft_reserved: the range is Soft Reserved"}));
}

TEST(PolicyMatch, ConditionsOnThingsTheRangeLacks) {
    Range hmem;
    hmem.id = "r40000000";
    hmem.start = 0x40000000;
    hmem.size = 512ull << 20;
    hmem.soft_reserved = true;
    hmem.claimants = {{Claimant::Kind::Hmem, "hmem.0", hmem.start, hmem.size, true, true}};
    hmem.kernel_owner = Owner::Hmem;
    hmem.owner = Owner::Hmem;
    EXPECT_EQ(failures_for("{window: \"*\"}", hmem),
              Lines{"window: the range lies in no CXL window"});
    EXPECT_EQ(failures_for("{region: \"*\"}", hmem),
              Lines{"region: no CXL region claims the range"});
    EXPECT_EQ(failures_for("{serial: 1}", hmem),
              Lines{"serial: no CXL memdev lies behind the range"});
    EXPECT_EQ(failures_for("{target_node: 0}", hmem),
              Lines{"target_node: the range has no dax device"});
}

TEST(PolicyMatch, FirstMatchWinsAndEarlierRulesSayWhyNot) {
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: app\n"
        "    match: {serial: 0x99}\n"
        "    owner: cxl\n"
        "    mode: devdax\n"
        "  - name: small\n"
        "    match: {max_size: 1G}\n"
        "    mode: offline\n"
        "  - name: cxl\n"
        "    match: {kernel_owner: cxl}\n"
        "    mode: system-ram\n"
        "  - name: rest\n"
        "    mode: ignore\n");
    ASSERT_EQ(policy.rules.size(), 4u);
    PolicyMatch match = match_policy(policy, cxl_range(), cxl_snapshot());
    ASSERT_EQ(match.rule, &policy.rules[2]);
    ASSERT_EQ(match.misses.size(), 2u);
    EXPECT_EQ(match.misses[0].rule, &policy.rules[0]);
    EXPECT_EQ(match.misses[0].reasons,
              Lines{"serial: the range's memdevs have serial 0xa0, 0xb1, none of those listed"});
    EXPECT_EQ(match.misses[1].reasons, Lines{"max_size: the range is 16 GiB, more than 1 GiB"});

    Policy none = policy_from(
        "version: 1\nrules:\n  - name: a\n    match: {min_size: 1T}\n"
        "    mode: ignore\n");
    PolicyMatch nothing = match_policy(none, cxl_range(), cxl_snapshot());
    EXPECT_EQ(nothing.rule, nullptr);
    EXPECT_EQ(nothing.misses.size(), 1u);
}

TEST(PolicyMatch, ConvergedSystemRam) {
    Range range = cxl_range();
    EXPECT_TRUE(converged(range, rule_with(PolicyMode::SystemRam)));
    EXPECT_TRUE(converged(range, rule_with(PolicyMode::SystemRam, PolicyOwner::Cxl)));
    EXPECT_TRUE(
        converged(range, rule_with(PolicyMode::SystemRam, PolicyOwner::Kernel, PolicyZone::Auto)));
    EXPECT_FALSE(converged(
        range, rule_with(PolicyMode::SystemRam, PolicyOwner::Kernel, PolicyZone::Normal)));
    EXPECT_FALSE(converged(range, rule_with(PolicyMode::SystemRam, PolicyOwner::Hmem)));

    Range partly = range;
    partly.dax[0].memory.online = 7;
    EXPECT_FALSE(converged(partly, rule_with(PolicyMode::SystemRam)));
    Range no_blocks = range;
    no_blocks.dax[0].memory = {0, 0, std::nullopt};
    EXPECT_FALSE(converged(no_blocks, rule_with(PolicyMode::SystemRam)));
    Range mixed = range;
    mixed.dax[0].memory.zone = Zone::Mixed;
    EXPECT_FALSE(converged(mixed, rule_with(PolicyMode::SystemRam)));
    EXPECT_TRUE(
        converged(mixed, rule_with(PolicyMode::SystemRam, PolicyOwner::Kernel, PolicyZone::Auto)));
    Range conflict = range;
    conflict.status = RangeStatus::Conflict;
    EXPECT_FALSE(converged(conflict, rule_with(PolicyMode::SystemRam)));
    Range partial = range;
    partial.status = RangeStatus::PartialCoverage;
    EXPECT_FALSE(converged(partial, rule_with(PolicyMode::SystemRam)));
    // Other problems do not stop a range from being what its policy wants.
    Range unaligned = range;
    unaligned.status = RangeStatus::Unaligned;
    EXPECT_TRUE(converged(unaligned, rule_with(PolicyMode::SystemRam)));
    // owner kernel follows the kernel: a range the kernel gives to hmem but CXL holds is off.
    Range taken = range;
    taken.kernel_owner = Owner::Hmem;
    EXPECT_FALSE(converged(taken, rule_with(PolicyMode::SystemRam)));
    EXPECT_TRUE(converged(taken, rule_with(PolicyMode::SystemRam, PolicyOwner::Cxl)));
}

TEST(PolicyMatch, ConvergedDevdaxOfflineIgnore) {
    Range system_ram = cxl_range();
    Range devdax = cxl_range();
    devdax.mode = RangeMode::Devdax;
    devdax.dax[0].driver = "device_dax";
    devdax.dax[0].memory = {0, 0, std::nullopt};
    Range unbound = devdax;
    unbound.mode = RangeMode::Unbound;
    unbound.owner = Owner::None;
    unbound.dax[0].driver = "";

    EXPECT_TRUE(converged(devdax, rule_with(PolicyMode::Devdax)));
    EXPECT_FALSE(converged(system_ram, rule_with(PolicyMode::Devdax)));
    EXPECT_FALSE(converged(unbound, rule_with(PolicyMode::Devdax)));

    EXPECT_TRUE(converged(unbound, rule_with(PolicyMode::Offline)));  // owner none is fine
    EXPECT_FALSE(converged(devdax, rule_with(PolicyMode::Offline)));
    EXPECT_FALSE(converged(system_ram, rule_with(PolicyMode::Offline)));
    Range offline_kmem = system_ram;  // kmem bound, every block offline
    offline_kmem.dax[0].memory = {8, 0, std::nullopt};
    EXPECT_TRUE(converged(offline_kmem, rule_with(PolicyMode::Offline)));
    EXPECT_FALSE(converged(offline_kmem, rule_with(PolicyMode::Offline, PolicyOwner::Hmem)));

    Range conflict = unbound;
    conflict.status = RangeStatus::Conflict;
    for (const Range* range : {&system_ram, &devdax, &unbound, &conflict})
        EXPECT_TRUE(converged(*range, rule_with(PolicyMode::Ignore)));
}

TEST(PolicyMatch, GapsSayWhatNeedsTeardown) {
    Range range = cxl_range();
    range.kernel_owner = Owner::Hmem;
    range.owner = Owner::Hmem;
    range.dax[0].memory = {8, 6, Zone::Normal};
    std::vector<ConvergenceGap> gaps =
        convergence_gaps(range, rule_with(PolicyMode::SystemRam, PolicyOwner::Cxl));
    ASSERT_EQ(gaps.size(), 3u);
    EXPECT_EQ(gaps[0].message, "held by hmem; the rule wants cxl");
    EXPECT_TRUE(gaps[0].needs_teardown);
    EXPECT_EQ(gaps[1].message,
              "dax1.0 has 6 of 8 memory blocks online; the rule wants all of them");
    EXPECT_FALSE(gaps[1].needs_teardown);
    EXPECT_EQ(gaps[2].message, "dax1.0's memory is online in zone normal; the rule wants movable");
    EXPECT_TRUE(gaps[2].needs_teardown);
}

// when: unusable (the vendor default): memory in use as it is converges whatever the rule's mode
// and zone; only what nobody can use is a gap, and usable devices beside it are not.
TEST(PolicyMatch, WhenUnusableLeavesUsableMemoryAlone) {
    PolicyRule movable = rule_with(PolicyMode::SystemRam);
    movable.when = PolicyWhen::Unusable;
    PolicyRule devdax = rule_with(PolicyMode::Devdax);
    devdax.when = PolicyWhen::Unusable;

    Range normal = cxl_range();  // onlined by the kernel in ZONE_NORMAL
    normal.dax[0].memory = {8, 8, Zone::Normal};
    EXPECT_TRUE(convergence_gaps(normal, movable).empty());
    EXPECT_TRUE(convergence_gaps(normal, devdax).empty());
    EXPECT_FALSE(converged(normal, rule_with(PolicyMode::SystemRam)));  // strict: zone gap

    Range in_devdax = cxl_range();
    in_devdax.dax[0].driver = "device_dax";
    in_devdax.dax[0].memory = {};
    in_devdax.mode = RangeMode::Devdax;
    EXPECT_TRUE(converged(in_devdax, movable));
    Range famfs = in_devdax;
    famfs.dax[0].driver = "fsdev_dax";
    EXPECT_TRUE(converged(famfs, movable));

    // A second device with no driver: it alone is the gap; dax1.0 stays devdax.
    Range half = in_devdax;
    RangeDax spare = half.dax[0];
    spare.device = "dax1.1";
    spare.driver = "";
    half.dax.push_back(spare);
    std::vector<ConvergenceGap> gaps = convergence_gaps(half, movable);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].message, "dax1.1 has no driver; the rule wants system-ram");
    EXPECT_FALSE(gaps[0].needs_teardown);

    // Blocks left offline: unusable, and the zone of those already online is no gap.
    Range partly = normal;
    partly.dax[0].memory = {8, 6, Zone::Normal};
    gaps = convergence_gaps(partly, movable);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].message,
              "dax1.0 has 2 of 8 memory blocks offline; the rule wants system-ram");

    // Nobody holds it: the owner's gap says so, once.
    Range stranded = cxl_range();
    stranded.owner = Owner::None;
    stranded.dax.clear();
    stranded.mode = RangeMode::Absent;
    gaps = convergence_gaps(stranded, movable);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].message, "held by no driver; the rule wants cxl (the kernel's choice)");

    Policy policy;
    policy.rules = {movable};
    Lines lines = explain(policy, normal, cxl_snapshot());
    EXPECT_EQ(lines[3],
              "  it wants owner kernel (cxl for this range), mode system-ram, zone movable, no "
              "teardown; it acts only on memory that cannot be used as it is (when: unusable)");
    EXPECT_EQ(lines.back(),
              "converged: all of its memory is in use as it is (system-ram), and the rule "
              "leaves usable memory alone");
}

TEST(PolicyMatch, ExplainInWords) {
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: app\n"
        "    match: {serial: 0x99, max_size: 1G}\n"
        "    owner: cxl\n"
        "    mode: devdax\n"
        "  - name: default\n"
        "    mode: system-ram\n"
        "    zone: normal\n");
    Range range = cxl_range();
    EXPECT_EQ(explain(policy, range, cxl_snapshot()),
              (Lines{
                  "r2080000000: 0x2080000000, 16 GiB, in decoder0.0, Soft Reserved",
                  "  the kernel gives it to cxl; held by cxl as system-ram; status ok",
                  "rule 10-test.yaml:3 app does not match:",
                  "  max_size: the range is 16 GiB, more than 1 GiB",
                  "  serial: the range's memdevs have serial 0xa0, 0xb1, none of those listed",
                  "rule 10-test.yaml:7 default matches: it has no conditions",
                  "  it wants owner kernel (cxl for this range), mode system-ram, zone normal, no "
                  "teardown",
                  "not converged; what would have to change:",
                  "  dax1.0's memory is online in zone movable; the rule wants normal (needs "
                  "teardown, which the rule does not allow)",
                  "srmd will not do this on its own: set allow_teardown: true in rule 'default', "
                  "or make the change by hand",
              }));

    policy.rules[1].zone = PolicyZone::Movable;
    Lines converged_lines = explain(policy, range, cxl_snapshot());
    EXPECT_EQ(converged_lines.back(), "converged: the range already is what the rule wants");

    Policy none = policy_from(
        "version: 1\nrules:\n  - name: big\n    match: {min_size: 1T}\n"
        "    mode: ignore\n");
    Lines unmatched = explain(none, range, cxl_snapshot());
    ASSERT_EQ(unmatched.size(), 5u);
    EXPECT_EQ(unmatched[3], "  min_size: the range is 16 GiB, less than 1 TiB");
    EXPECT_EQ(unmatched[4],
              "no rule matches: srmd leaves this range as it is; to change that, make one of the "
              "rules above match (each line says what differs) or add a rule for it");
}

TEST(PolicyMatch, PolicyJson) {
    PolicyRule rule = rule_with(PolicyMode::SystemRam);
    rule.name = "default";
    rule.file_name = "50-default.yaml";
    rule.position = {16, 5};
    EXPECT_EQ(policy_to_json(&rule).dump(),
              R"({"rule":"50-default.yaml:16 default","owner":"kernel","mode":"system-ram",)"
              R"("zone":"movable","when":"always"})");
    rule.mode = PolicyMode::Devdax;
    rule.owner = PolicyOwner::Cxl;
    rule.when = PolicyWhen::Unusable;
    EXPECT_EQ(policy_to_json(&rule).dump(),
              R"({"rule":"50-default.yaml:16 default","owner":"cxl","mode":"devdax","zone":null,)"
              R"("when":"unusable"})");
    EXPECT_TRUE(policy_to_json(nullptr).is_null());
}

}  // namespace
}  // namespace srmd
