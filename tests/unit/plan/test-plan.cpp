// make_plan on machines built in code, one per case of the planner's contract (plan.hpp). Every
// case asserts the whole step list. Every fixture tree and the safety property over every wish
// are test-plan-trees.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "plan-builders.hpp"
#include "plan/plan.hpp"
#include "publish/plan-json.hpp"
#include "read/snapshot.hpp"
#include "util/json.hpp"

namespace srmd {
namespace {

using test::Devdax;
using test::Offline;
using test::render;
using test::SystemRam;
using test::want;

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

// --- building machines ---------------------------------------------------------------------------

CxlWindow window(std::uint64_t start, std::uint64_t size) {
    CxlWindow w;
    w.name = "decoder0.0";
    w.start = start;
    w.size = size;
    w.cap_ram = true;
    return w;
}

// An assembled ram region: committed, bound to cxl_region, its dax region bound.
CxlRegion region(int id, std::uint64_t start, std::uint64_t size) {
    return test::assembled_region(id, start, size);
}

HmemDevice hmem(int id, std::uint64_t start, std::uint64_t size, bool bound) {
    HmemDevice h;
    h.name = "hmem." + std::to_string(id);
    h.id = id;
    h.driver = bound ? "hmem" : "";
    h.start = start;
    h.size = size;
    h.has_dax_region = bound;
    return h;
}

DaxDevice dax(std::string name, DaxParentKind kind, std::string parent, std::uint64_t start,
              std::uint64_t size, std::string driver, int node = 1) {
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

// Memory blocks for every whole block of the named device, in `state` ("online"/"offline"),
// online ones in `zone` ("Movable", "Normal"); a device not bound to kmem has none.
void add_blocks(Snapshot& s, const std::string& dax_name, const std::string& state,
                const std::string& zone = "Movable") {
    for (std::size_t i = 0; i < s.dax_devices.size(); ++i) {
        const DaxDevice& d = s.dax_devices[i];
        if (d.name != dax_name)
            continue;
        std::uint64_t first = d.mappings[0].start / s.memory.block_size;
        std::uint64_t count = d.size / s.memory.block_size;
        for (std::uint64_t n = 0; n < count; ++n) {
            MemoryBlock block;
            block.id = first + n;
            block.state = state;
            block.valid_zones = state == "online" ? zone : "Movable Normal";
            block.node = d.target_node;
            block.dax = static_cast<int>(i);
            s.memory.blocks.push_back(block);
        }
        return;
    }
    ADD_FAILURE() << "no dax device " << dax_name;
}

Snapshot machine(const std::string& kernel) {
    Snapshot s;
    s.kernel_release = kernel;
    s.memory.block_size = 128 * MiB;
    s.memory.auto_online_blocks = "offline";
    return s;
}

constexpr std::uint64_t cxl_base = 0x850000000;
constexpr std::uint64_t hmem_base = 0x100000000;

// One 1 GiB CXL region holding its range, dax0.0 with `driver`; blocks `state` in `zone`.
Snapshot cxl_machine(const std::string& driver, const std::string& state = "online",
                     const std::string& zone = "Movable") {
    Snapshot s = machine("6.8.12-amd64");
    s.windows.push_back(window(cxl_base, 4 * GiB));
    s.regions.push_back(region(0, cxl_base, GiB));
    s.dax_devices.push_back(dax("dax0.0", DaxParentKind::Cxl, "region0", cxl_base, GiB, driver));
    if (driver == "kmem")
        add_blocks(s, "dax0.0", state, zone);
    return s;
}

// One 1 GiB hmem range outside any CXL window, dax1.0 with `driver`.
Snapshot hmem_machine(const std::string& driver, const std::string& state = "online",
                      const std::string& zone = "Movable") {
    Snapshot s = machine("6.1.0-27-amd64");
    s.hmem.push_back(hmem(1, hmem_base, GiB, true));
    s.dax_devices.push_back(dax("dax1.0", DaxParentKind::Hmem, "hmem.1", hmem_base, GiB, driver));
    if (driver == "kmem")
        add_blocks(s, "dax1.0", state, zone);
    return s;
}

// 6.x without coordination: hmem.0 took a range that region1 (committed, same addresses) should
// hold; region1's dax region exists but could not register. As the conflict-6x tree.
Snapshot conflict_6x() {
    Snapshot s = machine("6.8.12-amd64");
    s.windows.push_back(window(cxl_base, 4 * GiB));
    CxlRegion r = region(1, cxl_base, 2 * GiB);
    r.dax_region_enabled = false;
    s.regions.push_back(r);
    s.hmem.push_back(hmem(0, cxl_base, 2 * GiB, true));
    s.dax_devices.push_back(
        dax("dax0.0", DaxParentKind::Hmem, "hmem.0", cxl_base, 2 * GiB, "kmem"));
    add_blocks(s, "dax0.0", "online");
    return s;
}

// 7.1, the partial-coverage tree: hmem.7 got the whole 5 GiB range, region0 (4 GiB) sits inside
// it, and hmem's device could not reserve its memory.
Snapshot partial_coverage(bool locked) {
    Snapshot s = machine("7.1.0-1-amd64");
    s.windows.push_back(window(cxl_base, 5 * GiB));
    CxlRegion r = region(0, cxl_base, 4 * GiB);
    r.dax_region_enabled = false;
    r.locked = locked;
    s.regions.push_back(r);
    s.hmem.push_back(hmem(7, cxl_base, 5 * GiB, true));
    s.dax_devices.push_back(dax("dax7.0", DaxParentKind::Hmem, "hmem.7", cxl_base, 5 * GiB, ""));
    return s;
}

// The same desire for every range of the machine.
Plan plan_for(const Snapshot& s, const Desired& desired) {
    std::vector<Range> ranges = compute_ranges(s);
    std::vector<std::optional<Desired>> all(ranges.size(), desired);
    return make_plan(s, ranges, all);
}

// --- mode changes for the current owner ----------------------------------------------------------

TEST(Plan, ConvergedRangeGetsNoPlan) {
    EXPECT_TRUE(plan_for(cxl_machine("kmem"), want(Owner::Cxl, SystemRam)).ranges.empty());
    EXPECT_TRUE(plan_for(cxl_machine("device_dax"), want(Owner::Cxl, Devdax)).ranges.empty());
    EXPECT_TRUE(plan_for(cxl_machine("kmem", "offline"), want(Owner::Cxl, Offline)).ranges.empty());
    // "auto": whatever zone the kernel chose is right.
    EXPECT_TRUE(plan_for(cxl_machine("kmem", "online", "Normal"), want(Owner::Cxl, SystemRam, {}))
                    .ranges.empty());
}

TEST(Plan, NoRuleOrIgnoreMeansNoSteps) {
    Snapshot s = cxl_machine("");
    std::vector<Range> ranges = compute_ranges(s);
    EXPECT_TRUE(make_plan(s, ranges, {std::nullopt}).ranges.empty());
    EXPECT_TRUE(plan_for(s, want(Owner::Cxl, Desired::Mode::Ignore)).ranges.empty());
    EXPECT_THROW(make_plan(s, ranges, {}), std::invalid_argument);
}

TEST(Plan, UnboundToSystemRamBindsKmemThenOnlines) {
    EXPECT_EQ(render(plan_for(cxl_machine(""), want(Owner::Cxl, SystemRam))),
              "r850000000\n"
              "  enable-dax dax0.0 system-ram\n"
              "  online-memory dax0.0 movable\n");
    // zone auto: the kernel chooses, so the step carries no zone.
    EXPECT_EQ(render(plan_for(cxl_machine(""), want(Owner::Cxl, SystemRam, {}))),
              "r850000000\n"
              "  enable-dax dax0.0 system-ram\n"
              "  online-memory dax0.0\n");
}

TEST(Plan, OfflineKmemBlocksAreOnlinedWithoutTeardown) {
    Plan plan = plan_for(cxl_machine("kmem", "offline"), want(Owner::Cxl, SystemRam, Zone::Normal));
    EXPECT_EQ(render(plan),
              "r850000000\n"
              "  online-memory dax0.0 normal\n");
    ASSERT_EQ(plan.ranges.size(), 1u);
    ASSERT_FALSE(plan.ranges[0].steps.empty());
    EXPECT_NE(plan.ranges[0].steps[0].reason.find("50-test.yaml:4 test"), std::string::npos);
}

TEST(Plan, DevdaxToSystemRamIsTeardown) {
    Snapshot s = cxl_machine("device_dax");
    EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, SystemRam, Zone::Movable, true))),
              "r850000000\n"
              "  reconfigure-dax dax0.0 system-ram\n"
              "  online-memory dax0.0 movable\n");
    Plan refused = plan_for(s, want(Owner::Cxl, SystemRam));
    EXPECT_EQ(render(refused),
              "r850000000\n"
              "  ! teardown-not-allowed\n");
    ASSERT_EQ(refused.ranges.size(), 1u);
    ASSERT_FALSE(refused.ranges[0].problems.empty());
    const std::string& message = refused.ranges[0].problems[0].message;
    EXPECT_NE(message.find("allow_teardown: true"), std::string::npos) << message;
    EXPECT_NE(message.find("50-test.yaml:4 test"), std::string::npos) << message;
}

