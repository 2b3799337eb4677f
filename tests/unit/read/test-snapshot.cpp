// The snapshot of real kernel trees captured in QEMU (tests/fixtures/kernel-6.1), and how the
// reader treats missing optional files and malformed ones.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <map>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"
#include "util/error.hpp"

using srmd::DaxParentKind;
using srmd::RootReader;
using srmd::Snapshot;
using srmd::SystemError;
using srmd::test::fixture;
using srmd::test::TreeCopy;

namespace {

constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::uint64_t MiB = 1ull << 20;

Snapshot read_fixture(const std::string& tree) {
    return srmd::read_snapshot(RootReader(fixture(tree)));
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

}  // namespace

TEST(Snapshot, BothHmemKmemAndCxlPmem) {
    Snapshot s = read_fixture("kernel-6.1/both");

    EXPECT_EQ(s.kernel_release, "");  // the capture has no /proc/sys
    EXPECT_NE(s.cmdline.find("memmap=1024M%0x100000000-1+0xefffffff"), std::string::npos);
    EXPECT_TRUE(std::binary_search(s.modules.begin(), s.modules.end(), "dax_hmem"));
    EXPECT_TRUE(s.firmware_soft_reserved.empty());

    ASSERT_EQ(s.windows.size(), 1u);
    EXPECT_EQ(s.windows[0].name, "decoder0.0");
    EXPECT_EQ(s.windows[0].path, "/sys/devices/platform/ACPI0017:00/root0/decoder0.0");
    EXPECT_EQ(s.windows[0].start, 0x150000000u);
    EXPECT_EQ(s.windows[0].size, 4 * GiB);
    EXPECT_TRUE(s.windows[0].cap_ram);
    EXPECT_TRUE(s.windows[0].cap_pmem);
    EXPECT_FALSE(s.windows[0].locked);
    EXPECT_EQ(s.windows[0].interleave_ways, 1);

    ASSERT_EQ(s.regions.size(), 1u);
    const srmd::CxlRegion& region = s.regions[0];
    EXPECT_EQ(region.name, "region1");
    EXPECT_EQ(region.window, "decoder0.0");
    EXPECT_EQ(region.start, 0x150000000u);
    EXPECT_EQ(region.size, 256 * MiB);
    EXPECT_EQ(region.mode, "pmem");  // 6.1 has no mode file: told by the pmem_region1 child
    EXPECT_TRUE(region.committed);
    EXPECT_TRUE(region.enabled);
    EXPECT_FALSE(region.locked.has_value());
    EXPECT_EQ(region.targets, std::vector<std::string>{"decoder2.0"});
    EXPECT_EQ(region.memdevs, std::vector<std::string>{"mem0"});
    EXPECT_EQ(region.dax_region, "");

    ASSERT_EQ(s.memdevs.size(), 1u);
    EXPECT_EQ(s.memdevs[0].name, "mem0");
    EXPECT_EQ(s.memdevs[0].serial, 0u);
    EXPECT_EQ(s.memdevs[0].numa_node, -1);
    EXPECT_EQ(s.memdevs[0].ram_size, 0u);
    EXPECT_EQ(s.memdevs[0].pmem_size, 256 * MiB);
    EXPECT_EQ(s.memdevs[0].host, "0000:0d:00.0");

    ASSERT_EQ(s.hmem.size(), 1u);
    EXPECT_EQ(s.hmem[0].name, "hmem.0");
    EXPECT_EQ(s.hmem[0].path, "/sys/devices/platform/hmem.0");
    EXPECT_EQ(s.hmem[0].driver, "hmem");
    EXPECT_EQ(s.hmem[0].start, 0x100000000u);
    EXPECT_EQ(s.hmem[0].size, GiB);
    EXPECT_TRUE(s.hmem[0].has_dax_region);

    ASSERT_EQ(s.dax_regions.size(), 2u);
    EXPECT_EQ(s.dax_regions[0].id, 0);
    EXPECT_EQ(s.dax_regions[0].parent_kind, DaxParentKind::Hmem);
    EXPECT_EQ(s.dax_regions[0].parent, "hmem.0");
    EXPECT_EQ(s.dax_regions[0].size, GiB);
    EXPECT_EQ(s.dax_regions[0].align, 2 * MiB);
    EXPECT_EQ(s.dax_regions[0].available_size, 0u);
    EXPECT_EQ(s.dax_regions[0].devices, std::vector<std::string>{"dax0.0"});
    EXPECT_EQ(s.dax_regions[1].id, 1);
    EXPECT_EQ(s.dax_regions[1].parent_kind, DaxParentKind::Nd);
    EXPECT_EQ(s.dax_regions[1].parent, "region1");
    EXPECT_EQ(s.dax_regions[1].devices, std::vector<std::string>{"dax1.0"});

    ASSERT_EQ(s.dax_devices.size(), 2u);
    const srmd::DaxDevice& kmem = s.dax_devices[0];
    EXPECT_EQ(kmem.name, "dax0.0");
    EXPECT_EQ(kmem.path, "/sys/devices/platform/hmem.0/dax0.0");
    EXPECT_EQ(kmem.parent_kind, DaxParentKind::Hmem);
    EXPECT_EQ(kmem.parent, "hmem.0");
    EXPECT_EQ(kmem.region_id, 0);
    EXPECT_EQ(kmem.size, GiB);
    EXPECT_EQ(kmem.resource, 0x100000000u);
    ASSERT_EQ(kmem.mappings.size(), 1u);
    EXPECT_EQ(kmem.mappings[0].start, 0x100000000u);
    EXPECT_EQ(kmem.mappings[0].end, 0x13fffffffu);
    EXPECT_EQ(kmem.mappings[0].page_offset, 0u);
    EXPECT_EQ(kmem.target_node, 1);
    EXPECT_EQ(kmem.align, 2 * MiB);
    EXPECT_EQ(kmem.driver, "kmem");
    const srmd::DaxDevice& devdax = s.dax_devices[1];
    EXPECT_EQ(devdax.name, "dax1.0");
    EXPECT_EQ(devdax.parent_kind, DaxParentKind::Nd);
    EXPECT_EQ(devdax.driver, "device_dax");
    EXPECT_EQ(devdax.target_node, 2);
    EXPECT_EQ(devdax.size, 250 * MiB);
    ASSERT_EQ(devdax.mappings.size(), 1u);
    EXPECT_EQ(devdax.mappings[0].start, 0x150600000u);

    EXPECT_EQ(s.memory.block_size, 128 * MiB);
    EXPECT_EQ(s.memory.auto_online_blocks, "offline");
    ASSERT_EQ(s.memory.blocks.size(), 24u);
    int kmem_blocks = 0;
    for (const srmd::MemoryBlock& block : s.memory.blocks) {
        bool in_hmem = block.id >= 32 && block.id <= 39;
        EXPECT_EQ(block.dax, in_hmem ? 0 : -1) << "memory" << block.id;
        EXPECT_EQ(block.node, in_hmem ? 1 : 0) << "memory" << block.id;
        EXPECT_EQ(block.state, "online") << "memory" << block.id;
        if (in_hmem) {
            EXPECT_EQ(block.valid_zones, "Movable");
            ++kmem_blocks;
        }
    }
    EXPECT_EQ(kmem_blocks, 8);
    EXPECT_TRUE(std::is_sorted(
        s.memory.blocks.begin(), s.memory.blocks.end(),
        [](const srmd::MemoryBlock& a, const srmd::MemoryBlock& b) { return a.id < b.id; }));

    ASSERT_EQ(s.nodes.size(), 2u);
    EXPECT_TRUE(s.nodes[0].has_cpu);
    EXPECT_TRUE(s.nodes[0].has_memory);
    EXPECT_FALSE(s.nodes[1].has_cpu);
    EXPECT_TRUE(s.nodes[1].has_memory);
    ASSERT_TRUE(s.nodes[1].access0.has_value());
    EXPECT_EQ(s.nodes[1].access0->read_latency, 30u);
    EXPECT_EQ(s.nodes[1].access0->write_latency, 30u);
    EXPECT_EQ(s.nodes[1].access0->read_bandwidth, 5120u);
    EXPECT_EQ(s.nodes[1].access0->initiators, std::vector<int>{0});
    EXPECT_FALSE(s.nodes[1].memory_tier.has_value());

    EXPECT_EQ(s.dax_device("dax0.0"), &s.dax_devices[0]);
    EXPECT_EQ(s.region("region1"), &s.regions[0]);
    EXPECT_EQ(s.hmem_device("hmem.1"), nullptr);
}

// Seen in the VM lane: between `cxl disable-region` and `cxl destroy-region`, a 6.1 pmem region
// has neither a mode file nor its pmem_regionZ child; its endpoint decoder still says pmem.
TEST(Snapshot, ADisabledPmemRegionOf61TakesItsModeFromItsEndpointDecoder) {
    TreeCopy tree(fixture("kernel-6.1/cxl-pmem-region"));
    std::string root0 = tree.path() + "/sys/devices/platform/ACPI0017:00/root0";
    std::string region = root0 + "/decoder0.0/region0";
    std::filesystem::remove_all(region + "/pmem_region0");
    std::filesystem::remove(region + "/driver");

    Snapshot s = srmd::read_snapshot(RootReader(tree.path()));
    ASSERT_EQ(s.regions.size(), 1u);
    EXPECT_FALSE(s.regions[0].enabled);
    EXPECT_EQ(s.regions[0].mode, "pmem");

    // Without the decoder's word, nothing tells the mode.
    std::filesystem::remove(root0 + "/port1/endpoint2/decoder2.0/mode");
    EXPECT_EQ(srmd::read_snapshot(RootReader(tree.path())).regions[0].mode, "");
}
TEST(Snapshot, HmemDevdaxHasNoKmemBlocks) {
    Snapshot s = read_fixture("kernel-6.1/hmem-devdax");
    ASSERT_EQ(s.dax_devices.size(), 1u);
    EXPECT_EQ(s.dax_devices[0].driver, "device_dax");
    EXPECT_EQ(s.dax_devices[0].parent_kind, DaxParentKind::Hmem);
    EXPECT_EQ(s.hmem[0].start, 0x40000000u);
    EXPECT_EQ(s.hmem[0].size, 512 * MiB);
    for (const srmd::MemoryBlock& block : s.memory.blocks)
        EXPECT_EQ(block.dax, -1) << "memory" << block.id;
    EXPECT_TRUE(s.windows.empty());
    EXPECT_TRUE(s.regions.empty());
}

TEST(Snapshot, NormalZoneAboveFourGiB) {
    Snapshot s = read_fixture("kernel-6.1/hmem-high-kmem-normal");
    int kmem_blocks = 0;
    for (const srmd::MemoryBlock& block : s.memory.blocks) {
        if (block.dax != 0)
            continue;
        ++kmem_blocks;
        EXPECT_EQ(block.valid_zones, "Normal");
        EXPECT_EQ(block.state, "online");
    }
    EXPECT_EQ(kmem_blocks, 4);
}

TEST(Snapshot, CxlWithoutRegion) {
    Snapshot s = read_fixture("kernel-6.1/cxl-no-region");
    ASSERT_EQ(s.windows.size(), 1u);
    EXPECT_EQ(s.windows[0].start, 0x110000000u);
    EXPECT_TRUE(s.regions.empty());
    EXPECT_TRUE(s.dax_devices.empty());
    EXPECT_TRUE(s.hmem.empty());
    ASSERT_EQ(s.memdevs.size(), 1u);
}

TEST(Snapshot, MissingOptionalFilesAreTolerated) {
    TreeCopy tree(fixture("kernel-6.1/both"));
    namespace fs = std::filesystem;
    fs::remove(tree.path() + "/sys/devices/system/memory/auto_online_blocks");
    fs::remove_all(tree.path() + "/sys/devices/system/node/node1/access0");
    fs::remove(tree.path() + "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/locked");
    fs::remove(tree.path() + "/sys/devices/platform/hmem.0/dax0.0/align");
    fs::remove(tree.path() + "/proc/modules");

    Snapshot s = srmd::read_snapshot(RootReader(tree.path()));
    EXPECT_EQ(s.memory.auto_online_blocks, "");
    EXPECT_FALSE(s.nodes[1].access0.has_value());
    EXPECT_TRUE(s.nodes[1].access1.has_value());
    EXPECT_FALSE(s.windows[0].locked);
    EXPECT_EQ(s.dax_devices[0].align, 0u);
    EXPECT_TRUE(s.modules.empty());
}

TEST(Snapshot, MalformedAttributeNamesItsPath) {
    TreeCopy tree(fixture("kernel-6.1/both"));
    std::string size = tree.path() + "/sys/devices/platform/hmem.0/dax0.0/size";
    write_file(size, "lots\n");
    try {
        srmd::read_snapshot(RootReader(tree.path()));
        FAIL() << "a malformed size was accepted";
    } catch (const SystemError& error) {
        EXPECT_EQ(error.path(), size);
        EXPECT_NE(std::string(error.what()).find("lots"), std::string::npos) << error.what();
    }
}

TEST(Snapshot, MissingIomemIsAnErrorWithErrno) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    std::filesystem::remove(tree.path() + "/proc/iomem");
    try {
        srmd::read_snapshot(RootReader(tree.path()));
        FAIL() << "a tree without /proc/iomem was accepted";
    } catch (const SystemError& error) {
        EXPECT_EQ(error.path(), tree.path() + "/proc/iomem");
        EXPECT_EQ(error.error_number(), ENOENT);
    }
}

