// make_plan on every fixture tree: the strict movable rule and the vendor default (when:
// unusable), each plan worked out by hand; and a safety property over every tree and every
// combination of what a policy can want, checked by replaying the steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "plan-builders.hpp"
#include "plan/plan.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::Devdax;
using test::Offline;
using test::render;
using test::SystemRam;
using test::want;

// --- every fixture tree --------------------------------------------------------------------------

std::vector<std::string> all_trees() {
    namespace fs = std::filesystem;
    std::vector<std::string> trees;
    for (const char* group : {"kernel-6.1", "constructed"}) {
        fs::path dir = test::fixture(group);
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            continue;
        for (const fs::directory_entry& entry : fs::directory_iterator(dir))
            if (fs::is_directory(entry.path() / "sys") || fs::is_directory(entry.path() / "proc"))
                trees.push_back(std::string(group) + "/" + entry.path().filename().string());
    }
    std::sort(trees.begin(), trees.end());
    return trees;
}

struct Tree {
    Snapshot snapshot;
    std::vector<Range> ranges;
};

Tree read_tree(const std::string& name) {
    Tree tree;
    tree.snapshot = read_snapshot(RootReader(test::fixture(name)));
    tree.ranges = compute_ranges(tree.snapshot);
    return tree;
}

// Keep the kernel's owner, system RAM in ZONE_MOVABLE, no teardown: strictly (when: always), or
// only for memory nobody can use (when: unusable, the vendor default).
Plan default_plan(const Tree& tree, bool only_unusable = false) {
    std::vector<std::optional<Desired>> desired;
    for (const Range& range : tree.ranges) {
        desired.push_back(want(range.kernel_owner, SystemRam));
        desired.back()->only_unusable = only_unusable;
    }
    return make_plan(tree.snapshot, tree.ranges, desired);
}

// The vendor default acts only where memory cannot be used: what is in use (devdax, ZONE_NORMAL,
// hmem holding a range CXL claims too) is left as it is, with no refusal to report.
TEST(PlanTrees, VendorDefaultOnEveryTree) {
    const std::map<std::string, std::string> expected = {
        {"constructed/conflict-6x", ""},
        // Dynamic Capacity with no capacity added: no range, nothing to do.
        {"constructed/dcd", ""},
        // dax0.0 stays devdax; dax1.0 has no driver: bind and online it.
        {"constructed/devdax",
         "r2480000000\n  enable-dax dax1.0 system-ram\n  online-memory dax1.0 movable\n"},
        {"constructed/hmem-only", ""},
        {"kernel-7.2/numa-kmem-movable", ""},
        {"kernel-7.2/numa-default-boot", ""},
        {"constructed/locked-region", ""},
        // Nobody can use it: the vendor default tries, and the refusal says why it cannot.
        {"constructed/partial-coverage", "ra90000000\n  ! committed-region-in-the-way\n"},
        {"constructed/region-assembly-failure", ""},
        {"constructed/two-windows-kmem", ""},
        {"constructed/unaligned", "r180000000\n  ! smaller-than-block\n"},
        {"kernel-6.1/both", ""},
        {"kernel-6.1/cxl-no-region", ""},
        {"kernel-6.1/cxl-pmem-region", ""},
        {"kernel-6.1/hmem-devdax", ""},
        {"kernel-6.1/hmem-high-kmem-normal", ""},
        {"kernel-6.1/hmem-kmem-movable", ""},
    };
    std::vector<std::string> trees = all_trees();
    ASSERT_FALSE(trees.empty()) << "no fixture trees under $SRMD_FIXTURES";
    for (const std::string& name : trees) {
        SCOPED_TRACE(name);
        auto it = expected.find(name);
        ASSERT_NE(it, expected.end()) << "no expected plan for " << name;
        EXPECT_EQ(render(default_plan(read_tree(name), true)), it->second);
    }
}

