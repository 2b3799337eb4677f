// The simulated kernel's Dynamic Capacity (EXPERIMENTAL, sim-kernel-dcd.cpp) and the simulated
// device (sim-dcd-device.hpp), on copies of the constructed dcd tree: region0 (4 GiB at
// 0x1050000000, mem0's DPA 0x80000000 on), its 0-size seed dax0.0, no capacity.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "read/dc-events.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-dcd-device.hpp"
#include "sim/sim-kernel.hpp"
#include "sim/sim-tree.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

using test::fixture;
using test::read_file;
using test::TreeCopy;

constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t kRegionStart = 0x1050000000;
const std::string kTag = "5be13bce-ae34-4a77-b6c3-16df975fcf1a";
const std::string kOtherTag = "0c2f8d2e-1111-4a77-b6c3-16df975fcf1a";
const std::string kDaxRegion =
    "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0";

Snapshot snap(const std::string& root) {
    return read_snapshot(RootReader(root));
}

const DaxDevice* device(const Snapshot& s, const std::string& name) {
    return s.dax_device(name);
}

std::uint64_t available(const Snapshot& s) {
    return s.dax_regions.at(0).available_size;
}

Step claim(const std::string& target, const std::string& tag) {
    Step s;
    s.action = Action::ClaimDcCapacity;
    s.target = target;
    s.dc_tag = tag;
    return s;
}

Step destroy(const std::string& target) {
    Step s;
    s.action = Action::DestroyDax;
    s.target = target;
    return s;
}

std::string uevents(const std::string& root) {
    return read_file(root + "/.sim-kernel/uevents");
}

// region0 with two extents tagged kTag (128 MiB at 256 MiB, 2 MiB at 512 MiB), one tagged
// kOtherTag (4 MiB at 1 GiB) and two untagged (2 MiB at 0 and at 2 MiB).
class SimDcd : public testing::Test {
  protected:
    void SetUp() override {
        add_dc_extents(tree.path(), "region0", {{0x10000000, 128 * MiB}, {0x20000000, 2 * MiB}},
                       kTag);
        add_dc_extents(tree.path(), "region0", {{0x40000000, 4 * MiB}}, kOtherTag);
        add_dc_extents(tree.path(), "region0", {{0, 2 * MiB}, {2 * MiB, 2 * MiB}}, "");
    }
    TreeCopy tree{fixture("constructed/dcd")};
    SimulatedKernel kernel{tree.path()};
};

TEST_F(SimDcd, AddedCapacityIsReadAndTraced) {
    Snapshot s = snap(tree.path());
    const CxlRegion& region = s.regions.at(0);
    ASSERT_EQ(region.extents.size(), 5u);
    EXPECT_EQ(region.extents[0].name, "extent0.0");
    EXPECT_EQ(region.extents[0].offset, 0x10000000u);
    EXPECT_EQ(region.extents[0].tag, kTag);
    EXPECT_EQ(region.extents[2].tag, kOtherTag);
    EXPECT_EQ(region.extents[3].tag, "");
    EXPECT_EQ(region.extents[4].offset, 2 * MiB);
    EXPECT_FALSE(std::filesystem::exists(tree.path() + kDaxRegion + "/extent0.3/uuid"));
    EXPECT_EQ(read_file(tree.path() + kDaxRegion + "/extent0.3/offset"), "0\n");
    EXPECT_EQ(available(s), 138 * MiB);

    // srmd reads the Add events from the trace file; they request nothing.
    DcTraceRead read = read_dc_trace(RootReader(tree.path()), 0);
    ASSERT_EQ(read.events.size(), 5u);
    EXPECT_EQ(read.events[0].type, dcd_abi::DcTraceEvent::Type::Add);
    EXPECT_EQ(read.events[0].memdev, "mem0");
    EXPECT_EQ(read.events[0].dpa, 0x80000000u + 0x10000000u);
    EXPECT_EQ(read.events[0].length, 128 * MiB);
    EXPECT_EQ(read.events[0].tag, kTag);
    EXPECT_EQ(read.events[3].tag, "");
    EXPECT_TRUE(update_release_requests(s, {}, read.events, 1).empty());
}

