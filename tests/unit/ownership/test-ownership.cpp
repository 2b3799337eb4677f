// compute_ranges on machines built in code, one per case of kernel-interfaces.md §4 and §5. Every
// test compares the whole Range list, every field, through one text rendering.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "read/iomem.hpp"
#include "read/snapshot.hpp"

namespace srmd {
namespace {

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

std::string hex_of(std::uint64_t value) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

// Every field of every Range, one line per claimant, dax device and problem.
std::string render(const std::vector<Range>& ranges) {
    std::string out;
    for (const Range& r : ranges) {
        out += r.id + " " + hex_of(r.start) + "+" + hex_of(r.size) +
               " window=" + (r.window ? *r.window : "-") +
               " soft_reserved=" + (r.soft_reserved ? "yes" : "no") + "\n";
        for (const Claimant& c : r.claimants)
            out += std::string("  claimant ") + to_string(c.kind) + " " + c.device + " " +
                   hex_of(c.start) + "+" + hex_of(c.size) +
                   " committed=" + (c.committed ? "yes" : "no") +
                   " full=" + (c.full ? "yes" : "no") + "\n";
        out += std::string("  kernel_owner=") + to_string(r.kernel_owner) +
               " owner=" + to_string(r.owner) + " mode=" + to_string(r.mode) +
               " status=" + to_string(r.status) + "\n";
        for (const RangeDax& d : r.dax)
            out += "  dax " + d.device + " driver=" + (d.driver.empty() ? "-" : d.driver) +
                   " size=" + hex_of(d.size) + " node=" + std::to_string(d.target_node) +
                   " blocks=" + std::to_string(d.memory.blocks) +
                   " online=" + std::to_string(d.memory.online) +
                   " zone=" + (d.memory.zone ? to_string(*d.memory.zone) : "-") + "\n";
        for (const Problem& p : r.problems)
            out += std::string("  problem ") + to_string(p.severity) + " " + p.code + ": " +
                   p.message + "\n";
    }
    return out;
}

// A small machine builder: plain functions filling a Snapshot the way read_snapshot would.
CxlWindow window(std::string name, std::uint64_t start, std::uint64_t size) {
    CxlWindow w;
    w.name = std::move(name);
    w.start = start;
    w.size = size;
    w.cap_ram = true;
    return w;
}

// A region as the kernel shows it once assembled: committed regions are bound to cxl_region, and
// ram ones got their dax_regionZ bound to cxl_dax_region.
CxlRegion region(int id, std::string window_name, std::optional<std::uint64_t> start,
                 std::uint64_t size, std::string mode, bool committed) {
    CxlRegion r;
    r.name = "region" + std::to_string(id);
    r.window = std::move(window_name);
    r.start = start;
    r.size = size;
    r.mode = std::move(mode);
    r.committed = committed;
    r.enabled = committed;
    if (committed && r.mode == "ram") {
        r.dax_region = "dax_region" + std::to_string(id);
        r.dax_region_enabled = true;
    }
    return r;
}

HmemDevice hmem(int id, std::uint64_t start, std::uint64_t size) {
    HmemDevice h;
    h.name = "hmem." + std::to_string(id);
    h.id = id;
    h.driver = "hmem";
    h.start = start;
    h.size = size;
    h.has_dax_region = true;
    return h;
}

DaxRegion dax_region(int id, DaxParentKind kind, std::string parent,
                     std::vector<std::string> devices) {
    DaxRegion r;
    r.id = id;
    r.parent_kind = kind;
    r.parent = std::move(parent);
    r.devices = std::move(devices);
    return r;
}

DaxDevice dax(std::string name, DaxParentKind kind, std::string parent, std::uint64_t start,
              std::uint64_t size, std::string driver, int node) {
    DaxDevice d;
    d.name = std::move(name);
    d.parent_kind = kind;
    d.parent = std::move(parent);
    d.size = size;
    d.resource = start;
    d.mappings.push_back({start, start + size - 1, 0});
    d.driver = std::move(driver);
    d.target_node = node;
    d.align = 2 * MiB;
    return d;
}

// `count` memory blocks of the named dax device, starting at block `first` of the device.
void add_blocks(Snapshot& s, const std::string& dax_name, int first, int count,
                const std::string& state, const std::string& zones) {
    for (size_t i = 0; i < s.dax_devices.size(); ++i) {
        const DaxDevice& d = s.dax_devices[i];
        if (d.name != dax_name)
            continue;
        std::uint64_t base = d.mappings.at(0).start / s.memory.block_size;
        for (int n = first; n < first + count; ++n) {
            MemoryBlock block;
            block.id = base + n;
            block.state = state;
            block.valid_zones = zones;
            block.node = d.target_node;
            block.dax = static_cast<int>(i);
            s.memory.blocks.push_back(block);
        }
        return;
    }
    ADD_FAILURE() << "no dax device " << dax_name;
}

void iomem(Snapshot& s, const char* text) {
    s.iomem = parse_iomem(text, "test/proc/iomem");
}

void firmware_sr(Snapshot& s, std::uint64_t start, std::uint64_t size) {
    s.firmware_soft_reserved.push_back({start, start + size - 1, "Soft Reserved"});
}

const DaxParentKind Cxl = DaxParentKind::Cxl;
const DaxParentKind Hmem = DaxParentKind::Hmem;
const DaxParentKind Nd = DaxParentKind::Nd;

// The `both` capture: hmem onlined as movable kmem, the simplest healthy range.
TEST(Ownership, HmemKmemMovable) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s,
          "100000000-13fffffff : hmem.0\n"
          "  100000000-13fffffff : Soft Reserved\n"
          "    100000000-13fffffff : dax0.0\n"
          "      100000000-13fffffff : System RAM (kmem)\n");
    s.hmem.push_back(hmem(0, 0x100000000, 1 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x100000000, 1 * GiB, "kmem", 1));
    add_blocks(s, "dax0.0", 0, 8, "online", "Movable");