TEST(PlanTrees, DefaultPolicyOnEveryTree) {
    // Worked out by hand from each tree's DESCRIPTION and `srmctl simulate`.
    const std::map<std::string, std::string> expected = {
        // hmem holds region1's range (6.x); taking it for CXL means offlining first.
        {"constructed/conflict-6x",
         "r850000000\n  ! teardown-not-allowed\n  ! unbind-with-online-memory\n"},
        {"constructed/dcd", ""},
        // dax0.0 is devdax (teardown to change), dax1.0 has no driver (bind and online).
        {"constructed/devdax",
         "r2080000000\n  ! teardown-not-allowed\n"
         "r2480000000\n  enable-dax dax1.0 system-ram\n  online-memory dax1.0 movable\n"},
        // Onlined by the kernel into ZONE_NORMAL: can never move to ZONE_MOVABLE.
        {"constructed/hmem-only", "r2080000000\n  ! offline-normal-refused\n"},
        {"kernel-7.2/numa-kmem-movable", ""},
        // Debian 7.x onlined it in ZONE_NORMAL at boot: the refusal names that and the remedy.
        {"kernel-7.2/numa-default-boot", "r100000000\n  ! offline-normal-refused\n"},
        {"constructed/locked-region", ""},
        // hmem.7's device cannot bind while region0 sits inside its range.
        {"constructed/partial-coverage", "ra90000000\n  ! committed-region-in-the-way\n"},
        // region0 never committed; hmem holds the range as the kernel's rule says.
        {"constructed/region-assembly-failure", ""},
        {"constructed/two-windows-kmem", ""},
        // The 64 MiB remainder holds no whole 128 MiB block.
        {"constructed/unaligned", "r180000000\n  ! smaller-than-block\n"},
        {"kernel-6.1/both", ""},
        {"kernel-6.1/cxl-no-region", ""},
        {"kernel-6.1/cxl-pmem-region", ""},
        {"kernel-6.1/hmem-devdax", "r40000000\n  ! teardown-not-allowed\n"},
        {"kernel-6.1/hmem-high-kmem-normal", "r140000000\n  ! offline-normal-refused\n"},
        {"kernel-6.1/hmem-kmem-movable", ""},
    };
    std::vector<std::string> trees = all_trees();
    ASSERT_FALSE(trees.empty()) << "no fixture trees under $SRMD_FIXTURES";
    for (const std::string& name : trees) {
        SCOPED_TRACE(name);
        auto it = expected.find(name);
        ASSERT_NE(it, expected.end()) << "no expected plan for " << name;
        EXPECT_EQ(render(default_plan(read_tree(name))), it->second);
    }
}

// --- safety, on every tree and every wish --------------------------------------------------------

// What a plan's steps would leave the kernel with, replayed to check the ordering invariants
// independently of the planner's own rules.
class Replay {
  public:
    Replay(const Snapshot& s) : snapshot_(s) {
        for (std::size_t i = 0; i < s.dax_devices.size(); ++i)
            driver_[s.dax_devices[i].name] = s.dax_devices[i].driver;
        for (const MemoryBlock& block : s.memory.blocks) {
            if (block.dax < 0)
                continue;
            const std::string& name = s.dax_devices[block.dax].name;
            if (block.state == "online") {
                ++online_[name];
                if (block.valid_zones != "Movable")
                    normal_[name] = true;
            }
        }
        for (const CxlRegion& region : s.regions)
            enabled_[region.name] = region.enabled;
    }

