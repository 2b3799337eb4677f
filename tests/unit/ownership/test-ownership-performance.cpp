// Per-range performance: the node, region, QoS classes and memory tier each range is given, and
// the tier-shared-with-dram problem, on real 7.2 trees and copies with their tiers changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

using srmd::Range;
using srmd::RootReader;
using srmd::test::fixture;
using srmd::test::TreeCopy;

namespace {

const std::string kTiers = "/sys/devices/virtual/memory_tiering";

std::vector<Range> ranges_of(const std::string& root) {
    return srmd::compute_ranges(srmd::read_snapshot(RootReader(root)));
}

const srmd::Problem* problem(const Range& range, const std::string& code) {
    for (const srmd::Problem& p : range.problems)
        if (p.code == code)
            return &p;
    return nullptr;
}

// Puts every node listed in `nodes` in memory_tier4 with DRAM, as a kernel without HMAT figures
// for them (or figures close to DRAM's) does.
void merge_into_dram_tier(const std::string& root, const std::string& nodes) {
    namespace fs = std::filesystem;
    for (const auto& entry : fs::directory_iterator(root + kTiers))
        if (entry.path().filename().string().rfind("memory_tier", 0) == 0 &&
            entry.path().filename() != "memory_tier4")
            fs::remove_all(entry.path());
    std::ofstream(root + kTiers + "/memory_tier4/nodelist") << nodes << "\n";
}

}  // namespace

TEST(OwnershipPerformance, HmemRangeOnAnHmatNode) {
    std::vector<Range> ranges = ranges_of(fixture("kernel-7.2/numa-kmem-movable"));
    ASSERT_EQ(ranges.size(), 1u);
    const srmd::RangePerformance& perf = ranges[0].performance;
    EXPECT_EQ(perf.node, 1);
    ASSERT_TRUE(perf.node_access0.has_value());
    EXPECT_EQ(perf.node_access0->read_latency, 30u);
    EXPECT_EQ(perf.node_access0->read_bandwidth, 5120u);
    ASSERT_TRUE(perf.node_access1.has_value());
    EXPECT_EQ(perf.tier, 54);
    ASSERT_TRUE(perf.abstract_distance.has_value());
    EXPECT_EQ(perf.abstract_distance->first, 54 * 128);
    EXPECT_EQ(perf.abstract_distance->second, 55 * 128 - 1);
    EXPECT_TRUE(perf.tier_dram_nodes.empty());
    EXPECT_EQ(perf.region, "");
    EXPECT_FALSE(perf.region_access0.has_value());
    EXPECT_FALSE(perf.window_qos_class.has_value());
    EXPECT_EQ(problem(ranges[0], "tier-shared-with-dram"), nullptr);
}

TEST(OwnershipPerformance, CxlRangeGetsItsRegionAndQosClasses) {
    std::vector<Range> ranges = ranges_of(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    auto cxl = std::find_if(ranges.begin(), ranges.end(),
                            [](const Range& r) { return r.owner == srmd::Owner::Cxl; });
    ASSERT_NE(cxl, ranges.end());
    const srmd::RangePerformance& perf = cxl->performance;
    EXPECT_EQ(perf.node, 2);
    EXPECT_FALSE(perf.node_access0.has_value());  // QEMU gives node 2 no HMAT figures
    EXPECT_EQ(perf.region, "region0");
    EXPECT_FALSE(perf.region_access0.has_value());
    EXPECT_EQ(perf.window_qos_class, 0);
    ASSERT_EQ(perf.memdev_qos_class.size(), 1u);
    EXPECT_EQ(perf.memdev_qos_class[0].first, "mem0");
    EXPECT_FALSE(perf.memdev_qos_class[0].second.has_value());
    EXPECT_EQ(perf.tier, 22);
    EXPECT_EQ(problem(*cxl, "tier-shared-with-dram"), nullptr);
}

TEST(OwnershipPerformance, MemoryInDramsTierIsAProblemThatChangesNoStatus) {
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    merge_into_dram_tier(tree.path(), "0,2");
    std::vector<Range> ranges = ranges_of(tree.path());
    auto cxl = std::find_if(ranges.begin(), ranges.end(),
                            [](const Range& r) { return r.owner == srmd::Owner::Cxl; });
    ASSERT_NE(cxl, ranges.end());
    EXPECT_EQ(cxl->performance.tier, 4);
    EXPECT_EQ(cxl->performance.tier_dram_nodes, std::vector<int>{0});
    const srmd::Problem* shared = problem(*cxl, "tier-shared-with-dram");
    ASSERT_NE(shared, nullptr);
    EXPECT_NE(shared->message.find("node 2 is in memory tier 4 with DRAM node 0"),
              std::string::npos)
        << shared->message;
    EXPECT_NE(shared->message.find("no demotion"), std::string::npos);
    EXPECT_EQ(shared->severity, srmd::RangeStatus::Ok);
    EXPECT_EQ(cxl->status, srmd::RangeStatus::Ok);
}

TEST(OwnershipPerformance, OfflineMemoryInDramsTierIsNoProblem) {
    // The blocks are offline: none of the range's memory is in the tier, nothing to demote to.
    TreeCopy tree(fixture("kernel-7.2/numa-boot-kmem-offline"));
    std::vector<Range> before = ranges_of(tree.path());
    ASSERT_EQ(before.size(), 1u);
    merge_into_dram_tier(tree.path(), "0-1");
    std::vector<Range> ranges = ranges_of(tree.path());
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(problem(ranges[0], "tier-shared-with-dram"), nullptr);
}

TEST(OwnershipPerformance, HmemNodeInDramsTier) {
    TreeCopy tree(fixture("kernel-7.2/numa-kmem-movable"));
    merge_into_dram_tier(tree.path(), "0-1");
    std::vector<Range> ranges = ranges_of(tree.path());
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_NE(problem(ranges[0], "tier-shared-with-dram"), nullptr);
}

TEST(OwnershipPerformance, NoTiersNoTierFacts) {
    // 6.1 kernels built without tiering, or trees captured before it: tier and distance absent.
    TreeCopy tree(fixture("kernel-7.2/numa-kmem-movable"));
    std::filesystem::remove_all(tree.path() + kTiers);
    std::vector<Range> ranges = ranges_of(tree.path());
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].performance.node, 1);
    EXPECT_FALSE(ranges[0].performance.tier.has_value());
    EXPECT_FALSE(ranges[0].performance.abstract_distance.has_value());
    EXPECT_EQ(problem(ranges[0], "tier-shared-with-dram"), nullptr);
}