    EXPECT_EQ(render(compute_ranges(s)),
              "r100000000 0x100000000+0x40000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.0 0x100000000+0x40000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
              "  dax dax0.0 driver=kmem size=0x40000000 node=1 blocks=8 online=8 zone=movable\n");
}

// 7.1 inserts no Soft Reserved for what CXL claims: the region alone makes the Range.
TEST(Ownership, CxlRamRegionWithoutSoftReserved) {
    Snapshot s;
    s.memory.block_size = 256 * MiB;
    s.windows.push_back(window("decoder0.0", 0x2070000000, 256 * GiB));
    s.regions.push_back(region(0, "decoder0.0", 0x2070000000, 256 * GiB, "ram", true));
    s.dax_regions.push_back(dax_region(0, Cxl, "region0", {"dax0.0"}));
    s.dax_devices.push_back(dax("dax0.0", Cxl, "region0", 0x2070000000, 256 * GiB, "kmem", 2));
    add_blocks(s, "dax0.0", 0, 1024, "online", "Movable");

    EXPECT_EQ(
        render(compute_ranges(s)),
        "r2070000000 0x2070000000+0x4000000000 window=decoder0.0 soft_reserved=no\n"
        "  claimant cxl region0 0x2070000000+0x4000000000 committed=yes full=yes\n"
        "  kernel_owner=cxl owner=cxl mode=system-ram status=ok\n"
        "  dax dax0.0 driver=kmem size=0x4000000000 node=2 blocks=1024 online=1024 zone=movable\n");
}

// §5(a), TW-DEC: firmware merged one Soft Reserved span over two windows; it is one Range per
// window, each held by the region that fills it.
TEST(Ownership, SoftReservedAcrossTwoWindowsSplits) {
    Snapshot s;
    s.memory.block_size = 256 * MiB;
    firmware_sr(s, 0x2070000000, 512 * GiB);
    s.windows.push_back(window("decoder0.0", 0x2070000000, 256 * GiB));
    s.windows.push_back(window("decoder0.1", 0x6070000000, 256 * GiB));
    s.regions.push_back(region(0, "decoder0.0", 0x2070000000, 256 * GiB, "ram", true));
    s.regions.push_back(region(1, "decoder0.1", 0x6070000000, 256 * GiB, "ram", true));
    s.dax_regions.push_back(dax_region(0, Cxl, "region0", {"dax0.0"}));
    s.dax_regions.push_back(dax_region(1, Cxl, "region1", {"dax1.0"}));
    s.dax_devices.push_back(dax("dax0.0", Cxl, "region0", 0x2070000000, 256 * GiB, "kmem", 2));
    s.dax_devices.push_back(
        dax("dax1.0", Cxl, "region1", 0x6070000000, 256 * GiB, "device_dax", 2));
    add_blocks(s, "dax0.0", 0, 1024, "offline", "Movable Normal");

    EXPECT_EQ(render(compute_ranges(s)),
              "r2070000000 0x2070000000+0x4000000000 window=decoder0.0 soft_reserved=yes\n"
              "  claimant cxl region0 0x2070000000+0x4000000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=cxl mode=system-ram status=ok\n"
              "  dax dax0.0 driver=kmem size=0x4000000000 node=2 blocks=1024 online=0 zone=-\n"
              "r6070000000 0x6070000000+0x4000000000 window=decoder0.1 soft_reserved=yes\n"
              "  claimant cxl region1 0x6070000000+0x4000000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=cxl mode=devdax status=ok\n"
              "  dax dax1.0 driver=device_dax size=0x4000000000 node=2 blocks=0 online=0 "
              "zone=-\n");
}