TEST_F(SimDcd, TheKernelsGatesOnAdd) {
    auto refused = [&](std::vector<DcExtentSpec> extents, const std::string& tag) {
        try {
            add_dc_extents(tree.path(), "region0", extents, tag);
        } catch (const TreeError& e) {
            return e.error();
        }
        return 0;
    };
    EXPECT_EQ(refused({{0x60000000, 1 * MiB}}, ""), EINVAL);            // not 2 MiB aligned
    EXPECT_EQ(refused({{0x10000000 + 2 * MiB, 2 * MiB}}, ""), EINVAL);  // overlaps extent0.0
    EXPECT_EQ(refused({{4ull << 30, 2 * MiB}}, ""), EINVAL);            // past the region
    EXPECT_EQ(refused({{0x60000000, 2 * MiB}}, kTag), EEXIST);          // tag in use
    EXPECT_EQ(snap(tree.path()).regions.at(0).extents.size(), 5u);
    try {
        add_dc_extents(tree.path(), "region1", {{0, 2 * MiB}}, "");
        ADD_FAILURE() << "no region1";
    } catch (const TreeError& e) {
        EXPECT_EQ(e.error(), ENODEV);
    }
}

TEST_F(SimDcd, ClaimByTagTakesTheWholeGroup) {
    ASSERT_TRUE(kernel.execute(claim("dax0.0", kTag)).ok);
    Snapshot s = snap(tree.path());
    const DaxDevice* dax = device(s, "dax0.0");
    ASSERT_TRUE(dax);
    EXPECT_EQ(dax->size, 130 * MiB);
    EXPECT_EQ(dax->dc_tag, std::optional<std::string>(kTag));
    ASSERT_EQ(dax->mappings.size(), 2u);
    EXPECT_EQ(dax->mappings[0].start, kRegionStart + 0x10000000);
    EXPECT_EQ(dax->mappings[0].end, kRegionStart + 0x10000000 + 128 * MiB - 1);
    EXPECT_EQ(dax->mappings[1].start, kRegionStart + 0x20000000);
    EXPECT_EQ(dax->mappings[1].page_offset, 128 * MiB / 4096);
    EXPECT_EQ(dax->driver, "");
    EXPECT_EQ(available(s), 8 * MiB);
    // A new seed, announced.
    const DaxDevice* seed = device(s, "dax0.1");
    ASSERT_TRUE(seed);
    EXPECT_EQ(seed->size, 0u);
    EXPECT_EQ(seed->dc_tag, std::optional<std::string>(""));
    EXPECT_EQ(seed->parent, "region0");
    EXPECT_NE(uevents(tree.path())
                  .find("add dax /devices/platform/ACPI0017:00/root0/decoder0.0/"
                        "region0/dax_region0/dax0.1"),
              std::string::npos);

    // The tag is claimed: nothing left for another device.
    StepOutcome again = kernel.execute(claim("dax0.1", kTag));
    EXPECT_FALSE(again.ok);
    EXPECT_EQ(again.error, ENOENT);
}

TEST_F(SimDcd, ClaimUntaggedTakesExactlyOneExtent) {
    ASSERT_TRUE(kernel.execute(claim("dax0.0", "")).ok);
    ASSERT_TRUE(kernel.execute(claim("dax0.1", "")).ok);
    Snapshot s = snap(tree.path());
    EXPECT_EQ(device(s, "dax0.0")->size, 2 * MiB);
    EXPECT_EQ(device(s, "dax0.0")->mappings.at(0).start, kRegionStart);
    EXPECT_EQ(device(s, "dax0.0")->dc_tag, std::optional<std::string>(""));
    EXPECT_EQ(device(s, "dax0.1")->mappings.at(0).start, kRegionStart + 2 * MiB);
    EXPECT_EQ(available(s), 134 * MiB);
    StepOutcome third = kernel.execute(claim("dax0.2", ""));
    EXPECT_FALSE(third.ok);
    EXPECT_EQ(third.error, ENOENT);
}

TEST_F(SimDcd, ClaimRefusals) {
    StepOutcome unknown = kernel.execute(claim("dax0.0", "7d3b0f55-0000-4a77-b6c3-16df975fcf1a"));
    EXPECT_FALSE(unknown.ok);
    EXPECT_EQ(unknown.error, ENOENT);
    EXPECT_EQ(device(snap(tree.path()), "dax0.0")->size, 0u);

    WorkerReport garbage = kernel.write("/sys/bus/dax/devices/dax0.0/uuid", "not-a-uuid");
    EXPECT_EQ(garbage.error, EINVAL);

    ASSERT_TRUE(kernel.execute(claim("dax0.0", kOtherTag)).ok);
    WorkerReport holds = kernel.write("/sys/bus/dax/devices/dax0.0/uuid", kTag);
    EXPECT_EQ(holds.error, EBUSY);

    // A delete through a device that is not there, or naming one not in the region.
    EXPECT_EQ(kernel.write("/sys/bus/dax/devices/dax0.9/../dax_region/delete", "dax0.9").error,
              ENOENT);
    EXPECT_EQ(kernel.write(kDaxRegion + "/dax_region/delete", "dax0.9").error, ENXIO);
    // Nor one that holds capacity.
    EXPECT_EQ(kernel.write(kDaxRegion + "/dax_region/delete", "dax0.0").error, EBUSY);

    // Size changes only by a claim.
    WorkerReport grow = kernel.write("/sys/bus/dax/devices/dax0.1/size", "2097152");
    EXPECT_EQ(grow.error, EOPNOTSUPP);
}