TEST(Plan, WrongZoneGoesOfflineAndBack) {
    EXPECT_EQ(
        render(plan_for(cxl_machine("kmem"), want(Owner::Cxl, SystemRam, Zone::Normal, true))),
        "r850000000\n"
        "  offline-memory dax0.0\n"
        "  online-memory dax0.0 normal\n");
    EXPECT_EQ(render(plan_for(cxl_machine("kmem"), want(Owner::Cxl, SystemRam, Zone::Normal))),
              "r850000000\n"
              "  ! teardown-not-allowed\n");
}

TEST(Plan, NormalZoneMemoryIsNeverOfflined) {
    for (bool teardown : {false, true}) {
        Snapshot s = cxl_machine("kmem", "online", "Normal");
        EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, SystemRam, Zone::Movable, teardown))),
                  "r850000000\n"
                  "  ! offline-normal-refused\n");
        EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, Offline, {}, teardown))),
                  "r850000000\n"
                  "  ! offline-normal-refused\n");
        // Devdax needs kmem unbound, which the online memory forbids too.
        EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, Devdax, {}, teardown))),
                  "r850000000\n"
                  "  ! offline-normal-refused\n"
                  "  ! unbind-with-online-memory\n");
    }
}

TEST(Plan, SystemRamToDevdaxOfflinesFirst) {
    EXPECT_EQ(render(plan_for(hmem_machine("kmem"), want(Owner::Hmem, Devdax, {}, true))),
              "r100000000\n"
              "  offline-memory dax1.0\n"
              "  reconfigure-dax dax1.0 devdax\n");
    // Already offline: only the rebind.
    EXPECT_EQ(
        render(plan_for(hmem_machine("kmem", "offline"), want(Owner::Hmem, Devdax, {}, true))),
        "r100000000\n"
        "  reconfigure-dax dax1.0 devdax\n");
    EXPECT_EQ(render(plan_for(hmem_machine(""), want(Owner::Hmem, Devdax))),
              "r100000000\n"
              "  enable-dax dax1.0 devdax\n");
}

