// Dynamic Capacity in the snapshot (read/snapshot-dcd.cpp, EXPERIMENTAL): a DC region's extents
// and its dax devices' tags, on the constructed dcd tree and copies of it with extents added as
// the posted series lays them out; other trees read no Dynamic Capacity; a capture keeps it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "read/capture.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace {

namespace fs = std::filesystem;

using srmd::RootReader;
using srmd::Snapshot;
using srmd::test::fixture;
using srmd::test::TempDir;
using srmd::test::TreeCopy;

constexpr std::uint64_t MiB = 1ull << 20;
const std::string kTag = "5be13bce-ae34-4a77-b6c3-16df975fcf1a";
const std::string kRegion = "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0";
const std::string kDaxRegion = kRegion + "/dax_region0";
const std::string kSeed = kDaxRegion + "/dax0.0";

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

// An extent directory as the kernel shows it: offset and length "%#llx", the tag attribute only
// when there is a tag (`tag_name` "uuid" from v9 on, "tag" before).
void add_extent(const std::string& root, const std::string& name, const std::string& offset,
                const std::string& length, const std::string& tag = "",
                const std::string& tag_name = "uuid") {
    std::string dir = root + kDaxRegion + "/" + name;
    write_file(dir + "/offset", offset + "\n");
    write_file(dir + "/length", length + "\n");
    if (!tag.empty())
        write_file(dir + "/" + tag_name, tag + "\n");
}

Snapshot read(const std::string& root) {
    return srmd::read_snapshot(RootReader(root));
}

TEST(SnapshotDcd, TheConstructedTree) {
    Snapshot s = read(fixture("constructed/dcd"));
    const srmd::CxlRegion* region = s.region("region0");
    ASSERT_TRUE(region);
    EXPECT_EQ(region->mode, "dynamic_ram_1");
    EXPECT_TRUE(region->dynamic);
    EXPECT_TRUE(region->enabled);
    EXPECT_TRUE(region->committed);
    EXPECT_EQ(region->dax_region, "dax_region0");
    EXPECT_TRUE(region->extents.empty());

    ASSERT_EQ(s.dax_devices.size(), 1u);
    const srmd::DaxDevice& seed = s.dax_devices[0];
    EXPECT_EQ(seed.name, "dax0.0");
    EXPECT_EQ(seed.size, 0u);
    EXPECT_TRUE(seed.mappings.empty());
    EXPECT_EQ(seed.driver, "");
    EXPECT_EQ(seed.parent, "region0");
    EXPECT_EQ(seed.dc_tag, std::optional<std::string>(""));
    ASSERT_EQ(s.dax_regions.size(), 1u);
    EXPECT_EQ(s.dax_regions[0].available_size, 0u);

    ASSERT_EQ(s.endpoint_decoders.size(), 1u);
    EXPECT_EQ(s.endpoint_decoders[0].memdev, "mem0");
    EXPECT_EQ(s.endpoint_decoders[0].mode, "dynamic_ram_1");
    EXPECT_EQ(s.endpoint_decoders[0].region, "region0");
    EXPECT_EQ(s.endpoint_decoders[0].dpa_resource, std::optional<std::uint64_t>(0x80000000));
}

TEST(SnapshotDcd, ExtentsByNumberWithTheirTags) {
    TreeCopy tree(fixture("constructed/dcd"));
    add_extent(tree.path(), "extent0.10", "0x10000000", "0x8000000", kTag);
    add_extent(tree.path(), "extent0.2", "0", "0x200000");  // untagged: no uuid
    add_extent(tree.path(), "extent0.3", "0x400000", "0x200000",
               "5BE13BCE-AE34-4A77-B6C3-16DF975FCF1B");
    add_extent(tree.path(), "extent0.4", "0x600000", "0x200000", kTag, "tag");  // v3..v8
    add_extent(tree.path(), "extent0.5", "0x800000", "0x200000",
               "00000000-0000-0000-0000-000000000000");
    write_file(tree.path() + kDaxRegion + "/extentx", "not an extent");

    Snapshot s = read(tree.path());
    const srmd::CxlRegion* region = s.region("region0");
    ASSERT_TRUE(region);
    ASSERT_EQ(region->extents.size(), 5u);
    EXPECT_EQ(region->extents[0].name, "extent0.2");
    EXPECT_EQ(region->extents[0].path, kDaxRegion + "/extent0.2");
    EXPECT_EQ(region->extents[0].offset, 0u);
    EXPECT_EQ(region->extents[0].length, 2 * MiB);
    EXPECT_EQ(region->extents[0].tag, "");
    EXPECT_EQ(region->extents[1].name, "extent0.3");
    EXPECT_EQ(region->extents[1].tag, "5be13bce-ae34-4a77-b6c3-16df975fcf1b");
    EXPECT_EQ(region->extents[2].name, "extent0.4");
    EXPECT_EQ(region->extents[2].tag, kTag);
    EXPECT_EQ(region->extents[3].name, "extent0.5");
    EXPECT_EQ(region->extents[3].tag, "");
    EXPECT_EQ(region->extents[4].name, "extent0.10");
    EXPECT_EQ(region->extents[4].offset, 0x10000000u);
    EXPECT_EQ(region->extents[4].length, 0x8000000u);
    EXPECT_EQ(region->extents[4].tag, kTag);
}