// A span crossing into and out of a window is cut at both window edges. The hmem device spanning
// all three pieces contains each of them, so it is a full claimant of every one.
TEST(Ownership, SplitAtBothWindowEdges) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    firmware_sr(s, 0x100000000, 8 * GiB);
    s.windows.push_back(window("decoder0.0", 0x200000000, 2 * GiB));
    s.hmem.push_back(hmem(0, 0x100000000, 8 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x100000000, 8 * GiB, "kmem", 1));
    add_blocks(s, "dax0.0", 0, 64, "online", "Movable");

    EXPECT_EQ(
        render(compute_ranges(s)),
        "r100000000 0x100000000+0x100000000 window=- soft_reserved=yes\n"
        "  claimant hmem hmem.0 0x100000000+0x200000000 committed=yes full=yes\n"
        "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
        "  dax dax0.0 driver=kmem size=0x200000000 node=1 blocks=64 online=64 zone=movable\n"
        "r200000000 0x200000000+0x80000000 window=decoder0.0 soft_reserved=yes\n"
        "  claimant hmem hmem.0 0x100000000+0x200000000 committed=yes full=yes\n"
        "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
        "  dax dax0.0 driver=kmem size=0x200000000 node=1 blocks=64 online=64 zone=movable\n"
        "  problem ok in-cxl-window-no-region: the range lies in CXL window decoder0.0 but "
        "no CXL region maps it\n"
        "r280000000 0x280000000+0x80000000 window=- soft_reserved=yes\n"
        "  claimant hmem hmem.0 0x100000000+0x200000000 committed=yes full=yes\n"
        "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
        "  dax dax0.0 driver=kmem size=0x200000000 node=1 blocks=64 online=64 zone=movable\n");
}

// Overlapping evidence is one Range; evidence that only touches is reported as it came.
TEST(Ownership, OverlappingEvidenceMergesTouchingStaysApart) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    firmware_sr(s, 0x100000000, 2 * GiB);
    iomem(s,
          "140000000-1bfffffff : Soft Reserved\n"
          "1c0000000-1ffffffff : Soft Reserved\n");

    EXPECT_EQ(render(compute_ranges(s)),
              "r100000000 0x100000000+0xc0000000 window=- soft_reserved=yes\n"
              "  kernel_owner=hmem owner=none mode=absent status=stranded\n"
              "  problem stranded no-dax-device: no dax device covers this 3 GiB range: nobody "
              "can use the memory\n"
              "r1c0000000 0x1c0000000+0x40000000 window=- soft_reserved=yes\n"
              "  kernel_owner=hmem owner=none mode=absent status=stranded\n"
              "  problem stranded no-dax-device: no dax device covers this 1 GiB range: nobody "
              "can use the memory\n");
}

// §5(c): the region never committed, so hmem took the range; that is a working machine, with a
// note saying why CXL does not hold it.
TEST(Ownership, RegionAssemblyFailure) {
    Snapshot s;
    s.memory.block_size = 256 * MiB;
    iomem(s,
          "850000000-284fffffff : Soft Reserved\n"
          "  850000000-284fffffff : CXL Window 0\n"
          "    850000000-284fffffff : region0\n"
          "      850000000-284fffffff : dax6.0\n"
          "        850000000-284fffffff : System RAM (kmem)\n");
    s.windows.push_back(window("decoder0.0", 0x850000000, 128 * GiB));
    s.regions.push_back(region(0, "decoder0.0", 0x850000000, 128 * GiB, "ram", false));
    s.hmem.push_back(hmem(6, 0x850000000, 128 * GiB));
    s.dax_regions.push_back(dax_region(6, Hmem, "hmem.6", {"dax6.0"}));
    s.dax_devices.push_back(dax("dax6.0", Hmem, "hmem.6", 0x850000000, 128 * GiB, "kmem", 1));
    add_blocks(s, "dax6.0", 0, 512, "online", "Movable");

    EXPECT_EQ(
        render(compute_ranges(s)),
        "r850000000 0x850000000+0x2000000000 window=decoder0.0 soft_reserved=yes\n"
        "  claimant hmem hmem.6 0x850000000+0x2000000000 committed=yes full=yes\n"
        "  claimant cxl region0 0x850000000+0x2000000000 committed=no full=yes\n"
        "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
        "  dax dax6.0 driver=kmem size=0x2000000000 node=1 blocks=512 online=512 zone=movable\n"
        "  problem ok region-not-committed: region0 (0x850000000, 128 GiB) exists but its "
        "decoders are not committed: region assembly did not finish, so the kernel leaves the "
        "range to hmem\n");
}

// §5(d2): a 4 GiB region inside a 5 GiB Soft Reserved range. hmem registered the whole range,
// CXL's dax region was refused, and kmem could not take the hmem device either.
TEST(Ownership, RegionSmallerThanRange) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s,
          "a90000000-bcfffffff : Soft Reserved\n"
          "  a90000000-bcfffffff : CXL Window 0\n"
          "    a90000000-b8fffffff : region0\n");
    s.windows.push_back(window("decoder0.0", 0xa90000000, 5 * GiB));
    CxlRegion r = region(0, "decoder0.0", 0xa90000000, 4 * GiB, "ram", true);
    r.dax_region_enabled = false;
    s.regions.push_back(r);
    s.hmem.push_back(hmem(7, 0xa90000000, 5 * GiB));
    s.dax_regions.push_back(dax_region(7, Hmem, "hmem.7", {"dax7.0"}));
    s.dax_devices.push_back(dax("dax7.0", Hmem, "hmem.7", 0xa90000000, 5 * GiB, "", 1));

    EXPECT_EQ(render(compute_ranges(s)),
              "ra90000000 0xa90000000+0x140000000 window=decoder0.0 soft_reserved=yes\n"
              "  claimant hmem hmem.7 0xa90000000+0x140000000 committed=yes full=yes\n"
              "  claimant cxl region0 0xa90000000+0x100000000 committed=yes full=no\n"
              "  kernel_owner=hmem owner=none mode=unbound status=conflict\n"
              "  dax dax7.0 driver=- size=0x140000000 node=1 blocks=0 online=0 zone=-\n"
              "  problem conflict dax-region-conflict: dax_region0 of region0 is not bound to "
              "cxl_dax_region while hmem.7 holds the range: the kernel allows one dax region "
              "per address range and refuses a second without saying so (\"dax_region "
              "resource conflict\"), so region0's 4 GiB cannot be used through CXL\n"
              "  problem partial-coverage region-smaller-than-range: region0 (0xa90000000, 4 GiB) "
              "covers 4 GiB of this 5 GiB range: the kernel leaves a range to CXL only when one "
              "region contains all of it, so it gives the whole range to hmem\n"
              "  problem stranded dax-unbound: dax7.0 (5 GiB) has no driver: the memory is "
              "neither system RAM (kmem) nor a devdax device\n");
}