TEST(Snapshot, IomemWithoutAddressesIsRefused) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    write_file(tree.path() + "/proc/iomem",
               "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"
               "00000000-00000000 : hmem.0\n  00000000-00000000 : Soft Reserved\n");
    EXPECT_THROW(srmd::read_snapshot(RootReader(tree.path())), SystemError);
}

// --- memory blocks written halfway (fault 5): a simulator killed in the middle of a step left
// these; a later srmd must still read the machine, and say which block is wrong, on its range.

const std::string kBlocks = "/sys/devices/system/memory/";

// The one range of hmem-kmem-movable (dax0.0, memory8 to memory11 online Movable) and the
// incomplete blocks of a snapshot.
struct TornRead {
    Snapshot snapshot;
    srmd::Range range;
    std::map<std::uint64_t, std::string> incomplete;
};

TornRead read_torn(const std::string& root) {
    TornRead read;
    read.snapshot = srmd::read_snapshot(RootReader(root));
    std::vector<srmd::Range> ranges = srmd::compute_ranges(read.snapshot);
    EXPECT_EQ(ranges.size(), 1u);
    if (!ranges.empty())
        read.range = ranges[0];
    for (const srmd::MemoryBlock& block : read.snapshot.memory.blocks)
        if (!block.incomplete.empty())
            read.incomplete[block.id] = block.incomplete;
    return read;
}

