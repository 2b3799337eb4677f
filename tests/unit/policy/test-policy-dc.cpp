// The policy on Dynamic Capacity ranges (EXPERIMENTAL): the match key `tag`, Desired::dc_tags (each
// allocation by its own first matching rule), convergence per tag and explain's tag lines, on
// machines built in code (dc-machine.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dc-machine.hpp"
#include "ownership/ownership.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "read/snapshot.hpp"

namespace srmd {
namespace {

using namespace srmd::test::dc;

Policy policy_from(const std::string& text) {
    PolicyLoad load = parse_policy_text(text, "/etc/srmd/policy.d/10-test.yaml");
    for (const Diagnostic& diagnostic : load.diagnostics)
        ADD_FAILURE() << format_diagnostic(diagnostic);
    return load.policy ? *load.policy : Policy{};
}

// Tag A's allocation devdax, untagged extents movable system RAM, everything else offline.
const std::string kPolicy =
    "version: 1\n"
    "rules:\n"
    "  - name: a-devdax\n"
    "    match:\n"
    "      tag: 5BE13BCE-*\n"
    "    mode: devdax\n"
    "  - name: loose\n"
    "    match:\n"
    "      tag: untagged\n"
    "    mode: system-ram\n"
    "    zone: movable\n"
    "  - name: rest\n"
    "    mode: offline\n";

// Tag A (two extents), two untagged extents and tag B, none claimed.
Snapshot three_allocations() {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, 512 * kMiB, kTagA);
    add_extent(s, "extent0.2", 2 * kGiB, 256 * kMiB);
    add_extent(s, "extent0.3", 2 * kGiB + 256 * kMiB, 256 * kMiB);
    add_extent(s, "extent0.4", 3 * kGiB, 512 * kMiB, kTagB);
    return s;
}

std::vector<std::string> messages(const std::vector<ConvergenceGap>& gaps) {
    std::vector<std::string> out;
    for (const ConvergenceGap& gap : gaps)
        out.push_back(gap.message);
    return out;
}

TEST(PolicyDc, TheTagKeyLoadsLowercase) {
    Policy policy = policy_from(kPolicy);
    ASSERT_EQ(policy.rules.size(), 3u);
    EXPECT_EQ(policy.rules[0].match.tag, "5be13bce-*");
    EXPECT_EQ(policy.rules[1].match.tag, "untagged");
    EXPECT_FALSE(policy.rules[1].match.unconditional());
    EXPECT_FALSE(policy.rules[2].match.tag);
}

TEST(PolicyDc, EachTagByItsOwnFirstMatchingRule) {
    Snapshot s = three_allocations();
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    std::optional<Desired> desired = desired_for(policy_from(kPolicy), ranges[0], s);
    ASSERT_TRUE(desired);
    ASSERT_EQ(desired->dc_tags.size(), 3u);
    EXPECT_EQ(desired->dc_tags[0].tag, kTagA);
    EXPECT_EQ(desired->dc_tags[0].mode, Desired::Mode::Devdax);
    EXPECT_EQ(desired->dc_tags[0].zone, std::nullopt);
    EXPECT_EQ(desired->dc_tags[0].rule, "10-test.yaml:3 a-devdax");
    EXPECT_EQ(desired->dc_tags[1].tag, "");
    EXPECT_EQ(desired->dc_tags[1].mode, Desired::Mode::SystemRam);
    EXPECT_EQ(desired->dc_tags[1].zone, Zone::Movable);
    EXPECT_EQ(desired->dc_tags[1].rule, "10-test.yaml:7 loose");
    EXPECT_EQ(desired->dc_tags[2].tag, kTagB);
    EXPECT_EQ(desired->dc_tags[2].mode, Desired::Mode::Offline);
    EXPECT_EQ(desired->dc_tags[2].rule, "10-test.yaml:12 rest");
}

TEST(PolicyDc, ATagRuleMatchesOnlyDcRangesWithSuchATag) {
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: b-only\n"
        "    match:\n"
        "      tag: 0f8a4c1e-*\n"
        "    mode: devdax\n");
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(match_failures(policy.rules[0], ranges[0], s),
              std::vector<std::string>{"tag: no extent of the range has a tag matching "
                                       "'0f8a4c1e-*'"});
    EXPECT_FALSE(desired_for(policy, ranges[0], s));