// 6.x: the region committed and contains the range, but hmem registered it first and kmem took
// it. The 7.1 rule would give it to CXL.
TEST(Ownership, CxlAndHmemOnOldKernel) {
    Snapshot s;
    s.memory.block_size = 256 * MiB;
    iomem(s,
          "850000000-c4fffffff : CXL Window 0\n"
          "  850000000-c4fffffff : Soft Reserved\n"
          "    850000000-c4fffffff : region0\n"
          "      850000000-c4fffffff : dax1.0\n"
          "        850000000-c4fffffff : System RAM (kmem)\n");
    s.windows.push_back(window("decoder0.0", 0x850000000, 16 * GiB));
    CxlRegion r = region(0, "decoder0.0", 0x850000000, 16 * GiB, "ram", true);
    r.dax_region_enabled = false;
    s.regions.push_back(r);
    s.hmem.push_back(hmem(1, 0x850000000, 16 * GiB));
    s.dax_regions.push_back(dax_region(1, Hmem, "hmem.1", {"dax1.0"}));
    s.dax_devices.push_back(dax("dax1.0", Hmem, "hmem.1", 0x850000000, 16 * GiB, "kmem", 1));
    add_blocks(s, "dax1.0", 0, 64, "online", "Movable");

    EXPECT_EQ(render(compute_ranges(s)),
              "r850000000 0x850000000+0x400000000 window=decoder0.0 soft_reserved=yes\n"
              "  claimant hmem hmem.1 0x850000000+0x400000000 committed=yes full=yes\n"
              "  claimant cxl region0 0x850000000+0x400000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=hmem mode=system-ram status=conflict\n"
              "  dax dax1.0 driver=kmem size=0x400000000 node=1 blocks=64 online=64 zone=movable\n"
              "  problem conflict cxl-and-hmem: region0 (0x850000000, 16 GiB) is committed and "
              "contains this whole range, but hmem.1 (0x850000000, 16 GiB) holds it too: kernels "
              "before 7.1 do not coordinate the two drivers, so both claim the same memory\n"
              "  problem conflict dax-region-conflict: dax_region0 of region0 is not bound to "
              "cxl_dax_region while hmem.1 holds the range: the kernel allows one dax region "
              "per address range and refuses a second without saying so (\"dax_region "
              "resource conflict\"), so region0's 16 GiB cannot be used through CXL\n");
}

// Bound dax devices of both parents: whoever holds more bytes is named the owner, and the mode
// follows the bytes too (1 GiB kmem against 3 GiB devdax).
TEST(Ownership, TwoOwners) {
    Snapshot s;
    s.memory.block_size = 256 * MiB;
    iomem(s, "1000000000-10ffffffff : Soft Reserved\n");
    s.windows.push_back(window("decoder0.0", 0x1000000000, 4 * GiB));
    s.regions.push_back(region(0, "decoder0.0", 0x1000000000, 4 * GiB, "ram", true));
    s.dax_regions.push_back(dax_region(0, Cxl, "region0", {"dax0.0"}));
    s.hmem.push_back(hmem(1, 0x1000000000, 4 * GiB));
    s.dax_regions.push_back(dax_region(1, Hmem, "hmem.1", {"dax1.0"}));
    s.dax_devices.push_back(dax("dax0.0", Cxl, "region0", 0x1000000000, 1 * GiB, "kmem", 2));
    s.dax_devices.push_back(dax("dax1.0", Hmem, "hmem.1", 0x1040000000, 3 * GiB, "device_dax", 2));
    add_blocks(s, "dax0.0", 0, 4, "online", "Movable");

    EXPECT_EQ(render(compute_ranges(s)),
              "r1000000000 0x1000000000+0x100000000 window=decoder0.0 soft_reserved=yes\n"
              "  claimant hmem hmem.1 0x1000000000+0x100000000 committed=yes full=yes\n"
              "  claimant cxl region0 0x1000000000+0x100000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=hmem mode=devdax status=conflict\n"
              "  dax dax0.0 driver=kmem size=0x40000000 node=2 blocks=4 online=4 zone=movable\n"
              "  dax dax1.0 driver=device_dax size=0xc0000000 node=2 blocks=0 online=0 zone=-\n"
              "  problem conflict cxl-and-hmem: region0 (0x1000000000, 4 GiB) is committed and "
              "contains this whole range, but hmem.1 (0x1000000000, 4 GiB) holds it too: kernels "
              "before 7.1 do not coordinate the two drivers, so both claim the same memory\n"
              "  problem conflict two-owners: dax devices of both CXL and hmem are bound in this "
              "range: dax0.0 of region0 (1 GiB, kmem); dax1.0 of hmem.1 (3 GiB, device_dax); "
              "hmem holds more and is taken as the owner\n");
}

