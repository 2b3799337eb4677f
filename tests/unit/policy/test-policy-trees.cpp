// The vendor default, and the same rule held strictly (when: always), on every fixture tree: which
// ranges each counts as converged, worked out from what each tree holds, and the simulate JSON's
// "converged" agreeing with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "publish/ranges-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

const char* const groups[] = {"kernel-6.1", "constructed"};

std::vector<std::string> all_trees() {
    std::vector<std::string> trees;
    for (const char* group : groups) {
        fs::path dir = fs::path(test::fixture(group));
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            continue;
        for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
            std::string name = entry.path().filename().string();
            if (entry.is_directory() && name[0] != '.' &&
                (fs::is_directory(entry.path() / "proc") || fs::is_directory(entry.path() / "sys")))
                trees.push_back(std::string(group) + "/" + name);
        }
    }
    std::sort(trees.begin(), trees.end());
    return trees;
}

Policy vendor_default() {
    const char* base = std::getenv("SRMD_POLICY");
    PolicyLoad load = load_policy_dirs({std::string(base ? base : "policy") + "/vendor"});
    EXPECT_TRUE(load.policy);
    return load.policy ? *load.policy : Policy{};
}

// Range id -> converged under the vendor default (keep the kernel's owner; act only on memory
// nobody can use, which becomes system RAM, movable), worked out from what each tree holds.
const std::map<std::string, std::map<std::string, bool>> vendor_converged = {
    // hmem holds the range (kernel 6.1 lets hmem win), all 8 blocks online movable.
    {"kernel-6.1/both", {{"r100000000", true}}},
    {"kernel-6.1/cxl-no-region", {}},
    {"kernel-6.1/cxl-pmem-region", {}},
    // device_dax: in use as someone set it up.
    {"kernel-6.1/hmem-devdax", {{"r40000000", true}}},
    // Online in ZONE_NORMAL: in use, though not where a strict rule wants it.
    {"kernel-6.1/hmem-high-kmem-normal", {{"r140000000", true}}},
    {"kernel-6.1/hmem-kmem-movable", {{"r40000000", true}}},
    // CXL and hmem both claim it, but hmem's memory is online: nothing to rescue.
    {"constructed/conflict-6x", {{"r850000000", true}}},
    // Dynamic Capacity with no capacity added: no range yet.
    // A Dynamic Capacity region with no extents yet: nothing to place.
    {"constructed/dcd", {{"r1050000000", true}}},
    // The devdax range is in use; the other one's dax device has no driver.
    {"constructed/devdax", {{"r2080000000", true}, {"r2480000000", false}}},
    // hmem, online in ZONE_NORMAL.
    {"constructed/hmem-only", {{"r2080000000", true}}},
    // Real 7.2: hmem under hmem_platform.0, kmem, online movable.
    {"kernel-7.2/numa-kmem-movable", {{"r100000000", true}}},
    {"constructed/locked-region", {{"r1050000000", true}}},
    // hmem's dax device could not bind: nobody can use the memory.
    {"constructed/partial-coverage", {{"ra90000000", false}}},
    // The region never committed, so the kernel's owner is hmem, which holds it online movable.
    {"constructed/region-assembly-failure", {{"r850000000", true}}},
    {"constructed/two-windows-kmem", {{"r2080000000", true}, {"r2480000000", true}}},
    // The first range is unaligned but fully online movable; the second has no driver.
    {"constructed/unaligned", {{"r100000000", true}, {"r180000000", false}}},
};

// The same with a strict rule (when: always, the default): every range must be system RAM in
// ZONE_MOVABLE, so devdax, ZONE_NORMAL and conflicts count against it.
const std::map<std::string, std::map<std::string, bool>> strict_converged = {
    {"kernel-6.1/both", {{"r100000000", true}}},
    {"kernel-6.1/cxl-no-region", {}},
    {"kernel-6.1/cxl-pmem-region", {}},
    // device_dax: the policy wants system RAM.
    {"kernel-6.1/hmem-devdax", {{"r40000000", false}}},
    // Online, but in ZONE_NORMAL.
    {"kernel-6.1/hmem-high-kmem-normal", {{"r140000000", false}}},
    {"kernel-6.1/hmem-kmem-movable", {{"r40000000", true}}},
    // CXL and hmem both claim it: a conflict srmd does not act on.
    {"constructed/conflict-6x", {{"r850000000", false}}},
    // Dynamic Capacity with no capacity added: no range yet.
    {"constructed/dcd", {{"r1050000000", true}}},
    {"constructed/devdax", {{"r2080000000", false}, {"r2480000000", false}}},
    {"constructed/hmem-only", {{"r2080000000", false}}},
    {"kernel-7.2/numa-kmem-movable", {{"r100000000", true}}},
    {"constructed/locked-region", {{"r1050000000", true}}},
    {"constructed/partial-coverage", {{"ra90000000", false}}},
    {"constructed/region-assembly-failure", {{"r850000000", true}}},
    {"constructed/two-windows-kmem", {{"r2080000000", true}, {"r2480000000", true}}},
    {"constructed/unaligned", {{"r100000000", true}, {"r180000000", false}}},
};

// Every fixture tree under `policy` (one unconditional rule): range id -> converged, checked
// against `table`, and the simulate JSON's "converged" agreeing with it.
void expect_converged_on_every_tree(
    const Policy& policy, const std::map<std::string, std::map<std::string, bool>>& table) {
    ASSERT_EQ(policy.rules.size(), 1u);
    std::vector<std::string> trees = all_trees();
    ASSERT_FALSE(trees.empty()) << "no fixture trees under " << test::fixture("");
    for (const std::string& tree : trees) {
        SCOPED_TRACE(tree);
        auto expected = table.find(tree);
        ASSERT_NE(expected, table.end()) << "add this tree to the table";
        RootReader reader(test::fixture(tree));
        Snapshot snapshot = read_snapshot(reader);
        std::vector<Range> ranges = compute_ranges(snapshot);
        std::map<std::string, bool> actual;
        for (const Range& range : ranges) {
            PolicyMatch match = match_policy(policy, range, snapshot);
            ASSERT_EQ(match.rule, &policy.rules[0]) << range.id;
            EXPECT_TRUE(match.misses.empty());
            actual[range.id] = converged(range, *match.rule);
        }
        EXPECT_EQ(actual, expected->second);

        // The simulate JSON gains exactly "policy" and "converged" per range.
        Json json = ranges_to_json(ranges);
        add_policy_to_ranges_json(json, ranges, policy, snapshot);
        ASSERT_EQ(json.as_array().size(), ranges.size());
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            const Json& item = json.as_array()[i];
            ASSERT_TRUE(item.find("policy"));
            EXPECT_EQ(item.find("policy")->find("rule")->as_string(), policy.rules[0].label());
            EXPECT_EQ(item.find("converged")->as_bool(), actual[ranges[i].id]);
        }
    }
}

TEST(PolicyMatch, VendorDefaultOnEveryFixtureTree) {
    Policy policy = vendor_default();
    ASSERT_EQ(policy.rules.size(), 1u);
    EXPECT_EQ(policy.rules[0].when, PolicyWhen::Unusable);
    expect_converged_on_every_tree(policy, vendor_converged);
}

TEST(PolicyMatch, StrictRuleOnEveryFixtureTree) {
    Policy policy = vendor_default();
    ASSERT_EQ(policy.rules.size(), 1u);
    policy.rules[0].when = PolicyWhen::Always;
    expect_converged_on_every_tree(policy, strict_converged);
}

}  // namespace
}  // namespace srmd
