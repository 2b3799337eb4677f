// compute_ranges on machines with a Dynamic Capacity region (ownership-dc.cpp), built in code
// (dc-machine.hpp): the region is one Range of its own with its extents, the device holding each,
// its seed and release requests; it has none of an ordinary range's problems for being empty, and
// the notes dc-extent-unused and dc-release-pending.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dc-machine.hpp"
#include "ownership/ownership.hpp"
#include "read/snapshot.hpp"

namespace srmd {
namespace {

using namespace srmd::test::dc;

const Problem* find(const Range& range, const std::string& code) {
    for (const Problem& p : range.problems)
        if (p.code == code)
            return &p;
    return nullptr;
}

TEST(OwnershipDc, AnEmptyRegionIsOneQuietRange) {
    std::vector<Range> ranges = compute_ranges(machine());
    ASSERT_EQ(ranges.size(), 1u);
    const Range& r = ranges[0];
    EXPECT_EQ(r.start, kBase);
    EXPECT_EQ(r.size, kRegionSize);
    EXPECT_EQ(r.window, "decoder0.0");
    EXPECT_FALSE(r.soft_reserved);
    EXPECT_EQ(r.kernel_owner, Owner::Cxl);
    EXPECT_EQ(r.owner, Owner::Cxl);
    EXPECT_EQ(r.mode, RangeMode::Absent);
    EXPECT_TRUE(r.dax.empty());  // the seed holds nothing
    EXPECT_EQ(r.status, RangeStatus::Ok);
    EXPECT_TRUE(r.problems.empty()) << r.problems[0].code;
    ASSERT_TRUE(r.dc.has_value());
    EXPECT_EQ(r.dc->region, "region0");
    EXPECT_EQ(r.dc->dax_region, "dax_region0");
    EXPECT_EQ(r.dc->seed, "dax0.0");
    EXPECT_EQ(r.dc->available_size, 0u);
    EXPECT_TRUE(r.dc->extents.empty());
}

TEST(OwnershipDc, ExtentsByOffsetWithTheDeviceHoldingEach) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 2 * kGiB, 256 * kMiB);  // untagged, arrived first
    add_extent(s, "extent0.1", 0, kGiB, kTagA);
    add_extent(s, "extent0.2", kGiB, 512 * kMiB, kTagA);
    add_device(s, "dax0.1", kTagA, {"extent0.1", "extent0.2"}, "kmem");
    add_blocks(s, "dax0.1", "online", "Movable");
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    const Range& r = ranges[0];
    EXPECT_EQ(r.mode, RangeMode::SystemRam);
    ASSERT_EQ(r.dax.size(), 1u);
    EXPECT_EQ(r.dax[0].device, "dax0.1");
    EXPECT_EQ(r.dax[0].size, kGiB + 512 * kMiB);
    EXPECT_EQ(r.dax[0].memory.online, 12);
    EXPECT_EQ(r.dax[0].memory.zone, Zone::Movable);
    ASSERT_TRUE(r.dc);
    EXPECT_EQ(r.dc->available_size, 256 * kMiB);
    ASSERT_EQ(r.dc->extents.size(), 3u);
    EXPECT_EQ(r.dc->extents[0].name, "extent0.1");
    EXPECT_EQ(r.dc->extents[0].device, "dax0.1");
    EXPECT_EQ(r.dc->extents[0].tag, kTagA);
    EXPECT_EQ(r.dc->extents[1].name, "extent0.2");
    EXPECT_EQ(r.dc->extents[1].device, "dax0.1");
    EXPECT_EQ(r.dc->extents[2].name, "extent0.0");
    EXPECT_EQ(r.dc->extents[2].device, "");
    EXPECT_EQ(r.dc->extents[2].tag, "");
    EXPECT_FALSE(r.dc->extents[0].release_requested);