// hmem.N released from its driver (by an operator, or by srmd handing the range on): no dax
// region either, but nothing failed; the range is stranded until an owner takes it.
TEST(Ownership, UnboundHmemIsStrandedNotAConflict) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s, "100000000-13fffffff : Soft Reserved\n");
    HmemDevice h = hmem(3, 0x100000000, 1 * GiB);
    h.has_dax_region = false;
    h.driver = "";
    s.hmem.push_back(h);

    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].status, RangeStatus::Stranded);
    ASSERT_FALSE(ranges[0].problems.empty());
    EXPECT_EQ(ranges[0].problems[0].code, "hmem-unbound");
}

// hmem.N exists but its probe failed: no dax region, nothing can use the range.
TEST(Ownership, HmemWithoutDax) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s,
          "100000000-13fffffff : hmem.3\n"
          "  100000000-13fffffff : Soft Reserved\n");
    HmemDevice h = hmem(3, 0x100000000, 1 * GiB);
    h.has_dax_region = false;
    s.hmem.push_back(h);

    EXPECT_EQ(render(compute_ranges(s)),
              "r100000000 0x100000000+0x40000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.3 0x100000000+0x40000000 committed=no full=yes\n"
              "  kernel_owner=hmem owner=none mode=absent status=conflict\n"
              "  problem conflict hmem-without-dax: hmem.3 (0x100000000, 1 GiB) has no dax "
              "region: its probe failed, most likely because another dax region already covers "
              "these addresses\n"
              "  problem stranded no-dax-device: no dax device covers this 1 GiB range: nobody "
              "can use the memory\n");
}

// Both sides registered a dax region but neither has a device: hmem's registration is what
// blocks CXL's, and nobody can use the memory.
TEST(Ownership, EmptyDaxRegionsOnBothSides) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s,
          "100000000-13fffffff : CXL Window 0\n"
          "  100000000-13fffffff : hmem.2\n"
          "    100000000-13fffffff : Soft Reserved\n");
    s.windows.push_back(window("decoder0.0", 0x100000000, 1 * GiB));
    s.regions.push_back(region(0, "decoder0.0", 0x100000000, 1 * GiB, "ram", true));
    s.dax_regions.push_back(dax_region(0, Cxl, "region0", {}));
    s.hmem.push_back(hmem(2, 0x100000000, 1 * GiB));
    s.dax_regions.push_back(dax_region(2, Hmem, "hmem.2", {}));

    EXPECT_EQ(render(compute_ranges(s)),
              "r100000000 0x100000000+0x40000000 window=decoder0.0 soft_reserved=yes\n"
              "  claimant hmem hmem.2 0x100000000+0x40000000 committed=yes full=yes\n"
              "  claimant cxl region0 0x100000000+0x40000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=none mode=absent status=conflict\n"
              "  problem conflict cxl-and-hmem: region0 (0x100000000, 1 GiB) is committed and "
              "contains this whole range, but hmem.2 (0x100000000, 1 GiB) holds it too: kernels "
              "before 7.1 do not coordinate the two drivers, so both claim the same memory\n"
              "  problem conflict dax-region-conflict: dax_region0 of region0 has no dax device "
              "while hmem.2 holds the range: the kernel allows one dax region per address range "
              "and refuses a second without saying so (\"dax_region resource conflict\"), so "
              "region0's 1 GiB cannot be used through CXL\n"
              "  problem conflict hmem-without-dax: hmem.2 (0x100000000, 1 GiB) registered a dax "
              "region but has no dax device, so nothing can use its range\n"
              "  problem stranded no-dax-device: no dax device covers this 1 GiB range: nobody "
              "can use the memory\n");
}

// §5(b), V8 [2]: CXL_REGION=n, hmem holds a range inside a CXL window. Fine, with a note.
TEST(Ownership, HmemInCxlWindowWithoutRegion) {
    Snapshot s;
    s.memory.block_size = 256 * MiB;
    iomem(s,
          "850000000-284fffffff : CXL Window 0\n"
          "  850000000-284fffffff : Soft Reserved\n"
          "    850000000-284fffffff : dax0.0\n"
          "      850000000-284fffffff : System RAM (kmem)\n");
    s.windows.push_back(window("decoder0.0", 0x850000000, 128 * GiB));
    s.hmem.push_back(hmem(0, 0x850000000, 128 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x850000000, 128 * GiB, "kmem", 1));
    add_blocks(s, "dax0.0", 0, 512, "online", "Normal");

    EXPECT_EQ(
        render(compute_ranges(s)),
        "r850000000 0x850000000+0x2000000000 window=decoder0.0 soft_reserved=yes\n"
        "  claimant hmem hmem.0 0x850000000+0x2000000000 committed=yes full=yes\n"
        "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
        "  dax dax0.0 driver=kmem size=0x2000000000 node=1 blocks=512 online=512 zone=normal\n"
        "  problem ok in-cxl-window-no-region: the range lies in CXL window decoder0.0 but no CXL "
        "region maps it\n");
}

