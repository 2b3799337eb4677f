// Dax devices that something else manages (ownership/managed-elsewhere.hpp): bound to fsdev_dax
// (famfs) or a driver srmd does not know. On the real 7.2 tree of a CPU-less node with its dax
// device rebound to fsdev_dax, and on machines built in code for the hand-overs: the range gets
// a note, every policy that wants a change is refused (managed-elsewhere-refused), and srmd never
// touches the device, whatever the policy says.
#include <gtest/gtest.h>

#include <filesystem>

#include "ownership/managed-elsewhere.hpp"
#include "plan-builders.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "service/reconciler.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::TreeCopy;

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

const char kDevice[] = "sys/devices/platform/hmem_platform.0/hmem.0/dax0.0";

// kernel-7.2/numa-devdax with dax0.0 bound to `driver` instead of device_dax.
struct ForeignTree {
    explicit ForeignTree(const std::string& driver) : copy(fixture("kernel-7.2/numa-devdax")) {
        const std::string root = copy.path() + "/";
        fs::create_directories(root + "sys/bus/dax/drivers/" + driver);
        fs::rename(root + "sys/bus/dax/drivers/device_dax/dax0.0",
                   root + "sys/bus/dax/drivers/" + driver + "/dax0.0");
        fs::remove(root + kDevice + "/driver");
        fs::create_symlink("../../../../../bus/dax/drivers/" + driver, root + kDevice + "/driver");
    }
    std::string driver_now() const {
        return fs::read_symlink(copy.path() + "/" + kDevice + "/driver").filename();
    }
    TreeCopy copy;
};

Policy policy_from(const std::string& text) {
    PolicyLoad load = parse_policy_text(text, "p.yaml");
    EXPECT_TRUE(load.policy) << (load.diagnostics.empty() ? "" : load.diagnostics[0].message);
    return load.policy ? *load.policy : Policy{};
}

std::string rule(const std::string& lines) {
    return "version: 1\nrules:\n  - name: r\n" + lines;
}

std::vector<std::string> codes(const std::vector<Problem>& problems) {
    std::vector<std::string> out;
    for (const Problem& p : problems)
        out.push_back(p.code);
    return out;
}

TEST(ManagedElsewhere, OnlyKmemAndDeviceDaxAreSrmds) {
    EXPECT_FALSE(managed_elsewhere(""));
    EXPECT_FALSE(managed_elsewhere("kmem"));
    EXPECT_FALSE(managed_elsewhere("device_dax"));
    EXPECT_TRUE(managed_elsewhere("fsdev_dax"));
    EXPECT_TRUE(managed_elsewhere("famfs"));
    EXPECT_TRUE(managed_elsewhere("something-new"));
}

TEST(ManagedElsewhere, TheRangeSaysSo) {
    ForeignTree tree("fsdev_dax");
    Snapshot snapshot = read_snapshot(RootReader(tree.copy.path()));
    std::vector<Range> ranges = compute_ranges(snapshot);
    ASSERT_EQ(ranges.size(), 1u);
    ASSERT_EQ(codes(ranges[0].problems), std::vector<std::string>{"managed-elsewhere"});
    EXPECT_EQ(ranges[0].problems[0].severity, RangeStatus::Ok);
    EXPECT_NE(ranges[0].problems[0].message.find("dax0.0 is bound to fsdev_dax"),
              std::string::npos);
}

TEST(ManagedElsewhere, EveryChangeIsRefusedAndNothingIsTouched) {
    for (const char* mode : {"system-ram", "devdax", "offline"}) {
        SCOPED_TRACE(mode);
        ForeignTree tree("fsdev_dax");
        SimulatedKernel kernel(tree.copy.path(), {});
        Reconciler r(RootReader(tree.copy.path()), kernel, ReconcilerSettings{});
        r.set_policy(
            policy_from(rule(std::string("    mode: ") + mode + "\n    allow_teardown: true\n")));
        Changes full;
        full.full = true;
        PassSummary summary = r.pass(full, "coldplug", 0);
        EXPECT_EQ(summary.steps, 0);
        EXPECT_FALSE(summary.converged);
        ASSERT_EQ(r.ranges().size(), 1u);
        std::vector<std::string> found = codes(r.ranges()[0].problems);
        EXPECT_NE(std::find(found.begin(), found.end(), "managed-elsewhere-refused"), found.end());
        EXPECT_EQ(tree.driver_now(), "fsdev_dax");
    }
}