    EXPECT_EQ(r.status, RangeStatus::Ok);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, "dc-extent-unused");
    EXPECT_EQ(r.problems[0].severity, RangeStatus::Ok);
    EXPECT_EQ(r.problems[0].message,
              "the device added capacity to region0 that no dax device holds (untagged: "
              "extent0.0 (256 MiB)): it is not memory anyone can use until a dax device claims "
              "it");
}

TEST(OwnershipDc, UnusedExtentsAreCountedPerTag) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, kGiB, kTagA);
    add_extent(s, "extent0.2", 2 * kGiB, 512 * kMiB, kTagB);
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    const Problem* p = find(ranges[0], "dc-extent-unused");
    ASSERT_TRUE(p);
    EXPECT_NE(p->message.find(std::string("tag ") + kTagA + ": 2 extents, 2 GiB; tag " + kTagB +
                              ": 1 extent, 512 MiB"),
              std::string::npos)
        << p->message;
    EXPECT_EQ(ranges[0].mode, RangeMode::Absent);
    EXPECT_EQ(ranges[0].status, RangeStatus::Ok);
}

TEST(OwnershipDc, AReleaseTheHostCannotGrantYetIsANote) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, 256 * kMiB);
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "device_dax");
    add_release(s, 0, kGiB, kTagA, 1780000000000000);  // 2026-05-28 20:26:40 UTC
    add_release(s, kGiB, 256 * kMiB, "");              // unclaimed: the kernel grants it itself
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    const Range& r = ranges[0];
    ASSERT_TRUE(r.dc);
    ASSERT_EQ(r.dc->release_requests.size(), 2u);
    EXPECT_TRUE(r.dc->extents[0].release_requested);
    EXPECT_TRUE(r.dc->extents[1].release_requested);
    EXPECT_EQ(r.mode, RangeMode::Devdax);
    // An extent under a release request is not offered as unused capacity.
    EXPECT_FALSE(find(r, "dc-extent-unused"));
    const Problem* p = find(r, "dc-release-pending");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->severity, RangeStatus::Ok);
    EXPECT_EQ(p->message, std::string("the device asked for 1 GiB at offset 0x0 of region0 (tag ") +
                              kTagA +
                              ") back, since 2026-05-28 20:26:40 UTC, but dax0.1 still holds it: "
                              "the kernel ignores the request until no dax device uses the "
                              "extents, and the device must ask again after that");
    int pending = 0;
    for (const Problem& problem : r.problems)
        pending += problem.code == "dc-release-pending";
    EXPECT_EQ(pending, 1);
}

TEST(OwnershipDc, ADcRegionIsNotAlsoAnOrdinaryRange) {
    Snapshot s = machine();
    // Firmware marked more than the region Soft Reserved, and a ram region sits next to it.
    s.firmware_soft_reserved.push_back({kBase, kBase + 8 * kGiB - 1, "Soft Reserved"});
    CxlRegion ram = s.regions[0];
    ram.name = "region1";
    ram.start = kBase + 4 * kGiB;
    ram.size = 4 * kGiB;
    ram.mode = "ram";
    ram.dynamic = false;
    ram.dax_region = "dax_region1";
    s.regions.push_back(ram);
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 2u);
    EXPECT_EQ(ranges[0].start, kBase);
    EXPECT_EQ(ranges[0].size, kRegionSize);
    EXPECT_TRUE(ranges[0].dc.has_value());
    EXPECT_TRUE(ranges[0].problems.empty());
    EXPECT_EQ(ranges[1].start, kBase + 4 * kGiB);
    EXPECT_EQ(ranges[1].size, 4 * kGiB);
    EXPECT_FALSE(ranges[1].dc.has_value());
    ASSERT_EQ(ranges[1].claimants.size(), 1u);
    EXPECT_EQ(ranges[1].claimants[0].device, "region1");
    EXPECT_TRUE(find(ranges[1], "no-dax-device"));
}

}  // namespace
}  // namespace srmd