// GH#260: a dax device without a NUMA node stays unbound; kmem would refuse it.
TEST(Ownership, InvalidTargetNode) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s,
          "100000000-13fffffff : hmem.0\n"
          "  100000000-13fffffff : Soft Reserved\n"
          "    100000000-13fffffff : dax0.0\n");
    s.hmem.push_back(hmem(0, 0x100000000, 1 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x100000000, 1 * GiB, "", -1));

    EXPECT_EQ(render(compute_ranges(s)),
              "r100000000 0x100000000+0x40000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.0 0x100000000+0x40000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=none mode=unbound status=stranded\n"
              "  dax dax0.0 driver=- size=0x40000000 node=-1 blocks=0 online=0 zone=-\n"
              "  problem stranded dax-unbound: dax0.0 (1 GiB) has no driver: the memory is "
              "neither system RAM (kmem) nor a devdax device\n"
              "  problem stranded invalid-target-node: dax0.0 has target_node -1: kmem refuses a "
              "device without a valid NUMA node, so its 1 GiB cannot become system RAM\n");
}

// 2 GiB blocks: a 3 GiB range loses its last GiB; a range starting mid-block loses both ends.
TEST(Ownership, UnalignedRange) {
    Snapshot s;
    s.memory.block_size = 2 * GiB;
    iomem(s,
          "2080000000-213fffffff : hmem.0\n"
          "  2080000000-213fffffff : Soft Reserved\n");
    s.hmem.push_back(hmem(0, 0x2080000000, 3 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x2080000000, 3 * GiB, "kmem", 1));
    add_blocks(s, "dax0.0", 0, 1, "online", "Normal");
    firmware_sr(s, 0x3040000000, 4 * GiB);

    EXPECT_EQ(render(compute_ranges(s)),
              "r2080000000 0x2080000000+0xc0000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.0 0x2080000000+0xc0000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=hmem mode=system-ram status=unaligned\n"
              "  dax dax0.0 driver=kmem size=0xc0000000 node=1 blocks=1 online=1 zone=normal\n"
              "  problem unaligned unaligned-range: the range (0x2080000000, 3 GiB) is not "
              "aligned to the 2 GiB memory block size: kmem would trim 1 GiB of it\n"
              "r3040000000 0x3040000000+0x100000000 window=- soft_reserved=yes\n"
              "  kernel_owner=hmem owner=none mode=absent status=stranded\n"
              "  problem stranded no-dax-device: no dax device covers this 4 GiB range: nobody "
              "can use the memory\n"
              "  problem unaligned unaligned-range: the range (0x3040000000, 4 GiB) is not "
              "aligned to the 2 GiB memory block size: kmem would trim 2 GiB of it\n");
}