TEST(ManagedElsewhere, IgnoreIsConvergedWithTheNoteAlone) {
    ForeignTree tree("famfs");
    SimulatedKernel kernel(tree.copy.path(), {});
    Reconciler r(RootReader(tree.copy.path()), kernel, ReconcilerSettings{});
    r.set_policy(policy_from(rule("    mode: ignore\n")));
    Changes full;
    full.full = true;
    PassSummary summary = r.pass(full, "coldplug", 0);
    EXPECT_TRUE(summary.converged);
    ASSERT_EQ(r.ranges().size(), 1u);
    EXPECT_EQ(codes(r.ranges()[0].problems), std::vector<std::string>{"managed-elsewhere"});
    EXPECT_EQ(tree.driver_now(), "famfs");
}

// --- hand-overs on machines built in code: no release of the hmem device or the region that a
// foreign-driven dax device hangs from.

Snapshot machine() {
    Snapshot s;
    s.kernel_release = "6.8.12-amd64";
    s.memory.block_size = 128 * MiB;
    s.memory.auto_online_blocks = "offline";
    CxlWindow w;
    w.name = "decoder0.0";
    w.start = 0x850000000;
    w.size = 4 * GiB;
    w.cap_ram = true;
    s.windows.push_back(w);
    return s;
}

CxlRegion region(int id, std::uint64_t size) {
    return test::assembled_region(id, 0x850000000, size);
}

DaxDevice dax(const std::string& name, DaxParentKind kind, const std::string& parent,
              std::uint64_t size, const std::string& driver) {
    DaxDevice d;
    d.name = name;
    d.parent_kind = kind;
    d.parent = parent;
    d.size = size;
    d.resource = 0x850000000;
    d.mappings.push_back({0x850000000, 0x850000000 + size - 1, 0});
    d.driver = driver;
    d.target_node = 1;
    d.align = 2 * MiB;
    return d;
}

Plan plan_for(const Snapshot& s, Owner owner) {
    std::vector<Range> ranges = compute_ranges(s);
    Desired desired;
    desired.owner = owner;
    desired.mode = Desired::Mode::SystemRam;
    desired.zone = Zone::Movable;
    desired.allow_teardown = true;
    desired.rule = "p.yaml:3 r";
    return make_plan(s, ranges, std::vector<std::optional<Desired>>(ranges.size(), desired));
}

TEST(ManagedElsewhere, HmemIsNotReleasedUnderIt) {
    // 6.x: hmem.0 took what region1 should hold, and its dax device is fsdev_dax's.
    Snapshot s = machine();
    CxlRegion r = region(1, 2 * GiB);
    r.dax_region_enabled = false;
    s.regions.push_back(r);
    HmemDevice h;
    h.name = "hmem.0";
    h.driver = "hmem";
    h.start = 0x850000000;
    h.size = 2 * GiB;
    h.has_dax_region = true;
    s.hmem.push_back(h);
    s.dax_devices.push_back(dax("dax0.0", DaxParentKind::Hmem, "hmem.0", 2 * GiB, "fsdev_dax"));
    Plan plan = plan_for(s, Owner::Cxl);
    ASSERT_EQ(plan.ranges.size(), 1u);
    EXPECT_TRUE(plan.ranges[0].steps.empty());
    std::vector<std::string> found = codes(plan.ranges[0].problems);
    EXPECT_NE(std::find(found.begin(), found.end(), "managed-elsewhere-refused"), found.end());
}

TEST(ManagedElsewhere, ARegionIsNotDisabledUnderIt) {
    // 6.x: region0 won, hmem.0's probe failed; region0's dax device is famfs's.
    Snapshot s = machine();
    s.regions.push_back(region(0, GiB));
    s.dax_devices.push_back(dax("dax0.0", DaxParentKind::Cxl, "region0", GiB, "famfs"));
    HmemDevice h;
    h.name = "hmem.0";
    h.start = 0x850000000;
    h.size = GiB;
    s.hmem.push_back(h);
    Plan plan = plan_for(s, Owner::Hmem);
    ASSERT_EQ(plan.ranges.size(), 1u);
    EXPECT_TRUE(plan.ranges[0].steps.empty());
    std::vector<std::string> found = codes(plan.ranges[0].problems);
    EXPECT_NE(std::find(found.begin(), found.end(), "managed-elsewhere-refused"), found.end());
}

}  // namespace
}  // namespace srmd