const srmd::Problem* problem(const srmd::Range& range, const std::string& code) {
    for (const srmd::Problem& p : range.problems)
        if (p.code == code)
            return &p;
    return nullptr;
}

TEST(SnapshotTorn, ABlockWithoutItsStateIsAProblemOnItsRangeNotAFailedRead) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    std::filesystem::remove(tree.path() + kBlocks + "memory9/state");
    TornRead read = read_torn(tree.path());
    EXPECT_EQ(read.incomplete,
              (std::map<std::uint64_t, std::string>{{9, "memory9 has no state file"}}));
    const srmd::Problem* p = problem(read.range, "memory-block-incomplete");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->message,
              "a memory block of dax0.0 could not be read whole (memory9 has no state file): srmd "
              "cannot tell whether that memory is online, nor in which zone");
    EXPECT_EQ(read.range.status, srmd::RangeStatus::Conflict);
    EXPECT_EQ(read.range.dax.at(0).memory.blocks, 4);
    EXPECT_EQ(read.range.dax.at(0).memory.online, 3);
    EXPECT_EQ(read.range.dax.at(0).memory.zone, srmd::Zone::Movable);
}

TEST(SnapshotTorn, AnEmptyBlockDirectoryIsAProblem) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    std::filesystem::remove_all(tree.path() + kBlocks + "memory10");
    std::filesystem::create_directory(tree.path() + kBlocks + "memory10");
    TornRead read = read_torn(tree.path());
    EXPECT_EQ(read.incomplete,
              (std::map<std::uint64_t, std::string>{{10, "memory10 has no state file"}}));
    EXPECT_NE(problem(read.range, "memory-block-incomplete"), nullptr);
}