// GH#243: a 256 MiB devdax device on a 2 GiB block machine can never become system RAM.
TEST(Ownership, DaxDeviceSmallerThanBlock) {
    Snapshot s;
    s.memory.block_size = 2 * GiB;
    firmware_sr(s, 0x2080000000, 8 * GiB);
    s.hmem.push_back(hmem(0, 0x2080000000, 8 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0", "dax0.1"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x2080000000, 4 * GiB, "kmem", 1));
    s.dax_devices.push_back(
        dax("dax0.1", Hmem, "hmem.0", 0x2180000000, 256 * MiB, "device_dax", 1));
    add_blocks(s, "dax0.0", 0, 2, "online", "Movable");

    EXPECT_EQ(render(compute_ranges(s)),
              "r2080000000 0x2080000000+0x200000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.0 0x2080000000+0x200000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=hmem mode=system-ram status=unaligned\n"
              "  dax dax0.0 driver=kmem size=0x100000000 node=1 blocks=2 online=2 zone=movable\n"
              "  dax dax0.1 driver=device_dax size=0x10000000 node=1 blocks=0 online=0 zone=-\n"
              "  problem unaligned smaller-than-block: dax0.1 (256 MiB) holds no whole 2 GiB "
              "memory block: kmem would reject it\n");
}

// An admin's split of one hmem region into kmem and devdax parts is legitimate. Zones: blocks of
// two kinds, or a block straddling zones ("none"), are mixed; offline blocks do not count.
TEST(Ownership, SplitsAndZones) {
    Snapshot s;
    s.memory.block_size = 2 * GiB;
    firmware_sr(s, 0x2000000000, 8 * GiB);
    firmware_sr(s, 0x3000000000, 4 * GiB);
    firmware_sr(s, 0x4000000000, 8 * GiB);
    s.hmem.push_back(hmem(0, 0x2000000000, 8 * GiB));
    s.hmem.push_back(hmem(1, 0x3000000000, 4 * GiB));
    s.hmem.push_back(hmem(2, 0x4000000000, 8 * GiB));
    s.dax_regions.push_back(dax_region(0, Hmem, "hmem.0", {"dax0.0", "dax0.1"}));
    s.dax_regions.push_back(dax_region(1, Hmem, "hmem.1", {"dax1.0"}));
    s.dax_regions.push_back(dax_region(2, Hmem, "hmem.2", {"dax2.0", "dax2.1"}));
    s.dax_devices.push_back(dax("dax0.0", Hmem, "hmem.0", 0x2000000000, 4 * GiB, "kmem", 1));
    s.dax_devices.push_back(dax("dax0.1", Hmem, "hmem.0", 0x2100000000, 4 * GiB, "device_dax", 1));
    s.dax_devices.push_back(dax("dax1.0", Hmem, "hmem.1", 0x3000000000, 4 * GiB, "kmem", 1));
    s.dax_devices.push_back(dax("dax2.0", Hmem, "hmem.2", 0x4000000000, 2 * GiB, "kmem", 1));
    s.dax_devices.push_back(dax("dax2.1", Hmem, "hmem.2", 0x4080000000, 6 * GiB, "device_dax", 1));
    add_blocks(s, "dax0.0", 0, 1, "online", "Movable");
    add_blocks(s, "dax0.0", 1, 1, "online", "Normal");
    add_blocks(s, "dax1.0", 0, 1, "online", "none");
    add_blocks(s, "dax1.0", 1, 1, "offline", "Movable Normal");
    add_blocks(s, "dax2.0", 0, 1, "online", "Normal");

    EXPECT_EQ(render(compute_ranges(s)),
              "r2000000000 0x2000000000+0x200000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.0 0x2000000000+0x200000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
              "  dax dax0.0 driver=kmem size=0x100000000 node=1 blocks=2 online=2 zone=mixed\n"
              "  dax dax0.1 driver=device_dax size=0x100000000 node=1 blocks=0 online=0 zone=-\n"
              "r3000000000 0x3000000000+0x100000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.1 0x3000000000+0x100000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=hmem mode=system-ram status=ok\n"
              "  dax dax1.0 driver=kmem size=0x100000000 node=1 blocks=2 online=1 zone=mixed\n"
              "r4000000000 0x4000000000+0x200000000 window=- soft_reserved=yes\n"
              "  claimant hmem hmem.2 0x4000000000+0x200000000 committed=yes full=yes\n"
              "  kernel_owner=hmem owner=hmem mode=devdax status=ok\n"
              "  dax dax2.0 driver=kmem size=0x80000000 node=1 blocks=1 online=1 zone=normal\n"
              "  dax dax2.1 driver=device_dax size=0x180000000 node=1 blocks=0 online=0 "
              "zone=-\n");
}

// A pmem namespace's devdax device inside Soft Reserved memory is nobody's ownership claim: the
// owner stays none, and with nothing wrong otherwise that difference is a note.
TEST(Ownership, PmemNamespaceDaxIsNotAnOwner) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    firmware_sr(s, 0x150000000, 256 * MiB);
    s.windows.push_back(window("decoder0.0", 0x150000000, 4 * GiB));
    s.regions.push_back(region(1, "decoder0.0", 0x150000000, 256 * MiB, "pmem", true));
    s.dax_regions.push_back(dax_region(1, Nd, "region1", {"dax1.0"}));
    s.dax_devices.push_back(dax("dax1.0", Nd, "region1", 0x150600000, 250 * MiB, "device_dax", 2));

    EXPECT_EQ(render(compute_ranges(s)),
              "r150000000 0x150000000+0x10000000 window=decoder0.0 soft_reserved=yes\n"
              "  claimant cxl region1 0x150000000+0x10000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=none mode=devdax status=ok\n"
              "  dax dax1.0 driver=device_dax size=0xfa00000 node=2 blocks=0 online=0 zone=-\n"
              "  problem ok owner-differs-from-kernel-rule: no CXL or hmem dax device is bound in "
              "the range, but the kernel's ownership rule (7.1) gives it to cxl\n");
}

// Which regions make Ranges: ram and unknown-mode ones with an address do; pmem ones and those
// without an address do not. With the block size unknown nothing is said about alignment.
TEST(Ownership, RegionModesAndUnknownBlockSize) {
    Snapshot s;
    s.memory.block_size = 0;
    firmware_sr(s, 0x4010000, 1 * MiB);
    s.windows.push_back(window("decoder0.0", 0x1000000000, 64 * GiB));
    CxlRegion r0 = region(0, "decoder0.0", 0x1000000000, 1 * GiB, "ram", true);
    s.regions.push_back(r0);
    s.regions.push_back(region(1, "decoder0.0", 0x1040000000, 1 * GiB, "pmem", true));
    s.regions.push_back(region(2, "decoder0.0", 0x1080000000, 1 * GiB, "", false));
    s.regions.push_back(region(3, "decoder0.0", std::nullopt, 0, "ram", false));
    s.dax_regions.push_back(dax_region(0, Cxl, "region0", {}));

    EXPECT_EQ(render(compute_ranges(s)),
              "r4010000 0x4010000+0x100000 window=- soft_reserved=yes\n"
              "  kernel_owner=hmem owner=none mode=absent status=stranded\n"
              "  problem stranded no-dax-device: no dax device covers this 1 MiB range: nobody "
              "can use the memory\n"
              "r1000000000 0x1000000000+0x40000000 window=decoder0.0 soft_reserved=no\n"
              "  claimant cxl region0 0x1000000000+0x40000000 committed=yes full=yes\n"
              "  kernel_owner=cxl owner=none mode=absent status=stranded\n"
              "  problem stranded no-dax-device: no dax device covers this 1 GiB range: nobody "
              "can use the memory\n"
              "r1080000000 0x1080000000+0x40000000 window=decoder0.0 soft_reserved=no\n"
              "  claimant cxl region2 0x1080000000+0x40000000 committed=no full=yes\n"
              "  kernel_owner=none owner=none mode=absent status=stranded\n"
              "  problem stranded no-dax-device: no dax device covers this 1 GiB range: nobody "
              "can use the memory\n"
              "  problem ok region-not-committed: region2 (0x1080000000, 1 GiB) exists but its "
              "decoders are not committed: region assembly did not finish, so it decodes "
              "nothing\n");
}

TEST(Ownership, NoEvidenceNoRanges) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    iomem(s,
          "110000000-20fffffff : CXL Window 0\n"
          "  110000000-11fffffff : Persistent Memory\n"
          "    110000000-11fffffff : region0\n");
    s.windows.push_back(window("decoder0.0", 0x110000000, 4 * GiB));
    s.regions.push_back(region(0, "decoder0.0", 0x110000000, 256 * MiB, "pmem", true));
    EXPECT_EQ(render(compute_ranges(s)), "");
}