TEST(Plan, OfflineKeepsKmemBoundAndUnbindsDevdax) {
    EXPECT_EQ(render(plan_for(hmem_machine("kmem"), want(Owner::Hmem, Offline, {}, true))),
              "r100000000\n"
              "  offline-memory dax1.0\n");
    EXPECT_EQ(render(plan_for(hmem_machine("device_dax"), want(Owner::Hmem, Offline, {}, true))),
              "r100000000\n"
              "  disable-dax dax1.0\n");
    EXPECT_TRUE(plan_for(hmem_machine(""), want(Owner::Hmem, Offline)).ranges.empty());
}

TEST(Plan, UnbindingKmemWithOnlineBlocksIsRefusedWhenTheOfflineIs) {
    // Without teardown the offline is refused, so the rebind after it would find the memory
    // online: both are said, and nothing is planned.
    EXPECT_EQ(render(plan_for(hmem_machine("kmem"), want(Owner::Hmem, Devdax))),
              "r100000000\n"
              "  ! teardown-not-allowed\n"
              "  ! unbind-with-online-memory\n");
}

TEST(Plan, DeviceSmallerThanABlockIsNotOnlined) {
    Snapshot s = machine("7.0.0-1-amd64");
    s.hmem.push_back(hmem(1, hmem_base, 64 * MiB, true));
    s.dax_devices.push_back(dax("dax1.0", DaxParentKind::Hmem, "hmem.1", hmem_base, 64 * MiB, ""));
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam, Zone::Movable, true))),
              "r100000000\n"
              "  ! smaller-than-block\n");
    // devdax has no such limit.
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, Devdax))),
              "r100000000\n"
              "  enable-dax dax1.0 devdax\n");
}

