// refresh_snapshot must give what read_snapshot gives, field for field, when told what changed:
// on the fixture trees as they are, and after the simulated kernel changed them, with the changes
// gathered by note_uevent from the events a real kernel sends for those writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "read/root-reader.hpp"
#include "read/snapshot-refresh.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-kernel.hpp"
#include "snapshot-compare.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"
#include "util/error.hpp"

namespace srmd {
namespace {

using test::step;

using test::fixture;
using test::snapshot_differences;
using test::TreeCopy;

Uevent event(const std::string& action, const std::string& subsystem, const std::string& devpath,
             const std::string& driver = "") {
    return Uevent{action, subsystem, devpath, driver};
}

Changes changes_of(const std::vector<Uevent>& events) {
    Changes changes;
    for (const Uevent& e : events)
        note_uevent(changes, e);
    return changes;
}

std::string block_devpath(std::uint64_t id) {
    return "/devices/system/memory/memory" + std::to_string(id);
}

// The blocks a dax device's mappings cover, as kmem adds them.
std::vector<std::uint64_t> blocks_of(const Snapshot& snapshot, const std::string& dax) {
    std::vector<std::uint64_t> ids;
    const DaxDevice* device = snapshot.dax_device(dax);
    std::uint64_t size = snapshot.memory.block_size;
    for (const DaxMapping& m : device->mappings)
        for (std::uint64_t id = (m.start + size - 1) / size; (id + 1) * size - 1 <= m.end; ++id)
            ids.push_back(id);
    return ids;
}

// One event per block, as the kernel sends them for a device's blocks.
void add_block_events(std::vector<Uevent>& events, const std::string& action,
                      const std::vector<std::uint64_t>& ids) {
    for (std::uint64_t id : ids)
        events.push_back(event(action, "memory", block_devpath(id)));
}

// The device's devpath: its canonical sysfs directory without "/sys".
std::string devpath_of(const std::string& root, const std::string& bus_path) {
    return RootReader(root).canonical(bus_path).substr(4);
}

void run(SimulatedKernel& kernel, const Step& s) {
    StepOutcome outcome = kernel.execute(s);
    ASSERT_TRUE(outcome.ok) << outcome.path << ": " << outcome.message;
}

// Refreshes `previous` and checks the result against a fresh read; returns the refresh.
Snapshot expect_refresh_is_fresh(const Snapshot& previous, const std::string& root,
                                 const Changes& changes) {
    RootReader reader(root);
    Snapshot refreshed = refresh_snapshot(previous, reader, changes);
    EXPECT_EQ(snapshot_differences(refreshed, read_snapshot(reader)), "");
    return refreshed;
}

const char* const kFixtures[] = {
    "kernel-6.1/both",
    "kernel-6.1/cxl-no-region",
    "kernel-6.1/cxl-pmem-region",
    "kernel-6.1/hmem-devdax",
    "kernel-6.1/hmem-high-kmem-normal",
    "kernel-6.1/hmem-kmem-movable",
    "constructed/conflict-6x",
    "constructed/devdax",
    "constructed/hmem-only",
    "kernel-7.2/numa-kmem-movable",
    "kernel-7.2/cxl-ram-kmem-movable",
    "kernel-7.2/overlap-region",
    "constructed/locked-region",
    "constructed/partial-coverage",
    "constructed/region-assembly-failure",
    "constructed/two-windows-kmem",
    "constructed/unaligned",
};

// --- unchanged trees

TEST(SnapshotRefresh, OnUnchangedFixturesEveryKindOfRefreshIsAFreshRead) {
    for (const char* name : kFixtures) {
        SCOPED_TRACE(name);
        RootReader reader(fixture(name));
        Snapshot previous = read_snapshot(reader);

        Changes everything;
        everything.cxl = everything.dax = everything.nodes = true;
        for (const MemoryBlock& block : previous.memory.blocks)
            everything.blocks.insert(block.id);
        Changes full;
        full.full = true;
        Changes one_block;
        if (!previous.memory.blocks.empty())
            one_block.blocks.insert(previous.memory.blocks.back().id);

        for (const Changes& changes : {Changes{}, everything, full, one_block})
            EXPECT_EQ(snapshot_differences(refresh_snapshot(previous, reader, changes), previous),
                      "");
    }
}

TEST(SnapshotRefresh, WithoutChangesOnlyTheFilesThatChangeSilentlyAreRead) {
    RootReader reader(fixture("constructed/two-windows-kmem"));
    Snapshot previous = read_snapshot(reader);
    reader.reset_counters();
    refresh_snapshot(previous, reader, Changes{});
    // /proc/iomem, /proc/modules and auto_online_blocks.
    EXPECT_EQ(reader.files_opened(), 3u);
    EXPECT_EQ(reader.dirs_listed(), 0u);
}

TEST(SnapshotRefresh, AutoOnlineBlocksIsReadOnEveryRefresh) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    Snapshot previous = read_snapshot(RootReader(tree.path()));
    SimulatedKernel kernel(tree.path());
    ASSERT_TRUE(kernel.write("/sys/devices/system/memory/auto_online_blocks", "online").ok);
    Snapshot refreshed = expect_refresh_is_fresh(previous, tree.path(), Changes{});
    EXPECT_EQ(refreshed.memory.auto_online_blocks, "online");
}

// --- trees the simulated kernel changed

TEST(SnapshotRefresh, ReconfigureToSystemRamThenOnline) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    Snapshot before = read_snapshot(RootReader(tree.path()));
    std::vector<std::uint64_t> ids = blocks_of(before, "dax0.0");
    ASSERT_EQ(ids, (std::vector<std::uint64_t>{8, 9, 10, 11}));
    SimulatedKernel kernel(tree.path());

