// The performance facts of a snapshot: node access classes (HMAT), CXL region access classes
// (CDAT, 6.9+), QoS classes and memory tiers, read from real 7.2 trees and from copies given the
// attributes a kernel with them shows, or malformed ones. Absent stays absent, never 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "read/capture.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

using srmd::RootReader;
using srmd::Snapshot;
using srmd::test::fixture;
using srmd::test::TempDir;
using srmd::test::TreeCopy;

namespace {

const std::string kRoot0 = "/sys/devices/platform/ACPI0017:00/root0/decoder0.0";
const std::string kRegion0 = kRoot0 + "/region0";
const std::string kMem0 = "/sys/devices/pci0000:16/0000:16:00.0/0000:17:00.0/mem0";

void write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text << "\n";
}

}  // namespace

TEST(SnapshotPerformance, RealHmatNodeFiguresAndTiers) {
    Snapshot s = srmd::read_snapshot(RootReader(fixture("kernel-7.2/numa-kmem-movable")));
    ASSERT_EQ(s.nodes.size(), 2u);
    const srmd::NumaNode& cpuless = s.nodes[1];
    ASSERT_TRUE(cpuless.access0.has_value());
    EXPECT_EQ(cpuless.access0->read_latency, 30u);
    EXPECT_EQ(cpuless.access0->write_latency, 30u);
    EXPECT_EQ(cpuless.access0->read_bandwidth, 5120u);
    EXPECT_EQ(cpuless.access0->write_bandwidth, 5120u);
    EXPECT_EQ(cpuless.access0->initiators, std::vector<int>{0});
    ASSERT_TRUE(cpuless.access1.has_value());
    EXPECT_EQ(cpuless.memory_tier, 54);
    EXPECT_EQ(s.nodes[0].memory_tier, 4);
}

TEST(SnapshotPerformance, AbsentOnARealCxlTreeStaysAbsent) {
    // QEMU's CXL device gives no region coordinates, and the kernel hides ram/qos_class when it
    // has none: both are absent, not 0. The window's QoS class is a real 0.
    Snapshot s = srmd::read_snapshot(RootReader(fixture("kernel-7.2/cxl-ram-kmem-movable")));
    ASSERT_EQ(s.regions.size(), 1u);
    EXPECT_FALSE(s.regions[0].access0.has_value());
    EXPECT_FALSE(s.regions[0].access1.has_value());
    ASSERT_EQ(s.memdevs.size(), 1u);
    EXPECT_FALSE(s.memdevs[0].ram_qos_class.has_value());
    ASSERT_EQ(s.windows.size(), 1u);
    EXPECT_EQ(s.windows[0].qos_class, 0);
    // node2, the CXL memory's node, has no HMAT figures; it sits in tier 22.
    ASSERT_EQ(s.nodes.size(), 3u);
    EXPECT_FALSE(s.nodes[2].access0.has_value());
    EXPECT_EQ(s.nodes[2].memory_tier, 22);
}

TEST(SnapshotPerformance, RegionAccessAndQosClassesWhenTheKernelShowsThem) {
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    write(tree.path() + kRegion0 + "/access0/read_latency", "250");
    write(tree.path() + kRegion0 + "/access0/write_latency", "260");
    write(tree.path() + kRegion0 + "/access0/read_bandwidth", "12000");
    write(tree.path() + kRegion0 + "/access0/write_bandwidth", "11000");
    write(tree.path() + kRegion0 + "/access1/read_latency", "300");
    write(tree.path() + kMem0 + "/ram/qos_class", "1");
    write(tree.path() + kRoot0 + "/qos_class", "1");

    Snapshot s = srmd::read_snapshot(RootReader(tree.path()));
    const srmd::CxlRegion& region = s.regions[0];
    ASSERT_TRUE(region.access0.has_value());
    EXPECT_EQ(region.access0->read_latency, 250u);
    EXPECT_EQ(region.access0->write_latency, 260u);
    EXPECT_EQ(region.access0->read_bandwidth, 12000u);
    EXPECT_EQ(region.access0->write_bandwidth, 11000u);
    EXPECT_TRUE(region.access0->initiators.empty());
    ASSERT_TRUE(region.access1.has_value());
    EXPECT_EQ(region.access1->read_latency, 300u);
    EXPECT_FALSE(region.access1->write_latency.has_value());
    EXPECT_FALSE(region.access1->read_bandwidth.has_value());
    EXPECT_EQ(s.memdevs[0].ram_qos_class, 1);
    EXPECT_EQ(s.windows[0].qos_class, 1);
}