TEST(Plan, DeviceWithoutNodeIsNotOnlined) {
    Snapshot s = machine("6.1.0-27-amd64");
    s.hmem.push_back(hmem(1, hmem_base, GiB, true));
    s.dax_devices.push_back(dax("dax1.0", DaxParentKind::Hmem, "hmem.1", hmem_base, GiB, "", -1));
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam))),
              "r100000000\n"
              "  ! invalid-target-node\n");
}

TEST(Plan, ForeignDriverIsLeftAlone) {
    EXPECT_EQ(render(plan_for(hmem_machine("fsdev_dax"), want(Owner::Hmem, SystemRam, {}, true))),
              "r100000000\n"
              "  ! managed-elsewhere-refused\n");
}

TEST(Plan, ARefusedDeviceKeepsTheStepsBeforeItAndStopsTheRest) {
    // Two devices in one range: the first can be brought up, the second would need teardown.
    Snapshot s = machine("6.8.12-amd64");
    s.windows.push_back(window(cxl_base, 4 * GiB));
    s.regions.push_back(region(0, cxl_base, 2 * GiB));
    s.dax_devices.push_back(dax("dax0.0", DaxParentKind::Cxl, "region0", cxl_base, GiB, ""));
    s.dax_devices.push_back(
        dax("dax0.1", DaxParentKind::Cxl, "region0", cxl_base + GiB, GiB, "device_dax"));
    s.dax_devices.push_back(
        dax("dax0.2", DaxParentKind::Cxl, "region0", cxl_base + GiB, 0, ""));  // seed
    s.dax_devices.back().mappings.clear();
    EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, SystemRam))),
              "r850000000\n"
              "  enable-dax dax0.0 system-ram\n"
              "  online-memory dax0.0 movable\n"
              "  ! teardown-not-allowed\n");
}

// --- ownership changes ---------------------------------------------------------------------------

TEST(Plan, CxlTakesBackWhatHmemHolds) {
    EXPECT_EQ(render(plan_for(conflict_6x(), want(Owner::Cxl, SystemRam, Zone::Movable, true))),
              "r850000000\n"
              "  offline-memory dax0.0\n"
              "  disable-dax dax0.0\n"
              "  release-hmem hmem.0\n"
              "  disable-region region1\n"
              "  enable-region region1\n");
    Plan plan = plan_for(conflict_6x(), want(Owner::Cxl, SystemRam, Zone::Movable, true));
    ASSERT_EQ(plan.ranges.size(), 1u);
    ASSERT_FALSE(plan.ranges[0].steps.empty());
    EXPECT_NE(plan.ranges[0].steps.back().reason.find("next pass"), std::string::npos)
        << plan.ranges[0].steps.back().reason;
    // Without teardown nothing is done; the offline's refusal leaves the unbind refused too.
    EXPECT_EQ(render(plan_for(conflict_6x(), want(Owner::Cxl, SystemRam))),
              "r850000000\n"
              "  ! teardown-not-allowed\n"
              "  ! unbind-with-online-memory\n");
}