    run(kernel, step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam));
    std::vector<Uevent> events;
    add_block_events(events, "add", ids);
    events.push_back(event("unbind", "dax", "/devices/platform/hmem.0/dax0.0"));
    events.push_back(event("bind", "dax", "/devices/platform/hmem.0/dax0.0", "kmem"));
    Snapshot added = expect_refresh_is_fresh(before, tree.path(), changes_of(events));
    EXPECT_EQ(added.memory.blocks.size(), before.memory.blocks.size() + 4);

    // Without the block events the new blocks are missed: the comparison sees it.
    Changes dax_only;
    dax_only.dax = true;
    EXPECT_NE(snapshot_differences(refresh_snapshot(before, RootReader(tree.path()), dax_only),
                                   read_snapshot(RootReader(tree.path()))),
              "");

    run(kernel, step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable));
    events.clear();
    add_block_events(events, "online", ids);
    Snapshot online = expect_refresh_is_fresh(added, tree.path(), changes_of(events));
    for (const MemoryBlock& block : online.memory.blocks)
        if (block.id >= 8 && block.id <= 11) {
            EXPECT_EQ(block.state, "online") << block.id;
        }
}

TEST(SnapshotRefresh, OneBlockAtATimeReadsEachBlocksNode) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    Snapshot snapshot = read_snapshot(RootReader(tree.path()));
    SimulatedKernel kernel(tree.path());
    run(kernel, step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam));

    // A pass per block event: each refresh finds one new block, through its own directory.
    Changes first = changes_of({event("bind", "dax", "/devices/platform/hmem.0/dax0.0", "kmem")});
    first.blocks.insert(8);
    RootReader reader(tree.path());
    snapshot = refresh_snapshot(snapshot, reader, first);
    for (std::uint64_t id : {9, 10, 11}) {
        reader.reset_counters();
        snapshot = refresh_snapshot(snapshot, reader,
                                    changes_of({event("add", "memory", block_devpath(id))}));
        // iomem, modules, auto_online_blocks, state, valid_zones, the nodes' files; the block's
        // directory and nothing the size of the machine.
        EXPECT_LT(reader.files_opened(), 20u);
    }
    EXPECT_EQ(snapshot_differences(snapshot, read_snapshot(reader)), "");
    for (const MemoryBlock& block : snapshot.memory.blocks)
        EXPECT_EQ(block.node, 0) << block.id;
}