// A large machine's worth of blocks lands on the right devices: 64 regions of 64 GiB in 16
// windows, 32768 blocks of 128 MiB.
TEST(Ownership, ManyRegionsAndBlocks) {
    Snapshot s;
    s.memory.block_size = 128 * MiB;
    const std::uint64_t base = 0x10000000000;
    for (int w = 0; w < 16; ++w)
        s.windows.push_back(
            window("decoder0." + std::to_string(w), base + w * 256 * GiB, 256 * GiB));
    for (int i = 0; i < 64; ++i) {
        std::uint64_t start = base + i * 64 * GiB;
        std::string name = "region" + std::to_string(i);
        s.regions.push_back(
            region(i, "decoder0." + std::to_string(i / 4), start, 64 * GiB, "ram", true));
        s.dax_regions.push_back(dax_region(i, Cxl, name, {"dax" + std::to_string(i) + ".0"}));
        s.dax_devices.push_back(
            dax("dax" + std::to_string(i) + ".0", Cxl, name, start, 64 * GiB, "kmem", 1 + i / 4));
    }
    for (int i = 0; i < 64; ++i) {
        std::string name = "dax" + std::to_string(i) + ".0";
        add_blocks(s, name, 0, 384, "online", "Movable");
        add_blocks(s, name, 384, 128, "offline", "Movable");
    }
    ASSERT_EQ(s.memory.blocks.size(), 32768u);

    std::vector<Range> ranges = compute_ranges(s);
    std::string expected;
    for (int i = 0; i < 64; ++i) {
        std::uint64_t start = base + i * 64 * GiB;
        std::string n = std::to_string(i);
        expected += "r" + hex_of(start).substr(2) + " " + hex_of(start) +
                    "+0x1000000000 window=" + "decoder0." + std::to_string(i / 4) +
                    " soft_reserved=no\n" + "  claimant cxl region" + n + " " + hex_of(start) +
                    "+0x1000000000 committed=yes full=yes\n" +
                    "  kernel_owner=cxl owner=cxl mode=system-ram status=ok\n" + "  dax dax" + n +
                    ".0 driver=kmem size=0x1000000000 node=" + std::to_string(1 + i / 4) +
                    " blocks=512 online=384 zone=movable\n";
    }
    EXPECT_EQ(render(ranges), expected);
}

TEST(Ownership, Names) {
    EXPECT_STREQ(to_string(Owner::Cxl), "cxl");
    EXPECT_STREQ(to_string(Owner::Hmem), "hmem");
    EXPECT_STREQ(to_string(Owner::None), "none");
    EXPECT_STREQ(to_string(RangeMode::SystemRam), "system-ram");
    EXPECT_STREQ(to_string(RangeMode::Devdax), "devdax");
    EXPECT_STREQ(to_string(RangeMode::Unbound), "unbound");
    EXPECT_STREQ(to_string(RangeMode::Absent), "absent");
    EXPECT_STREQ(to_string(Zone::Movable), "movable");
    EXPECT_STREQ(to_string(Zone::Normal), "normal");
    EXPECT_STREQ(to_string(Zone::Mixed), "mixed");
    EXPECT_STREQ(to_string(RangeStatus::Ok), "ok");
    EXPECT_STREQ(to_string(RangeStatus::Conflict), "conflict");
    EXPECT_STREQ(to_string(RangeStatus::Stranded), "stranded");
    EXPECT_STREQ(to_string(RangeStatus::PartialCoverage), "partial-coverage");
    EXPECT_STREQ(to_string(RangeStatus::Unaligned), "unaligned");
    EXPECT_STREQ(to_string(Claimant::Kind::Cxl), "cxl");
    EXPECT_STREQ(to_string(Claimant::Kind::Hmem), "hmem");
}

}  // namespace
}  // namespace srmd