TEST(Plan, CxlTakingBackEnablesADisabledRegion) {
    Snapshot s = conflict_6x();
    s.regions[0].enabled = false;
    s.regions[0].dax_region.clear();
    s.memory.blocks.clear();
    add_blocks(s, "dax0.0", "offline");
    EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, Devdax, {}, true))),
              "r850000000\n"
              "  disable-dax dax0.0\n"
              "  release-hmem hmem.0\n"
              "  enable-region region1\n");
}

TEST(Plan, CxlCannotTakeWhatNoCommittedRegionContains) {
    Snapshot s = conflict_6x();
    s.regions[0].committed = false;
    EXPECT_EQ(render(plan_for(s, want(Owner::Cxl, SystemRam, Zone::Movable, true))),
              "r850000000\n"
              "  ! no-region-for-cxl\n");
    // The partial-coverage tree (region0 holds 4 of the 5 GiB) is seed [4]: srmd recovers
    // region0's part (tests/unit/act/test-handover.cpp).
}

TEST(Plan, HmemOn6xTakesWhatCxlHolds) {
    // 6.x: region0 won the race, hmem.0 exists but its probe failed (unbound, no dax region).
    Snapshot s = cxl_machine("kmem");
    s.hmem.push_back(hmem(0, cxl_base, GiB, false));
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam, Zone::Movable, true))),
              "r850000000\n"
              "  offline-memory dax0.0\n"
              "  disable-dax dax0.0\n"
              "  disable-region region0\n"
              "  claim-hmem hmem.0\n");
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam))),
              "r850000000\n"
              "  ! teardown-not-allowed\n"
              "  ! unbind-with-online-memory\n");
}

TEST(Plan, HmemOn71NeedsAGlobalChange) {
    Snapshot s = cxl_machine("kmem");
    s.kernel_release = "7.1.0-1-amd64";
    for (bool global : {false, true}) {
        Desired desired = want(Owner::Hmem, SystemRam, Zone::Movable, true);
        desired.allow_global = global;
        Plan plan = plan_for(s, desired);
        EXPECT_EQ(render(plan),
                  "r850000000\n"
                  "  ! needs-global-change\n");
        ASSERT_EQ(plan.ranges.size(), 1u);
        ASSERT_FALSE(plan.ranges[0].problems.empty());
        const std::string& message = plan.ranges[0].problems[0].message;
        EXPECT_NE(message.find("cxl_acpi"), std::string::npos) << message;
        EXPECT_NE(message.find("7.1.0-1-amd64"), std::string::npos) << message;
        // Allowed or not, srmd does not do it: the message says which.
        EXPECT_EQ(message.find("does not make this one by itself") != std::string::npos, global)
            << message;
    }
}

TEST(Plan, CommittedRegionIsNeverDestroyedForHmem) {
    // Destroying region0 would reset the decoders behind 4 GiB that hmem's device would then
    // hand out: refused even with teardown allowed, and nothing else is planned.
    EXPECT_EQ(render(plan_for(partial_coverage(false), want(Owner::Hmem, SystemRam, {}, true))),
              "r850000000\n"
              "  ! committed-region-in-the-way\n");
}

TEST(Plan, UncommittedRegionGivesTheWholeRangeToHmem) {
    Snapshot s = partial_coverage(false);
    s.regions[0].committed = false;
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam, {}, true))),
              "r850000000\n"
              "  disable-region region0\n"
              "  destroy-region region0\n"
              "  enable-dax dax7.0 system-ram\n"
              "  online-memory dax7.0\n");
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam))),
              "r850000000\n"
              "  ! teardown-not-allowed\n");
}

TEST(Plan, LockedRegionIsNeverDestroyed) {
    EXPECT_EQ(render(plan_for(partial_coverage(true), want(Owner::Hmem, SystemRam, {}, true))),
              "r850000000\n"
              "  ! locked-region\n");
}