// An extent the kernel is removing (a release) while it is listed: left out, no error.
TEST(SnapshotDcd, AnExtentGoingAwayIsLeftOut) {
    TreeCopy tree(fixture("constructed/dcd"));
    add_extent(tree.path(), "extent0.0", "0", "0x200000");
    add_extent(tree.path(), "extent0.1", "0x200000", "0x200000");
    fs::remove(tree.path() + kDaxRegion + "/extent0.0/length");
    Snapshot s = read(tree.path());
    ASSERT_EQ(s.regions[0].extents.size(), 1u);
    EXPECT_EQ(s.regions[0].extents[0].name, "extent0.1");
}

TEST(SnapshotDcd, DaxDeviceTags) {
    TreeCopy tree(fixture("constructed/dcd"));
    write_file(tree.path() + kSeed + "/uuid", "5BE13BCE-AE34-4A77-B6C3-16DF975FCF1A\n");
    EXPECT_EQ(read(tree.path()).dax_devices[0].dc_tag, std::optional<std::string>(kTag));
    write_file(tree.path() + kSeed + "/uuid", "0\n");  // v10's untagged
    EXPECT_EQ(read(tree.path()).dax_devices[0].dc_tag, std::optional<std::string>(""));
    fs::remove(tree.path() + kSeed + "/uuid");  // v9 has no uuid attribute
    EXPECT_EQ(read(tree.path()).dax_devices[0].dc_tag, std::optional<std::string>(""));
}

TEST(SnapshotDcd, TheOlderModeSpelling) {
    TreeCopy tree(fixture("constructed/dcd"));
    write_file(tree.path() + kRegion + "/mode", "dynamic_ram_a\n");  // v9, v10
    add_extent(tree.path(), "extent0.0", "0", "0x200000");
    Snapshot s = read(tree.path());
    EXPECT_TRUE(s.regions[0].dynamic);
    EXPECT_EQ(s.regions[0].extents.size(), 1u);
    EXPECT_EQ(s.dax_devices[0].dc_tag, std::optional<std::string>(""));
}

// Extent-like directories under a region of another mode are not read, nor its devices' uuid.
TEST(SnapshotDcd, OtherModesReadNone) {
    TreeCopy tree(fixture("constructed/dcd"));
    write_file(tree.path() + kRegion + "/mode", "ram\n");
    add_extent(tree.path(), "extent0.0", "0", "0x200000");
    Snapshot s = read(tree.path());
    EXPECT_FALSE(s.regions[0].dynamic);
    EXPECT_TRUE(s.regions[0].extents.empty());
    EXPECT_FALSE(s.dax_devices[0].dc_tag);

    for (const char* other : {"constructed/devdax", "constructed/two-windows-kmem",
                              "kernel-6.1/both", "constructed/hmem-only"}) {
        Snapshot t = read(fixture(other));
        for (const srmd::CxlRegion& region : t.regions) {
            EXPECT_FALSE(region.dynamic) << other;
            EXPECT_TRUE(region.extents.empty()) << other;
        }
        for (const srmd::DaxDevice& device : t.dax_devices)
            EXPECT_FALSE(device.dc_tag) << other << " " << device.name;
    }
}

// `srmctl capture` of a DC machine keeps the extents and the tags.
TEST(SnapshotDcd, CaptureKeepsDynamicCapacity) {
    TreeCopy tree(fixture("constructed/dcd"));
    add_extent(tree.path(), "extent0.0", "0", "0x200000");
    add_extent(tree.path(), "extent0.1", "0x200000", "0x400000", kTag);
    write_file(tree.path() + kSeed + "/uuid", kTag + "\n");
    TempDir captured;
    srmd::capture_tree(RootReader(tree.path()), captured.path() + "/tree");

    Snapshot original = read(tree.path());
    Snapshot copy = read(captured.path() + "/tree");
    ASSERT_EQ(copy.regions.size(), 1u);
    ASSERT_EQ(copy.regions[0].extents.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(copy.regions[0].extents[i].name, original.regions[0].extents[i].name);
        EXPECT_EQ(copy.regions[0].extents[i].offset, original.regions[0].extents[i].offset);
        EXPECT_EQ(copy.regions[0].extents[i].length, original.regions[0].extents[i].length);
        EXPECT_EQ(copy.regions[0].extents[i].tag, original.regions[0].extents[i].tag);
    }
    EXPECT_EQ(copy.regions[0].extents[1].tag, kTag);
    EXPECT_EQ(copy.dax_devices[0].dc_tag, std::optional<std::string>(kTag));
}

}  // namespace