TEST(SimDcdOther, UuidIsRefusedOutsideDynamicCapacity) {
    TreeCopy tree(fixture("constructed/devdax"));
    SimulatedKernel kernel(tree.path());
    WorkerReport report = kernel.write("/sys/bus/dax/devices/dax1.0/uuid", "0");
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.error, EOPNOTSUPP);
    StepOutcome outcome = kernel.execute(claim("dax1.0", ""));
    EXPECT_EQ(outcome.error, EOPNOTSUPP);
}

TEST_F(SimDcd, DestroyingABoundDeviceIsRefused) {
    ASSERT_TRUE(kernel.execute(claim("dax0.0", kTag)).ok);
    ASSERT_TRUE(kernel.write("/sys/bus/dax/drivers/device_dax/bind", "dax0.0").ok);
    StepOutcome outcome = kernel.execute(destroy("dax0.0"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EBUSY);
    // Nor does the kernel take a size write while it is bound.
    EXPECT_EQ(kernel.write("/sys/bus/dax/devices/dax0.0/size", "0").error, EBUSY);
    Snapshot s = snap(tree.path());
    EXPECT_EQ(device(s, "dax0.0")->size, 130 * MiB);
    EXPECT_EQ(device(s, "dax0.0")->driver, "device_dax");
}

TEST_F(SimDcd, DestroyGivesTheExtentsBack) {
    ASSERT_TRUE(kernel.execute(claim("dax0.0", kOtherTag)).ok);
    ASSERT_TRUE(kernel.execute(claim("dax0.1", kTag)).ok);
    EXPECT_EQ(available(snap(tree.path())), 4 * MiB);

    ASSERT_TRUE(kernel.execute(destroy("dax0.1")).ok);
    Snapshot s = snap(tree.path());
    EXPECT_FALSE(device(s, "dax0.1"));
    EXPECT_EQ(available(s), 134 * MiB);
    EXPECT_EQ(s.regions.at(0).extents.size(), 5u);  // the extents stay under the region
    EXPECT_NE(uevents(tree.path())
                  .find("remove dax /devices/platform/ACPI0017:00/root0/"
                        "decoder0.0/region0/dax_region0/dax0.1"),
              std::string::npos);
    // The extents can be claimed again.
    ASSERT_TRUE(kernel.execute(claim("dax0.2", kTag)).ok);
    EXPECT_EQ(device(snap(tree.path()), "dax0.2")->size, 130 * MiB);
}

// The kernel keeps device id 0 while the region lives (its delete is EBUSY), so a destroy of it
// only writes size 0 (dcd_abi::kept_by_region): the extents go back, the device stays.
TEST_F(SimDcd, DeviceZeroGivesItsExtentsBackButStays) {
    ASSERT_TRUE(kernel.execute(claim("dax0.0", kOtherTag)).ok);
    StepOutcome outcome = kernel.execute(destroy("dax0.0"));
    EXPECT_TRUE(outcome.ok) << outcome.message;
    Snapshot s = snap(tree.path());
    ASSERT_TRUE(device(s, "dax0.0"));
    EXPECT_EQ(device(s, "dax0.0")->size, 0u);
    EXPECT_EQ(device(s, "dax0.0")->dc_tag, std::optional<std::string>(""));
    EXPECT_EQ(available(s), 138 * MiB);
}

TEST_F(SimDcd, ReleaseOfAnUnusedGroupRemovesIt) {
    std::uint64_t offset = read_dc_trace(RootReader(tree.path()), 0).next_offset;
    EXPECT_EQ(request_dc_release(tree.path(), "region0", DcReleaseSpec{kTag, std::nullopt}),
              DcReleaseOutcome::Released);
    Snapshot s = snap(tree.path());
    ASSERT_EQ(s.regions.at(0).extents.size(), 3u);
    for (const DcExtent& extent : s.regions.at(0).extents)
        EXPECT_NE(extent.tag, kTag);
    EXPECT_EQ(available(s), 8 * MiB);

    // One event per extent; no request is left, the capacity being gone.
    DcTraceRead read = read_dc_trace(RootReader(tree.path()), offset);
    ASSERT_EQ(read.events.size(), 2u);
    EXPECT_EQ(read.events[0].type, dcd_abi::DcTraceEvent::Type::Release);
    EXPECT_EQ(read.events[1].dpa, 0x80000000u + 0x20000000u);
    EXPECT_TRUE(update_release_requests(s, {}, read.events, 1).empty());

    // An untagged extent by a range inside it: that extent alone.
    EXPECT_EQ(request_dc_release(tree.path(), "region0", DcReleaseSpec{"", DcExtentSpec{0, MiB}}),
              DcReleaseOutcome::Released);
    s = snap(tree.path());
    ASSERT_EQ(s.regions.at(0).extents.size(), 2u);
    EXPECT_EQ(s.regions.at(0).extents[1].offset, 2 * MiB);
    EXPECT_EQ(available(s), 6 * MiB);
}

TEST_F(SimDcd, ReleaseOfAClaimedGroupIsIgnored) {
    ASSERT_TRUE(kernel.execute(claim("dax0.0", kTag)).ok);
    std::uint64_t offset = read_dc_trace(RootReader(tree.path()), 0).next_offset;
    // Asked by a range inside one of its extents: the whole group is in use.
    EXPECT_EQ(request_dc_release(tree.path(), "region0",
                                 DcReleaseSpec{"", DcExtentSpec{0x20000000, 2 * MiB}}),
              DcReleaseOutcome::Ignored);
    Snapshot s = snap(tree.path());
    EXPECT_EQ(s.regions.at(0).extents.size(), 5u);
    EXPECT_EQ(device(s, "dax0.0")->size, 130 * MiB);
    EXPECT_EQ(available(s), 8 * MiB);

    // srmd sees the request, which stays while the extents do.
    DcTraceRead read = read_dc_trace(RootReader(tree.path()), offset);
    ASSERT_EQ(read.events.size(), 1u);
    std::vector<DcReleaseRequest> requests = update_release_requests(s, {}, read.events, 7);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].region, "region0");
    EXPECT_EQ(requests[0].offset, 0x20000000u);
    EXPECT_EQ(requests[0].tag, kTag);

    // Once the host destroyed the device, the device's next request is granted.
    ASSERT_TRUE(kernel.execute(claim("dax0.1", kOtherTag)).ok);
    EXPECT_TRUE(kernel.execute(destroy("dax0.0")).ok);  // id 0 stays, extents back
    EXPECT_EQ(request_dc_release(tree.path(), "region0", DcReleaseSpec{kTag, std::nullopt}),
              DcReleaseOutcome::Released);
    s = snap(tree.path());
    EXPECT_TRUE(update_release_requests(s, requests, {}, 8).empty());

    try {
        request_dc_release(tree.path(), "region0", DcReleaseSpec{kTag, std::nullopt});
        ADD_FAILURE() << "the group is gone";
    } catch (const TreeError& e) {
        EXPECT_EQ(e.error(), ENOENT);
    }
}

TEST(SimDcdParse, ExtentsAndReleases) {
    std::vector<DcExtentSpec> extents = parse_dc_extents("0x10000000:0x8000000,0:2097152");
    ASSERT_EQ(extents.size(), 2u);
    EXPECT_EQ(extents[0].offset, 0x10000000u);
    EXPECT_EQ(extents[0].length, 0x8000000u);
    EXPECT_EQ(extents[1].length, 2 * MiB);
    EXPECT_THROW(parse_dc_extents("0x10"), std::invalid_argument);
    EXPECT_THROW(parse_dc_extents("0:2M"), std::invalid_argument);
    EXPECT_THROW(parse_dc_extents(""), std::invalid_argument);
    DcReleaseSpec by_tag = parse_dc_release(kTag);
    EXPECT_EQ(by_tag.tag, kTag);
    EXPECT_FALSE(by_tag.range);
    DcReleaseSpec by_range = parse_dc_release("0x200000:0x200000");
    ASSERT_TRUE(by_range.range);
    EXPECT_EQ(by_range.range->offset, 2 * MiB);
}

}  // namespace
}  // namespace srmd