TEST(SnapshotRefresh, OfflineAndBackToDevdaxRemovesTheBlocks) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    Snapshot before = read_snapshot(RootReader(tree.path()));
    std::vector<std::uint64_t> ids = blocks_of(before, "dax0.0");
    SimulatedKernel kernel(tree.path());

    run(kernel, step(Action::OfflineMemory, "dax0.0"));
    std::vector<Uevent> events;
    add_block_events(events, "offline", ids);
    Snapshot offline = expect_refresh_is_fresh(before, tree.path(), changes_of(events));

    run(kernel, step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax));
    events.clear();
    add_block_events(events, "remove", ids);
    events.push_back(event("unbind", "dax", "/devices/platform/hmem.0/dax0.0"));
    events.push_back(event("bind", "dax", "/devices/platform/hmem.0/dax0.0", "device_dax"));
    Snapshot devdax = expect_refresh_is_fresh(offline, tree.path(), changes_of(events));
    EXPECT_EQ(devdax.memory.blocks.size(), before.memory.blocks.size() - ids.size());
}

TEST(SnapshotRefresh, DisableAndEnableARegion) {
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    Snapshot before = read_snapshot(RootReader(tree.path()));
    std::vector<std::uint64_t> ids = blocks_of(before, "dax0.0");
    std::string dax = devpath_of(tree.path(), "/sys/bus/dax/devices/dax0.0");
    std::string region = devpath_of(tree.path(), "/sys/bus/cxl/devices/region0");
    SimulatedKernel kernel(tree.path());

    run(kernel, step(Action::OfflineMemory, "dax0.0"));
    run(kernel, step(Action::DisableRegion, "region0"));
    std::vector<Uevent> events;
    add_block_events(events, "offline", ids);
    add_block_events(events, "remove", ids);
    events.push_back(event("unbind", "dax", dax));
    events.push_back(event("remove", "dax", dax));
    events.push_back(event("unbind", "cxl", region + "/dax_region0"));
    events.push_back(event("remove", "cxl", region + "/dax_region0"));
    events.push_back(event("unbind", "cxl", region));
    Snapshot disabled = expect_refresh_is_fresh(before, tree.path(), changes_of(events));
    // dax1.0 is now the first device: its blocks' owner index moved without any event of theirs.
    ASSERT_EQ(disabled.dax_devices.size(), 1u);
    EXPECT_EQ(disabled.memory.blocks.back().dax, 0);

    run(kernel, step(Action::EnableRegion, "region0"));
    events.clear();
    events.push_back(event("add", "cxl", region + "/dax_region0"));
    events.push_back(event("add", "dax", dax));
    add_block_events(events, "add", ids);
    add_block_events(events, "online", ids);
    events.push_back(event("bind", "dax", dax, "kmem"));
    events.push_back(event("bind", "cxl", region + "/dax_region0", "cxl_dax_region"));
    events.push_back(event("bind", "cxl", region, "cxl_region"));
    Snapshot enabled = expect_refresh_is_fresh(disabled, tree.path(), changes_of(events));
    EXPECT_EQ(snapshot_differences(enabled, before), "");
}

TEST(SnapshotRefresh, ReleaseAndClaimHmem) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    Snapshot before = read_snapshot(RootReader(tree.path()));
    SimulatedKernel kernel(tree.path());

    run(kernel, step(Action::ReleaseHmem, "hmem.0"));
    Changes released = changes_of({event("remove", "dax", "/devices/platform/hmem.0/dax0.0"),
                                   event("unbind", "platform", "/devices/platform/hmem.0")});
    Snapshot after_release = expect_refresh_is_fresh(before, tree.path(), released);
    EXPECT_TRUE(after_release.dax_devices.empty());

    // hmem's probe brings dax0.0 back and the kernel binds kmem, adding the blocks.
    run(kernel, step(Action::ClaimHmem, "hmem.0"));
    std::vector<Uevent> events{event("add", "dax", "/devices/platform/hmem.0/dax0.0")};
    add_block_events(events, "add", {8, 9, 10, 11});
    events.push_back(event("bind", "platform", "/devices/platform/hmem.0", "hmem"));
    expect_refresh_is_fresh(after_release, tree.path(), changes_of(events));
}