TEST(SnapshotTorn, OnlineWithTheZonesOfAnOfflineBlockIsNotReadAsMixed) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    // state went online, valid_zones still lists the offline block's candidates.
    write_file(tree.path() + kBlocks + "memory11/valid_zones", "DMA32 Movable\n");
    TornRead read = read_torn(tree.path());
    EXPECT_EQ(read.incomplete,
              (std::map<std::uint64_t, std::string>{
                  {11,
                   "memory11 is online but its valid_zones lists the zones of an offline "
                   "block ('DMA32 Movable')"}}));
    EXPECT_EQ(read.range.dax.at(0).memory.zone, srmd::Zone::Movable);
    EXPECT_NE(problem(read.range, "memory-block-incomplete"), nullptr);
}

TEST(SnapshotTorn, AStateWithoutValidZonesIsAProblem) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    std::filesystem::remove(tree.path() + kBlocks + "memory8/valid_zones");
    std::filesystem::remove(tree.path() + kBlocks + "memory9/valid_zones");
    TornRead read = read_torn(tree.path());
    EXPECT_EQ(read.incomplete.size(), 2u);
    EXPECT_EQ(read.incomplete[8], "memory8 has a state ('online') but no valid_zones file");
    const srmd::Problem* p = problem(read.range, "memory-block-incomplete");
    ASSERT_NE(p, nullptr);
    EXPECT_NE(p->message.find("memory blocks of dax0.0 could not be read whole (memory8 has"),
              std::string::npos)
        << p->message;
}