TEST(SnapshotPerformance, MalformedValuesAreAbsentAndNeverFailTheRead) {
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    write(tree.path() + kRegion0 + "/access0/read_latency", "fast");
    write(tree.path() + kRegion0 + "/access0/write_latency", "-");
    write(tree.path() + kRegion0 + "/access1/read_latency", "");
    write(tree.path() + kRegion0 + "/access1/read_bandwidth", "400");
    write(tree.path() + kMem0 + "/ram/qos_class", "many");
    write(tree.path() + kRoot0 + "/qos_class", "-1");
    const std::string node0 = tree.path() + "/sys/devices/system/node/node0/access0/initiators";
    write(node0 + "/read_latency", "0x");
    write(tree.path() + "/sys/devices/virtual/memory_tiering/memory_tier22/nodelist", "2-x");

    Snapshot s;
    ASSERT_NO_THROW(s = srmd::read_snapshot(RootReader(tree.path())));
    // A class whose every value is malformed is no class at all.
    EXPECT_FALSE(s.regions[0].access0.has_value());
    ASSERT_TRUE(s.regions[0].access1.has_value());
    EXPECT_FALSE(s.regions[0].access1->read_latency.has_value());
    EXPECT_EQ(s.regions[0].access1->read_bandwidth, 400u);
    EXPECT_FALSE(s.memdevs[0].ram_qos_class.has_value());
    EXPECT_FALSE(s.windows[0].qos_class.has_value());  // -1: the kernel has no class
    ASSERT_TRUE(s.nodes[0].access0.has_value());
    EXPECT_FALSE(s.nodes[0].access0->read_latency.has_value());
    EXPECT_TRUE(s.nodes[0].access0->write_latency.has_value());
    EXPECT_FALSE(s.nodes[2].memory_tier.has_value());
    EXPECT_EQ(s.nodes[0].memory_tier, 4);
}

TEST(SnapshotPerformance, AnUnreadableValueIsAbsent) {
    // The reader opens regular files only: a directory where a value should be cannot be read.
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    std::filesystem::create_directories(tree.path() + kRegion0 + "/access0/read_latency");
    write(tree.path() + kRegion0 + "/access0/write_latency", "260");
    std::filesystem::create_directories(tree.path() + kMem0 + "/ram/qos_class");
    Snapshot s;
    ASSERT_NO_THROW(s = srmd::read_snapshot(RootReader(tree.path())));
    ASSERT_TRUE(s.regions[0].access0.has_value());
    EXPECT_FALSE(s.regions[0].access0->read_latency.has_value());
    EXPECT_EQ(s.regions[0].access0->write_latency, 260u);
    EXPECT_FALSE(s.memdevs[0].ram_qos_class.has_value());
}

TEST(SnapshotPerformance, AnEmptyAccessDirectoryIsNoAccessClass) {
    // A kernel that cannot compute a region's coordinates hides the four files; the group's
    // directory may stay.
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    std::filesystem::create_directories(tree.path() + kRegion0 + "/access0");
    Snapshot s = srmd::read_snapshot(RootReader(tree.path()));
    EXPECT_FALSE(s.regions[0].access0.has_value());
}

TEST(SnapshotPerformance, ACaptureKeepsEveryFileItWasReadFrom) {
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-kmem-movable"));
    write(tree.path() + kRegion0 + "/access0/read_latency", "250");
    write(tree.path() + kRegion0 + "/access1/write_bandwidth", "9000");
    write(tree.path() + kMem0 + "/ram/qos_class", "1");
    TempDir temp;
    std::string out = temp.path() + "/capture";
    srmd::capture_tree(RootReader(tree.path()), out);

    Snapshot s = srmd::read_snapshot(RootReader(out));
    ASSERT_TRUE(s.regions[0].access0.has_value());
    EXPECT_EQ(s.regions[0].access0->read_latency, 250u);
    ASSERT_TRUE(s.regions[0].access1.has_value());
    EXPECT_EQ(s.regions[0].access1->write_bandwidth, 9000u);
    EXPECT_EQ(s.memdevs[0].ram_qos_class, 1);
    EXPECT_EQ(s.windows[0].qos_class, 0);
    EXPECT_EQ(s.nodes[2].memory_tier, 22);
    EXPECT_EQ(s.nodes[0].memory_tier, 4);
    ASSERT_TRUE(s.nodes[0].access0.has_value());
    EXPECT_EQ(s.nodes[0].access0->read_latency, 10u);
}