    // Empty when the step is safe now; else what it breaks.
    std::string check(const Step& step) const {
        switch (step.action) {
            case Action::OfflineMemory:
                if (normal_.count(step.target) && online(step.target) > 0)
                    return "offlines ZONE_NORMAL memory";
                break;
            case Action::DisableDax:
            case Action::ReconfigureDax:
                if (kmem_online(step.target))
                    return "unbinds kmem with online blocks";
                break;
            case Action::DisableRegion:
            case Action::ReleaseHmem:
                for (const DaxDevice& device : snapshot_.dax_devices)
                    if (device.parent == step.target && kmem_online(device.name))
                        return "unbinds the parent of " + device.name + " with online blocks";
                break;
            case Action::DestroyRegion: {
                const CxlRegion* region = snapshot_.region(step.target);
                if (!region)
                    return "destroys an unknown region";
                if (region->locked.value_or(false))
                    return "destroys a locked region";
                if (region->committed)
                    return "destroys a committed region";
                if (enabled_.at(region->name))
                    return "destroys an enabled region";
                for (const DaxDevice& device : snapshot_.dax_devices)
                    for (const DaxMapping& m : device.mappings)
                        if (m.start < *region->start + region->size && *region->start <= m.end &&
                            online(device.name) > 0)
                            return "destroys a region under online memory";
                break;
            }
            case Action::DestroyDax:
                if (!driver_.at(step.target).empty())
                    return "destroys a bound dax device";
                break;
            case Action::OnlineMemory:
            case Action::EnableDax:
            case Action::EnableRegion:
            case Action::ClaimHmem:
            case Action::CreateRegion:
            case Action::ClaimDcCapacity:
                break;
        }
        return "";
    }

    static bool is_teardown(const Step& step, const Replay& before) {
        switch (step.action) {
            case Action::OfflineMemory:
                return before.online(step.target) > 0;
            case Action::DisableDax:
            case Action::ReconfigureDax:
                return !before.driver_.at(step.target).empty();
            case Action::DisableRegion:
            case Action::DestroyRegion:
            case Action::ReleaseHmem:
                return true;
            default:
                return false;
        }
    }

    void apply(const Step& step) {
        switch (step.action) {
            case Action::OfflineMemory:
                online_[step.target] = 0;
                break;
            case Action::DisableDax:
                driver_[step.target] = "";
                break;
            case Action::EnableDax:
            case Action::ReconfigureDax:
                driver_[step.target] = step.mode == DaxMode::Devdax ? "device_dax" : "kmem";
                break;
            case Action::DisableRegion:
                enabled_[step.target] = false;
                [[fallthrough]];
            case Action::ReleaseHmem:
                for (const DaxDevice& device : snapshot_.dax_devices)
                    if (device.parent == step.target)
                        driver_[device.name] = "";
                break;
            default:
                break;
        }
    }

  private:
    int online(const std::string& name) const {
        auto it = online_.find(name);
        return it == online_.end() ? 0 : it->second;
    }
    bool kmem_online(const std::string& name) const {
        auto it = driver_.find(name);
        return it != driver_.end() && it->second == "kmem" && online(name) > 0;
    }

    const Snapshot& snapshot_;
    std::map<std::string, std::string> driver_;
    std::map<std::string, int> online_;
    std::map<std::string, bool> normal_;
    std::map<std::string, bool> enabled_;
};

// The brief's definition of convergence, written from the words rather than from plan-mode.cpp:
// a range the planner leaves out must satisfy it, unless it carries a conflict the planner has no
// safe step for.
bool looks_converged(const Snapshot& s, const Range& range, const Desired& d) {
    if (d.mode == Desired::Mode::Ignore)
        return true;
    // A Dynamic Capacity range is decided per allocation (plan-dc.cpp): with no wish for any tag
    // srmd leaves it as it is.
    if (range.dc && d.dc_tags.empty())
        return true;
    Owner owner = d.owner == Owner::None ? range.owner : d.owner;
    if (d.mode == Desired::Mode::Offline) {
        for (const RangeDax& dax : range.dax)
            if (dax.memory.online > 0 || dax.driver == "device_dax")
                return false;
        return true;
    }
    if (range.owner != owner)
        return false;
    bool any = false;
    for (const RangeDax& dax : range.dax) {
        const DaxDevice* device = s.dax_device(dax.device);
        if (!device || dax.size == 0)
            continue;
        bool mine = (owner == Owner::Cxl && device->parent_kind == DaxParentKind::Cxl) ||
                    (owner == Owner::Hmem && device->parent_kind == DaxParentKind::Hmem);
        if (!mine)
            continue;
        any = true;
        if (d.mode == Desired::Mode::Devdax && dax.driver != "device_dax")
            return false;
        if (d.mode == Desired::Mode::SystemRam &&
            (dax.driver != "kmem" || dax.memory.online != dax.memory.blocks ||
             (d.zone && dax.memory.zone && *dax.memory.zone != *d.zone)))
            return false;
    }
    return any;
}