TEST(SnapshotRefresh, ACxlChangeAlsoRereadsTheDaxDevices) {
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    Snapshot before = read_snapshot(RootReader(tree.path()));
    std::vector<std::uint64_t> ids = blocks_of(before, "dax0.0");
    std::string region = devpath_of(tree.path(), "/sys/bus/cxl/devices/region0");
    SimulatedKernel kernel(tree.path());
    run(kernel, step(Action::OfflineMemory, "dax0.0"));
    run(kernel, step(Action::DisableRegion, "region0"));
    // Only the region's own event and the blocks': dax0.0 went with the region.
    std::vector<Uevent> events{event("unbind", "cxl", region)};
    add_block_events(events, "remove", ids);
    Snapshot after = expect_refresh_is_fresh(before, tree.path(), changes_of(events));
    EXPECT_EQ(after.dax_device("dax0.0"), nullptr);
}

// The events the simulated kernel logs for its writes are all a refresh needs.
TEST(SnapshotRefresh, TheSimulatedKernelsEventLogIsEnough) {
    struct Scenario {
        const char* tree;
        std::vector<Step> steps;
    };
    const std::vector<Scenario> scenarios = {
        {"kernel-6.1/hmem-devdax",
         {step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam),
          step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable),
          step(Action::OfflineMemory, "dax0.0"),
          step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax),
          step(Action::ReleaseHmem, "hmem.0"), step(Action::ClaimHmem, "hmem.0")}},
        {"constructed/two-windows-kmem",
         {step(Action::OfflineMemory, "dax0.0"), step(Action::DisableRegion, "region0"),
          step(Action::EnableRegion, "region0"), step(Action::OfflineMemory, "dax1.0"),
          step(Action::DisableRegion, "region1"), step(Action::DestroyRegion, "region1")}},
    };
    for (const Scenario& scenario : scenarios) {
        TreeCopy tree(fixture(scenario.tree));
        Snapshot snapshot = read_snapshot(RootReader(tree.path()));
        SimulatedKernel kernel(tree.path());
        std::size_t seen = 0;
        for (const Step& s : scenario.steps) {
            SCOPED_TRACE(std::string(scenario.tree) + " " + s.target);
            run(kernel, s);
            std::ifstream log(tree.path() + kSimUeventLog);
            std::string line;
            Changes changes;
            for (std::size_t n = 0; std::getline(log, line); ++n) {
                if (n < seen)
                    continue;
                ++seen;
                std::optional<Uevent> e = parse_uevent_line(line);
                ASSERT_TRUE(e) << line;
                note_uevent(changes, *e);
            }
            EXPECT_FALSE(changes.empty());
            snapshot = expect_refresh_is_fresh(snapshot, tree.path(), changes);
        }
    }
}

// Seen on the real kernel: when kmem lets go of a CPU-less node's last memory, the node leaves
// sysfs, and the refresh after that step still has the node from the snapshot before it.
TEST(SnapshotRefresh, ANodeThatLeftSysfsSinceTheLastReadIsNotAnError) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    std::string node1 = tree.path() + "/sys/devices/system/node/node1";
    std::filesystem::create_directory(node1);
    Snapshot before = read_snapshot(RootReader(tree.path()));
    ASSERT_EQ(before.nodes.size(), 2u);
    std::filesystem::remove(node1);

    // Every block changed: the refresh takes the blocks' nodes from the node listings.
    Changes changes;
    for (const MemoryBlock& block : before.memory.blocks)
        changes.blocks.insert(block.id);
    RootReader reader(tree.path());
    Snapshot refreshed = refresh_snapshot(before, reader, changes);
    Snapshot fresh = read_snapshot(reader);
    ASSERT_EQ(refreshed.memory.blocks.size(), fresh.memory.blocks.size());
    for (std::size_t i = 0; i < fresh.memory.blocks.size(); ++i)
        EXPECT_EQ(refreshed.memory.blocks[i].node, fresh.memory.blocks[i].node)
            << fresh.memory.blocks[i].id;

    changes.nodes = true;
    expect_refresh_is_fresh(before, tree.path(), changes);
}