    Range ordinary = ranges[0];
    ordinary.dc.reset();
    EXPECT_EQ(match_failures(policy.rules[0], ordinary, s),
              std::vector<std::string>{"tag: the range is not Dynamic Capacity"});

    EXPECT_TRUE(tag_matches("untagged", ""));
    EXPECT_FALSE(tag_matches("untagged", kTagA));
    EXPECT_FALSE(tag_matches("*", ""));
    EXPECT_TRUE(tag_matches("*", kTagA));
}

TEST(PolicyDc, ConvergencePerTag) {
    Policy policy = policy_from(kPolicy);
    Snapshot s = three_allocations();
    std::vector<Range> ranges = compute_ranges(s);
    EXPECT_EQ(messages(convergence_gaps(policy, ranges[0], s)),
              (std::vector<std::string>{
                  "2 extents (tag 5be13bce-ae34-4a77-b6c3-16df975fcf1a, 1.5 GiB) claimed by no "
                  "dax device; rule 10-test.yaml:3 a-devdax wants devdax",
                  "2 extents (untagged, 512 MiB) claimed by no dax device; rule 10-test.yaml:7 "
                  "loose wants system-ram"}));
    EXPECT_FALSE(converged(policy, ranges[0], s));

    // Tag A claimed as devdax, the untagged ones as movable kmem, tag B left alone: converged.
    add_device(s, "dax0.1", kTagA, {"extent0.0", "extent0.1"}, "device_dax");
    add_device(s, "dax0.2", "", {"extent0.2"}, "kmem");
    add_blocks(s, "dax0.2", "online", "Movable");
    add_device(s, "dax0.3", "", {"extent0.3"}, "kmem");
    add_blocks(s, "dax0.3", "online", "Movable");
    ranges = compute_ranges(s);
    EXPECT_EQ(messages(convergence_gaps(policy, ranges[0], s)), std::vector<std::string>{});
    EXPECT_TRUE(converged(policy, ranges[0], s));
}

TEST(PolicyDc, AWrongModeAndAPendingReleaseAreGaps) {
    Policy policy = policy_from(kPolicy);
    Snapshot s = three_allocations();
    add_device(s, "dax0.1", kTagA, {"extent0.0", "extent0.1"}, "kmem");  // the rule: devdax
    add_blocks(s, "dax0.1", "online", "Movable");
    add_device(s, "dax0.2", "", {"extent0.2"}, "kmem");
    add_blocks(s, "dax0.2", "online", "Normal");  // the rule: movable
    add_device(s, "dax0.3", "", {"extent0.3"}, "device_dax");
    add_release(s, 2 * kGiB + 256 * kMiB, 256 * kMiB, "");  // dax0.3's: the release decides
    std::vector<Range> ranges = compute_ranges(s);
    std::vector<ConvergenceGap> gaps = convergence_gaps(policy, ranges[0], s);
    EXPECT_EQ(messages(gaps),
              (std::vector<std::string>{
                  "dax0.1 (tag 5be13bce-ae34-4a77-b6c3-16df975fcf1a) is system-ram (kmem); rule "
                  "10-test.yaml:3 a-devdax wants devdax",
                  "dax0.2 (untagged)'s memory is online in zone normal; the rule wants movable",
                  "the device asked for untagged (256 MiB at offset 0x90000000) back; dax0.3 "
                  "still holds it and must be destroyed"}));
    ASSERT_EQ(gaps.size(), 3u);
    EXPECT_TRUE(gaps[0].needs_teardown);
    EXPECT_EQ(gaps[0].rule, &policy.rules[0]);
    EXPECT_TRUE(gaps[1].needs_teardown);
    EXPECT_FALSE(gaps[2].needs_teardown);  // the device asks: no teardown the policy must allow

    std::vector<std::string> lines = explain(policy, ranges[0], s);
    auto has = [&](const std::string& text) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
            return line.find(text) != std::string::npos;
        });
    };
    EXPECT_TRUE(
        has("  Dynamic Capacity region region0: 5 extents, 512 MiB unclaimed, seed dax0.0"));
    EXPECT_TRUE(
        has("  tag 5be13bce-ae34-4a77-b6c3-16df975fcf1a: 2 extents, 1.5 GiB, held by "
            "dax0.1; rule 10-test.yaml:3 a-devdax wants devdax"));
    EXPECT_TRUE(
        has("  untagged: 2 extents, 512 MiB, held by dax0.2, dax0.3; rule "
            "10-test.yaml:7 loose wants system-ram, zone movable (each untagged extent "
            "is a dax device of its own, claimed one at a time)"));
    EXPECT_TRUE(
        has("  tag 0f8a4c1e-7d2b-4c55-9e1a-3b6d2f0c9a77: 1 extent, 512 MiB, claimed by "
            "no dax device; rule 10-test.yaml:12 rest wants offline (srmd claims none of "
            "its extents)"));
    EXPECT_TRUE(
        has("srmd will not do this on its own: set allow_teardown: true in rule "
            "'a-devdax'"));
    EXPECT_TRUE(has("srmd will not do this on its own: set allow_teardown: true in rule 'loose'"));
}