TEST(PlanTrees, SafetyOverEveryWish) {
    const Owner owners[] = {Owner::Cxl, Owner::Hmem, Owner::None};
    const Desired::Mode modes[] = {SystemRam, Devdax, Offline, Desired::Mode::Ignore};
    const std::optional<Zone> zones[] = {Zone::Movable, Zone::Normal, std::nullopt};
    int plans = 0;
    int steps = 0;
    for (const std::string& name : all_trees()) {
        Tree tree = read_tree(name);
        for (Owner owner : owners)
            for (Desired::Mode mode : modes)
                for (std::optional<Zone> zone : zones)
                    for (bool teardown : {false, true}) {
                        Desired desired = want(owner, mode, zone, teardown);
                        SCOPED_TRACE(name + " owner " + to_string(owner) + " mode " +
                                     std::to_string(static_cast<int>(mode)) + " zone " +
                                     (zone ? to_string(*zone) : "auto") +
                                     (teardown ? " teardown" : " no teardown"));
                        std::vector<std::optional<Desired>> all(tree.ranges.size(), desired);
                        Plan plan = make_plan(tree.snapshot, tree.ranges, all);
                        ++plans;
                        Replay replay(tree.snapshot);
                        std::size_t next_range = 0;
                        for (const RangePlan& range_plan : plan.ranges) {
                            // Range order, each range at most once.
                            while (next_range < tree.ranges.size() &&
                                   tree.ranges[next_range].id != range_plan.range)
                                ++next_range;
                            ASSERT_LT(next_range, tree.ranges.size()) << range_plan.range;
                            ++next_range;
                            EXPECT_FALSE(range_plan.steps.empty() && range_plan.problems.empty());
                            for (const Step& step : range_plan.steps) {
                                ++steps;
                                std::string broken = replay.check(step);
                                EXPECT_EQ(broken, "")
                                    << to_string(step.action) << " " << step.target;
                                if (!teardown) {
                                    EXPECT_FALSE(Replay::is_teardown(step, replay))
                                        << to_string(step.action) << " " << step.target;
                                }
                                replay.apply(step);
                            }
                        }
                        // A range left out is converged, or in a conflict nothing safe fixes.
                        for (const Range& range : tree.ranges) {
                            bool planned = std::any_of(
                                plan.ranges.begin(), plan.ranges.end(),
                                [&](const RangePlan& p) { return p.range == range.id; });
                            if (!planned && range.status != RangeStatus::Conflict) {
                                EXPECT_TRUE(looks_converged(tree.snapshot, range, desired))
                                    << range.id;
                            }
                        }
                    }
    }
    EXPECT_GT(steps, 0);  // the property was exercised on real steps, not only refusals
    EXPECT_GT(plans, 0);
}

// Wanting exactly what a range is gives nothing to do: the plan of a converged machine is empty.
TEST(PlanTrees, WantingWhatIsGivesAnEmptyPlan) {
    for (const std::string& name : all_trees()) {
        SCOPED_TRACE(name);
        Tree tree = read_tree(name);
        std::vector<std::optional<Desired>> desired;
        for (const Range& range : tree.ranges) {
            bool all_online = true;
            for (const RangeDax& dax : range.dax)
                all_online = all_online && dax.memory.online == dax.memory.blocks;
            if (range.owner == Owner::None || range.status == RangeStatus::Conflict ||
                (range.mode == RangeMode::SystemRam && !all_online)) {
                desired.push_back(std::nullopt);
                continue;
            }
            Desired::Mode mode = range.mode == RangeMode::Devdax ? Devdax : SystemRam;
            std::optional<Zone> zone = range.dax.empty() ? std::nullopt : range.dax[0].memory.zone;
            desired.push_back(want(range.owner, mode, zone));
        }
        EXPECT_EQ(render(make_plan(tree.snapshot, tree.ranges, desired)), "");
    }
}

}  // namespace
}  // namespace srmd