// A block an event names and a simulator left halfway written is read as incomplete, as a full
// read takes it; a block whose directory is gone was removed.
TEST(SnapshotRefresh, AChangedBlockWithoutAStateFileIsIncompleteAsInAFullRead) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    Snapshot before = read_snapshot(RootReader(tree.path()));
    std::filesystem::remove(tree.path() + "/sys/devices/system/memory/memory9/state");
    Changes changes = changes_of({event("offline", "memory", block_devpath(9))});
    Snapshot refreshed = expect_refresh_is_fresh(before, tree.path(), changes);
    const MemoryBlock* block = nullptr;
    for (const MemoryBlock& b : refreshed.memory.blocks)
        if (b.id == 9)
            block = &b;
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(block->incomplete, "memory9 has no state file");
    EXPECT_EQ(block->state, "");

    std::filesystem::remove_all(tree.path() + "/sys/devices/system/memory/memory9");
    refreshed = refresh_snapshot(before, RootReader(tree.path()),
                                 changes_of({event("remove", "memory", block_devpath(9))}));
    for (const MemoryBlock& b : refreshed.memory.blocks)
        EXPECT_NE(b.id, 9u);
}

// --- which events say what

TEST(NoteUevent, EachSubsystemMapsToItsPart) {
    Changes block = changes_of({event("online", "memory", block_devpath(8))});
    EXPECT_EQ(block.blocks, (std::set<std::uint64_t>{8}));
    EXPECT_TRUE(block.nodes);  // the node may have gained memory and a tier
    EXPECT_FALSE(block.full || block.cxl || block.dax);

    EXPECT_TRUE(changes_of({event("add", "dax", "/devices/platform/hmem.0/dax0.0")}).dax);
    EXPECT_TRUE(changes_of({event("add", "nd", "/devices/platform/e820_pmem/ndbus0/region0")}).dax);
    Changes cxl = changes_of({event("add", "cxl", "/devices/platform/ACPI0017:00/root0")});
    EXPECT_TRUE(cxl.cxl);
    EXPECT_TRUE(cxl.blocks.empty());
    EXPECT_TRUE(changes_of({event("bind", "platform", "/devices/platform/hmem.0", "hmem")}).dax);
    EXPECT_TRUE(changes_of({event("add", "platform", "/devices/platform/hmem_platform.0")}).dax);
    EXPECT_TRUE(changes_of({event("add", "node", "/devices/system/node/node2")}).nodes);
    EXPECT_TRUE(
        changes_of({event("add", "memory_tiering", "/devices/virtual/memory_tiering/memory_tier4")})
            .nodes);
    EXPECT_TRUE(changes_of({event("add", "drivers", "/bus/dax/drivers/kmem")}).dax);
    EXPECT_TRUE(changes_of({event("add", "drivers", "/bus/cxl/drivers/cxl_region")}).cxl);
    EXPECT_TRUE(changes_of({event("add", "drivers", "/bus/platform/drivers/hmem")}).dax);
}

TEST(NoteUevent, EventsThatCannotMatterChangeNothing) {
    for (const Uevent& e : {event("add", "pci", "/devices/pci0000:00/0000:00:02.0"),
                            event("bind", "platform", "/devices/platform/serial8250", "serial8250"),
                            event("add", "block", "/devices/virtual/block/loop0"),
                            event("add", "drivers", "/bus/pci/drivers/nvme"),
                            event("add", "module", "/module/kmem")}) {
        SCOPED_TRACE(format_uevent_line(e));
        EXPECT_TRUE(changes_of({e}).empty());
    }
}

TEST(NoteUevent, EventsThatCannotBePlacedAskForAFullRead) {
    for (const Uevent& e : {event("change", "memory", "/devices/system/memory"),
                            event("add", "memory", "/devices/system/memory/memoryX"),
                            event("add", "mystery", "/devices/system/memory/memory8/sub"),
                            event("change", "other", "/devices/system/node/node0"),
                            event("add", "", "/devices/platform/hmem.0")}) {
        SCOPED_TRACE(format_uevent_line(e));
        EXPECT_TRUE(changes_of({e}).full);
    }
}

TEST(Changes, MergeAndEmpty) {
    Changes a;
    EXPECT_TRUE(a.empty());
    Changes b;
    b.blocks = {3, 4};
    b.dax = true;
    Changes c;
    c.blocks = {4, 5};
    c.cxl = true;
    a.merge(b);
    a.merge(c);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a.blocks, (std::set<std::uint64_t>{3, 4, 5}));
    EXPECT_TRUE(a.dax && a.cxl);
    EXPECT_FALSE(a.full || a.nodes);
    Changes full;
    full.full = true;
    EXPECT_FALSE(full.empty());
    a.merge(full);
    EXPECT_TRUE(a.full);
}

}  // namespace
}  // namespace srmd