TEST(PolicyDc, WhenUnusableLeavesUsableDevicesButClaimsNewCapacity) {
    Policy policy = policy_from(
        "version: 1\n"
        "rules:\n"
        "  - name: vendor\n"
        "    mode: system-ram\n"
        "    when: unusable\n");
    Snapshot s = three_allocations();
    add_device(s, "dax0.1", kTagA, {"extent0.0", "extent0.1"}, "device_dax");  // in use: stays
    add_device(s, "dax0.2", "", {"extent0.2"}, "");                            // unusable
    std::vector<Range> ranges = compute_ranges(s);
    std::optional<Desired> desired = desired_for(policy, ranges[0], s);
    ASSERT_TRUE(desired);
    ASSERT_EQ(desired->dc_tags.size(), 3u);
    EXPECT_TRUE(desired->dc_tags[0].only_unusable);
    EXPECT_EQ(messages(convergence_gaps(policy, ranges[0], s)),
              (std::vector<std::string>{
                  "1 extent (untagged, 256 MiB) claimed by no dax device; rule 10-test.yaml:3 "
                  "vendor wants system-ram",
                  "dax0.2 (untagged) is unbound; rule 10-test.yaml:3 vendor wants system-ram",
                  "1 extent (tag 0f8a4c1e-7d2b-4c55-9e1a-3b6d2f0c9a77, 512 MiB) claimed by no "
                  "dax device; rule 10-test.yaml:3 vendor wants system-ram"}));
}

TEST(PolicyDc, ShadowingKnowsTags) {
    auto warnings = [](const std::string& first, const std::string& second) {
        PolicyLoad load = parse_policy_text(
            "version: 1\nrules:\n"
            "  - name: first\n    match:\n      tag: '" +
                first +
                "'\n    mode: devdax\n"
                "  - name: second\n    match:\n      tag: '" +
                second + "'\n    mode: system-ram\n",
            "/etc/srmd/policy.d/10-test.yaml");
        int count = 0;
        for (const Diagnostic& diagnostic : load.diagnostics)
            count += diagnostic.message.find("can never match") != std::string::npos;
        return count;
    };
    EXPECT_EQ(warnings("*", "5be13bce-*"), 1);
    EXPECT_EQ(warnings("5be13bce-*", "*"), 0);
    EXPECT_EQ(warnings("untagged", "untagged"), 1);
    EXPECT_EQ(warnings("*", "untagged"), 0);  // a glob matches tagged allocations only
    EXPECT_EQ(warnings("untagged", "*"), 0);
}

}  // namespace
}  // namespace srmd