// Fault 1 and 5 together: a memoryN that is a link out of the tree is neither read nor fatal.
TEST(SnapshotTorn, ABlockLinkedOutOfTheTreeIsAProblemAndItsTargetIsNotRead) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    srmd::test::TempDir host;
    std::filesystem::rename(tree.path() + kBlocks + "memory8", host.path() + "/memory8");
    write_file(host.path() + "/memory8/valid_zones", "Normal\n");
    std::filesystem::create_symlink(host.path() + "/memory8", tree.path() + kBlocks + "memory8");
    TornRead read = read_torn(tree.path());
    EXPECT_EQ(read.incomplete,
              (std::map<std::uint64_t, std::string>{
                  {8, "memory8 is a symlink that leads to no memory block in the tree"}}));
    // The host directory's "Normal" would have made the zone mixed.
    EXPECT_EQ(read.range.dax.at(0).memory.zone, srmd::Zone::Movable);
    EXPECT_EQ(read.range.dax.at(0).memory.online, 3);
}

TEST(RootReader, ResolvesLinksInsideTheTree) {
    RootReader reader(fixture("kernel-6.1/both"));
    EXPECT_EQ(reader.canonical("/sys/bus/dax/devices/dax0.0"),
              "/sys/devices/platform/hmem.0/dax0.0");
    EXPECT_EQ(reader.canonical("/sys/bus/dax/devices/dax0.0/../dax_region"),
              "/sys/devices/platform/hmem.0/dax_region");
    EXPECT_EQ(reader.link_name("/sys/bus/dax/devices/dax0.0/driver"), "kmem");
    EXPECT_EQ(reader.link_name("/sys/bus/dax/devices/dax0.0/size"), std::nullopt);
    EXPECT_EQ(reader.kind("/sys/bus/dax/devices/dax0.0"), RootReader::Kind::Symlink);
    EXPECT_EQ(reader.kind("/sys/devices/platform/hmem.0"), RootReader::Kind::Directory);
    EXPECT_EQ(reader.kind("/sys/nonexistent"), RootReader::Kind::Missing);
    EXPECT_TRUE(reader.is_dir("/sys/bus/dax/devices/dax0.0"));
    EXPECT_FALSE(reader.exists("/sys/bus/dax/devices/dax0.0/module"));
    EXPECT_THROW(reader.canonical("/sys/bus/dax/devices/dax9.9"), SystemError);
}

TEST(RootReader, AbsoluteLinksStayBelowTheRoot) {
    srmd::test::TempDir dir;
    namespace fs = std::filesystem;
    fs::create_directories(dir.path() + "/sys/devices/x");
    write_file(dir.path() + "/sys/devices/x/value", "42\n");
    fs::create_directories(dir.path() + "/sys/bus");
    fs::create_symlink("/sys/devices/x", dir.path() + "/sys/bus/x");
    RootReader reader(dir.path());
    EXPECT_EQ(reader.canonical("/sys/bus/x/value"), "/sys/devices/x/value");
    EXPECT_EQ(reader.read_attr(reader.canonical("/sys/bus/x/value")), "42");
}

TEST(RootReader, ListsSortedAndCounts) {
    RootReader reader(fixture("kernel-6.1/both"));
    reader.reset_counters();
    std::vector<std::string> names = reader.list("/sys/bus/dax/devices");
    EXPECT_EQ(names, (std::vector<std::string>{"dax0.0", "dax1.0"}));
    EXPECT_EQ(reader.read_attr("/sys/devices/system/memory/block_size_bytes"), "8000000");
    EXPECT_EQ(reader.read_attr_optional("/sys/devices/system/memory/nope"), std::nullopt);
    EXPECT_TRUE(reader.list_optional("/sys/bus/nope").empty());
    EXPECT_EQ(reader.files_opened(), 1u);
    EXPECT_EQ(reader.dirs_listed(), 1u);
}