TEST(Plan, HmemRebindsWhenNothingBlocksIt) {
    // hmem.1 exists but is not bound and nothing else holds the range.
    Snapshot s = machine("6.1.0-27-amd64");
    s.hmem.push_back(hmem(1, hmem_base, GiB, false));
    EXPECT_EQ(render(plan_for(s, want(Owner::Hmem, SystemRam))),
              "r100000000\n"
              "  claim-hmem hmem.1\n");
}

TEST(Plan, PlanKeepsRangeOrder) {
    Snapshot s = cxl_machine("");
    s.hmem.push_back(hmem(1, hmem_base, GiB, true));
    s.dax_devices.insert(s.dax_devices.begin(),
                         dax("dax1.0", DaxParentKind::Hmem, "hmem.1", hmem_base, GiB, ""));
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 2u);
    Plan plan = make_plan(s, ranges, {want(Owner::Hmem, Devdax), want(Owner::Cxl, SystemRam)});
    EXPECT_EQ(render(plan),
              "r100000000\n"
              "  enable-dax dax1.0 devdax\n"
              "r850000000\n"
              "  enable-dax dax0.0 system-ram\n"
              "  online-memory dax0.0 movable\n");
    std::vector<Step> steps = plan.steps();
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].target, "dax1.0");
    EXPECT_EQ(steps[2].action, Action::OnlineMemory);
    EXPECT_FALSE(plan.empty());
}

TEST(Plan, StepJson) {
    Plan plan = plan_for(cxl_machine(""), want(Owner::Cxl, SystemRam));
    Json json = plan_to_json(plan);
    ASSERT_TRUE(json.is_array());
    ASSERT_EQ(json.as_array().size(), 2u);
    const Json& enable = json.as_array()[0];
    EXPECT_EQ(enable.find("action")->as_string(), "enable-dax");
    EXPECT_EQ(enable.find("target")->as_string(), "dax0.0");
    EXPECT_EQ(enable.find("range")->as_string(), "r850000000");
    EXPECT_EQ(enable.find("mode")->as_string(), "system-ram");
    EXPECT_EQ(enable.find("zone"), nullptr);
    EXPECT_FALSE(enable.find("reason")->as_string().empty());
    const Json& online = json.as_array()[1];
    EXPECT_EQ(online.find("zone")->as_string(), "movable");
    EXPECT_EQ(online.find("mode"), nullptr);
    std::vector<std::string> keys;
    for (const auto& [key, value] : online.as_object())
        keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"action", "target", "range", "reason", "zone"}));
}

// Two devices of one region: dax0.0 devdax (in use), dax0.1 with no driver. Under when:
// unusable only dax0.1 gets steps; strictly, dax0.0 needs a teardown the rule does not allow.
TEST(Plan, WhenUnusableLeavesUsableDevicesAlone) {
    Snapshot s = machine("6.8.12-amd64");
    s.windows.push_back(window(cxl_base, 4 * GiB));
    s.regions.push_back(region(0, cxl_base, GiB));
    s.dax_devices.push_back(
        dax("dax0.0", DaxParentKind::Cxl, "region0", cxl_base, GiB / 2, "device_dax"));
    s.dax_devices.push_back(
        dax("dax0.1", DaxParentKind::Cxl, "region0", cxl_base + GiB / 2, GiB / 2, ""));
    Desired desired = want(Owner::Cxl, SystemRam);
    desired.only_unusable = true;
    EXPECT_EQ(render(plan_for(s, desired)),
              "r850000000\n  enable-dax dax0.1 system-ram\n  online-memory dax0.1 movable\n");
    desired.only_unusable = false;
    EXPECT_EQ(render(plan_for(s, desired)), "r850000000\n  ! teardown-not-allowed\n");

    // Once dax0.1 is online (in ZONE_NORMAL, even), nothing is left to do.
    s.dax_devices[1].driver = "kmem";
    add_blocks(s, "dax0.1", "online", "Normal");
    desired.only_unusable = true;
    EXPECT_TRUE(plan_for(s, desired).ranges.empty());
}

}  // namespace
}  // namespace srmd
