// The simulated kernel applies the kernel's rules to copies of real and constructed trees. Where
// a real capture shows the result (kernel-6.1: hmem-devdax and hmem-kmem-movable are the same
// boot before and after `daxctl reconfigure-device -m system-ram` and onlining), the simulated
// tree must equal the capture file for file.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "read/uevent.hpp"
#include "sim/sim-kernel.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"
#include "tree-compare.hpp"

using namespace std::chrono_literals;

namespace srmd {
namespace {

using test::read_file;
using test::step;
using test::write_file;

using test::fixture;
using test::TreeCopy;

// Parts of a capture the simulator does not model: the capture's own notes, the simulator's
// memory, and the memory counters (/proc/meminfo, zoneinfo, per node meminfo, numastat, vmstat).
const std::set<std::string> kNotModelled = {".capture", ".sim-kernel", "meminfo",
                                            "zoneinfo", "numastat",    "vmstat"};

bool exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

Snapshot snap(const std::string& root) {
    return read_snapshot(RootReader(root));
}

std::string block_attr(const std::string& root, int id, const std::string& attr) {
    std::string text =
        read_file(root + "/sys/devices/system/memory/memory" + std::to_string(id) + "/" + attr);
    if (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

void expect_ok(const StepOutcome& outcome) {
    EXPECT_TRUE(outcome.ok) << errno_name(outcome.error) << " at " << outcome.path << ": "
                            << outcome.message;
}

// --- binding kmem, onlining, offlining: against the real captures

TEST(SimKernel, ReconfigureToSystemRamThenOnlineMovableIsTheRealCapture) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path());

    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
    // auto_online_blocks is "offline" in the capture: kmem adds the blocks, offline.
    for (int id = 8; id <= 11; ++id) {
        EXPECT_EQ(block_attr(tree.path(), id, "state"), "offline") << id;
        EXPECT_EQ(block_attr(tree.path(), id, "valid_zones"), "DMA32 Movable") << id;
    }
    EXPECT_EQ(
        std::filesystem::read_symlink(tree.path() + "/sys/devices/platform/hmem.0/dax0.0/driver"),
        "../../../../bus/dax/drivers/kmem");
    Snapshot middle = snap(tree.path());
    std::vector<Range> ranges = compute_ranges(middle);
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].mode, RangeMode::SystemRam);
    EXPECT_EQ(ranges[0].dax.at(0).memory.blocks, 4);
    EXPECT_EQ(ranges[0].dax.at(0).memory.online, 0);

    expect_ok(kernel.execute(step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable)));
    EXPECT_EQ(
        test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-kmem-movable"), kNotModelled),
        "");
}

TEST(SimKernel, OfflineAndBackToDevdaxIsTheRealCapture) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    for (int id = 8; id <= 11; ++id)
        EXPECT_EQ(block_attr(tree.path(), id, "state"), "offline") << id;
    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax)));
    EXPECT_EQ(test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-devdax"), kNotModelled),
              "");
}

TEST(SimKernel, UnbindingKmemWithOnlineMemoryLeaksTheRange) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    // The kernel accepts the unbind: the driver goes, the memory stays.
    expect_ok(kernel.execute(step(Action::DisableDax, "dax0.0")));
    EXPECT_FALSE(exists(tree.path() + "/sys/devices/platform/hmem.0/dax0.0/driver"));
    EXPECT_FALSE(exists(tree.path() + "/sys/bus/dax/drivers/kmem/dax0.0"));
    for (int id = 8; id <= 11; ++id)
        EXPECT_EQ(block_attr(tree.path(), id, "state"), "online") << id;
    EXPECT_EQ(read_file(tree.path() + "/.sim-kernel/leaked"),
              "0x40000000-0x5fffffff dax0.0 unbind\n");
    EXPECT_NE(read_file(tree.path() + "/proc/iomem").find("System RAM (kmem)"), std::string::npos);

    // Until "reboot", kmem cannot take the range again.
    StepOutcome again = kernel.execute(step(Action::EnableDax, "dax0.0", DaxMode::SystemRam));
    EXPECT_FALSE(again.ok);
    EXPECT_EQ(again.error, EBUSY);
    EXPECT_EQ(again.path, "/sys/bus/dax/drivers/kmem/bind");
    EXPECT_NE(again.message.find("could not reserve region"), std::string::npos) << again.message;

    // The tree still reads, and shows online memory under an unbound device.
    Snapshot after = snap(tree.path());
    ASSERT_NE(after.dax_device("dax0.0"), nullptr);
    EXPECT_EQ(after.dax_device("dax0.0")->driver, "");
    std::vector<Range> ranges = compute_ranges(after);
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].dax.at(0).memory.online, 4);
}

TEST(SimKernel, MemoryBlockStateWrites) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    const std::string state = "/sys/devices/system/memory/memory8/state";

    WorkerReport online_again = kernel.write(state, "online");
    EXPECT_FALSE(online_again.ok);
    EXPECT_EQ(online_again.error, EINVAL);
    EXPECT_EQ(online_again.path, state);
    EXPECT_EQ(kernel.write(state, "online_movable").error, EINVAL);

    EXPECT_TRUE(kernel.write(state, "offline").ok);
    EXPECT_EQ(block_attr(tree.path(), 8, "state"), "offline");
    EXPECT_EQ(block_attr(tree.path(), 8, "online"), "0");
    EXPECT_EQ(kernel.write(state, "offline").error, EINVAL);
    EXPECT_EQ(kernel.write(state, "sideways").error, EINVAL);

    // Plain "online" takes the default zone, the first candidate.
    EXPECT_TRUE(kernel.write(state, "online").ok);
    EXPECT_EQ(block_attr(tree.path(), 8, "valid_zones"), "DMA32");
    EXPECT_EQ(kernel.write("/sys/devices/system/memory/memory99/state", "online").error, ENOENT);
}

TEST(SimKernel, KernelZoneBlocksRefuseToGoOffline) {
    TreeCopy tree(fixture("kernel-6.1/hmem-high-kmem-normal"));
    SimulatedKernel kernel(tree.path());
    StepOutcome outcome = kernel.execute(step(Action::OfflineMemory, "dax0.0"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EBUSY);
    EXPECT_EQ(outcome.path, "/sys/devices/system/memory/memory40/state");
    for (int id = 40; id <= 43; ++id)
        EXPECT_EQ(block_attr(tree.path(), id, "state"), "online") << id;
}

TEST(SimKernel, KmemRefusesAnInvalidTargetNode) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    write_file(tree.path() + "/sys/devices/platform/hmem.0/dax0.0/target_node", "-1\n");
    SimulatedKernel kernel(tree.path());
    StepOutcome outcome =
        kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EINVAL);
    EXPECT_EQ(outcome.path, "/sys/bus/dax/drivers/kmem/bind");
    EXPECT_NE(outcome.message.find("invalid node"), std::string::npos) << outcome.message;
    // The unbind from device_dax had happened: the device is left unbound, no blocks added.
    EXPECT_EQ(snap(tree.path()).dax_device("dax0.0")->driver, "");
    EXPECT_FALSE(exists(tree.path() + "/sys/devices/system/memory/memory8"));
}

TEST(SimKernel, KmemRefusesADeviceWithoutAWholeBlock) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    // 1 GiB blocks: the 512 MiB device at 1 GiB holds none whole.
    write_file(tree.path() + "/sys/devices/system/memory/block_size_bytes", "40000000\n");
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::DisableDax, "dax0.0")));
    StepOutcome outcome = kernel.execute(step(Action::EnableDax, "dax0.0", DaxMode::SystemRam));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EINVAL);
    EXPECT_NE(outcome.message.find("without any memory after alignment"), std::string::npos);
}

TEST(SimKernel, AutoOnlinePolicyDecidesTheNewBlocksState) {
    struct Case {
        const char* policy;
        const char* state;
        const char* zone;
        Zone range_zone;
    };
    for (const Case& c : {Case{"online_movable", "online", "Movable", Zone::Movable},
                          Case{"online", "online", "DMA32", Zone::Normal},
                          Case{"online_kernel", "online", "DMA32", Zone::Normal}}) {
        TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
        write_file(tree.path() + "/sys/devices/system/memory/auto_online_blocks",
                   std::string(c.policy) + "\n");
        SimulatedKernel kernel(tree.path());
        expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
        EXPECT_EQ(block_attr(tree.path(), 9, "state"), c.state) << c.policy;
        EXPECT_EQ(block_attr(tree.path(), 9, "valid_zones"), c.zone) << c.policy;
        std::vector<Range> ranges = compute_ranges(snap(tree.path()));
        EXPECT_EQ(ranges.at(0).dax.at(0).memory.online, 4) << c.policy;
        EXPECT_EQ(ranges.at(0).dax.at(0).memory.zone, c.range_zone) << c.policy;
    }
}

TEST(SimKernel, OnlineIntoAZoneAndVerifyBySnapshot) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
    expect_ok(kernel.execute(step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Normal)));
    std::vector<Range> ranges = compute_ranges(snap(tree.path()));
    EXPECT_EQ(ranges.at(0).dax.at(0).memory.online, 4);
    EXPECT_EQ(ranges.at(0).dax.at(0).memory.zone, Zone::Normal);
    // Blocks already online are skipped, as libdaxctl does: no error, nothing written.
    int writes = kernel.writes();
    expect_ok(kernel.execute(step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Normal)));
    EXPECT_EQ(kernel.writes(), writes);
}

// --- CXL regions

TEST(SimKernel, DisableAndEnableRegionRoundTrip) {
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    TreeCopy original(fixture("constructed/two-windows-kmem"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    expect_ok(kernel.execute(step(Action::DisableRegion, "region0")));

    Snapshot off = snap(tree.path());
    ASSERT_NE(off.region("region0"), nullptr);
    EXPECT_FALSE(off.region("region0")->enabled);
    EXPECT_EQ(off.region("region0")->dax_region, "");
    EXPECT_EQ(off.dax_device("dax0.0"), nullptr);
    EXPECT_NE(off.dax_device("dax1.0"), nullptr);
    for (const MemoryBlock& block : off.memory.blocks)
        EXPECT_FALSE(block.id * off.memory.block_size >= 0x2080000000ULL &&
                     block.id * off.memory.block_size < 0x2480000000ULL)
            << "memory" << block.id << " survived its dax device";
    std::string iomem = read_file(tree.path() + "/proc/iomem");
    EXPECT_EQ(iomem.find("dax0.0"), std::string::npos) << iomem;
    EXPECT_NE(iomem.find("region0"), std::string::npos);
    EXPECT_FALSE(exists(tree.path() + "/sys/bus/dax/devices/dax0.0"));
    EXPECT_FALSE(exists(tree.path() + "/sys/bus/cxl/devices/dax_region0"));
    EXPECT_FALSE(exists(tree.path() + "/sys/bus/cxl/drivers/cxl_region/region0"));

    // Enabling it again brings the dax region and dax0.0 back on kmem, its blocks onlined by
    // auto_online_blocks (online_movable here): the tree is as it was.
    expect_ok(kernel.execute(step(Action::EnableRegion, "region0")));
    EXPECT_EQ(test::tree_differences(tree.path(), original.path(), kNotModelled), "");
}

TEST(SimKernel, DisablingARegionWithOnlineMemoryLeaksIt) {
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::DisableRegion, "region1")));
    std::string leaked = read_file(tree.path() + "/.sim-kernel/leaked");
    EXPECT_EQ(leaked, "0x2480000000-0x287fffffff dax1.0 disable-region\n");
    // Re-enabling creates dax1.0, but kmem cannot reserve the leaked range: it stays unbound.
    expect_ok(kernel.execute(step(Action::EnableRegion, "region1")));
    Snapshot after = snap(tree.path());
    ASSERT_NE(after.dax_device("dax1.0"), nullptr);
    EXPECT_EQ(after.dax_device("dax1.0")->driver, "");
}

TEST(SimKernel, EnablingARegionOverAnHmemRangeLeavesTheDaxRegionEmpty) {
    // conflict-6x: hmem.0 holds the range region1 covers.
    TreeCopy tree(fixture("constructed/conflict-6x"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::DisableRegion, "region1")));
    EXPECT_FALSE(snap(tree.path()).region("region1")->enabled);
    expect_ok(kernel.execute(step(Action::EnableRegion, "region1")));
    Snapshot after = snap(tree.path());
    const CxlRegion* region = after.region("region1");
    ASSERT_NE(region, nullptr);
    EXPECT_TRUE(region->enabled);
    EXPECT_EQ(region->dax_region, "dax_region1");
    EXPECT_FALSE(region->dax_region_enabled);
    EXPECT_EQ(after.dax_device("dax1.0"), nullptr);
}

TEST(SimKernel, EnablingAnUncommittedRegionFails) {
    TreeCopy tree(fixture("constructed/region-assembly-failure"));
    SimulatedKernel kernel(tree.path());
    StepOutcome outcome = kernel.execute(step(Action::EnableRegion, "region0"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, ENXIO);
}

TEST(SimKernel, DestroyRegionRules) {
    {
        TreeCopy tree(fixture("constructed/locked-region"));
        SimulatedKernel kernel(tree.path());
        StepOutcome outcome = kernel.execute(step(Action::DestroyRegion, "region0"));
        EXPECT_FALSE(outcome.ok);
        EXPECT_EQ(outcome.error, EPERM);
        EXPECT_NE(snap(tree.path()).region("region0"), nullptr);
    }
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    SimulatedKernel kernel(tree.path());
    StepOutcome enabled = kernel.execute(step(Action::DestroyRegion, "region1"));
    EXPECT_FALSE(enabled.ok);
    EXPECT_EQ(enabled.error, EBUSY);
    EXPECT_TRUE(snap(tree.path()).region("region1")->committed);

    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax1.0")));
    expect_ok(kernel.execute(step(Action::DisableRegion, "region1")));
    expect_ok(kernel.execute(step(Action::DestroyRegion, "region1")));
    Snapshot after = snap(tree.path());
    EXPECT_EQ(after.region("region1"), nullptr);
    EXPECT_NE(after.region("region0"), nullptr);
    EXPECT_FALSE(exists(tree.path() + "/sys/bus/cxl/devices/region1"));
    EXPECT_EQ(read_file(tree.path() + "/proc/iomem").find("region1"), std::string::npos);
    EXPECT_NO_THROW(compute_ranges(after));
}

// --- hmem

TEST(SimKernel, ReleaseAndClaimHmem) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::ReleaseHmem, "hmem.0")));
    Snapshot released = snap(tree.path());
    ASSERT_NE(released.hmem_device("hmem.0"), nullptr);
    EXPECT_EQ(released.hmem_device("hmem.0")->driver, "");
    EXPECT_FALSE(released.hmem_device("hmem.0")->has_dax_region);
    EXPECT_TRUE(released.dax_devices.empty());
    EXPECT_EQ(read_file(tree.path() + "/proc/iomem").find("dax0.0"), std::string::npos);

    // hmem's probe makes the dax region and dax0.0 again, which the kernel binds to kmem.
    expect_ok(kernel.execute(step(Action::ClaimHmem, "hmem.0")));
    Snapshot claimed = snap(tree.path());
    EXPECT_EQ(claimed.hmem_device("hmem.0")->driver, "hmem");
    const DaxDevice* dax = claimed.dax_device("dax0.0");
    ASSERT_NE(dax, nullptr);
    EXPECT_EQ(dax->driver, "kmem");
    EXPECT_EQ(dax->target_node, 0);
    EXPECT_EQ(dax->parent, "hmem.0");
    std::vector<Range> ranges = compute_ranges(claimed);
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].mode, RangeMode::SystemRam);
    EXPECT_EQ(ranges[0].dax.at(0).memory.blocks, 4);
    EXPECT_EQ(ranges[0].dax.at(0).memory.online, 0);
}

TEST(SimKernel, ClaimingHmemOverACxlDaxRegionFails) {
    TreeCopy tree(fixture("constructed/conflict-6x"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    expect_ok(kernel.execute(step(Action::ReleaseHmem, "hmem.0")));
    StepOutcome outcome = kernel.execute(step(Action::ClaimHmem, "hmem.0"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, ENOMEM);
    EXPECT_NE(outcome.message.find("dax_region resource conflict"), std::string::npos);
    EXPECT_EQ(snap(tree.path()).hmem_device("hmem.0")->driver, "");
}

// --- uevents: what a real kernel announces for each write

// The event log's lines written since the last call, each checked to parse as an event.
class EventLog {
  public:
    explicit EventLog(const std::string& root) : path_(root + kSimUeventLog) {}
    std::vector<std::string> take() {
        std::string text = read_file(path_);
        std::vector<std::string> lines;
        std::istringstream in(text.substr(std::min(seen_, text.size())));
        seen_ = text.size();
        std::string line;
        while (std::getline(in, line)) {
            EXPECT_TRUE(parse_uevent_line(line).has_value()) << line;
            lines.push_back(line);
        }
        return lines;
    }

  private:
    std::string path_;
    std::size_t seen_ = 0;
};

using Lines = std::vector<std::string>;

Lines blocks(const std::string& action, int first, int last) {
    Lines lines;
    for (int id = first; id <= last; ++id)
        lines.push_back(action + " memory /devices/system/memory/memory" + std::to_string(id));
    return lines;
}

Lines concat(std::initializer_list<Lines> parts) {
    Lines all;
    for (const Lines& part : parts)
        all.insert(all.end(), part.begin(), part.end());
    return all;
}

TEST(SimKernelEvents, KmemBindAddsEachBlockThenBinds) {
    const std::string dax = "/devices/platform/hmem.0/dax0.0";
    {
        // auto_online_blocks "offline": blocks are added and stay offline.
        TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
        SimulatedKernel kernel(tree.path());
        EventLog log(tree.path());
        expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
        EXPECT_EQ(
            log.take(),
            concat({{"unbind dax " + dax}, blocks("add", 8, 11), {"bind dax " + dax + " kmem"}}));
    }
    // With auto-onlining the kernel onlines every block after adding them all, before the bind.
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path());
    EventLog log(tree.path());
    EXPECT_TRUE(kernel.write("/sys/devices/system/memory/auto_online_blocks", "online_movable").ok);
    EXPECT_EQ(snap(tree.path()).memory.auto_online_blocks, "online_movable");
    EXPECT_EQ(log.take(), Lines{}) << "a write to auto_online_blocks sends nothing";
    EXPECT_EQ(kernel.write("/sys/devices/system/memory/auto_online_blocks", "sometimes").error,
              EINVAL);
    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
    EXPECT_EQ(log.take(), concat({{"unbind dax " + dax},
                                  blocks("add", 8, 11),
                                  blocks("online", 8, 11),
                                  {"bind dax " + dax + " kmem"}}));
}

TEST(SimKernelEvents, OfflineThenReconfigureToDevdax) {
    const std::string dax = "/devices/platform/hmem.0/dax0.0";
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    EventLog log(tree.path());
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    EXPECT_EQ(log.take(), blocks("offline", 8, 11));
    // A refused write changes nothing and announces nothing.
    EXPECT_FALSE(kernel.write("/sys/devices/system/memory/memory8/state", "offline").ok);
    EXPECT_EQ(log.take(), Lines{});
    // kmem's removal unregisters the offline blocks ("remove", no second "offline").
    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax)));
    EXPECT_EQ(log.take(), concat({blocks("remove", 8, 11),
                                  {"unbind dax " + dax, "bind dax " + dax + " device_dax"}}));
    // Back online through a single write, as a udev rule would.
    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
    log.take();
    EXPECT_TRUE(kernel.write("/sys/devices/system/memory/memory9/state", "online_movable").ok);
    EXPECT_EQ(log.take(), blocks("online", 9, 9));
}

TEST(SimKernelEvents, UnbindingKmemWithOnlineBlocksRemovesNoBlock) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    EventLog log(tree.path());
    expect_ok(kernel.execute(step(Action::DisableDax, "dax0.0")));
    EXPECT_EQ(log.take(), Lines{"unbind dax /devices/platform/hmem.0/dax0.0"});
}

TEST(SimKernelEvents, RegionDisableAndEnable) {
    const std::string region = "/devices/platform/ACPI0017:00/root0/decoder0.0/region0";
    const std::string dax_region = region + "/dax_region0";
    const std::string dax = dax_region + "/dax0.0";
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    SimulatedKernel kernel(tree.path());
    EventLog log(tree.path());
    // 16 GiB at 0x2080000000 in 2 GiB blocks: memory65..72.
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    EXPECT_EQ(log.take(), blocks("offline", 65, 72));

    expect_ok(kernel.execute(step(Action::DisableRegion, "region0")));
    EXPECT_EQ(log.take(),
              concat({blocks("remove", 65, 72),
                      {"unbind dax " + dax, "remove dax " + dax, "unbind cxl " + dax_region,
                       "remove cxl " + dax_region, "unbind cxl " + region}}));

    // Each device's "bind" comes when its probe returns, after its children's events; the tree's
    // auto_online_blocks (online_movable) onlines the new blocks.
    expect_ok(kernel.execute(step(Action::EnableRegion, "region0")));
    EXPECT_EQ(log.take(),
              concat({{"add cxl " + dax_region, "add dax " + dax},
                      blocks("add", 65, 72),
                      blocks("online", 65, 72),
                      {"bind dax " + dax + " kmem", "bind cxl " + dax_region + " cxl_dax_region",
                       "bind cxl " + region + " cxl_region"}}));
}

TEST(SimKernelEvents, RegionWithOnlineMemoryLeaksAndIsDestroyed) {
    const std::string region = "/devices/platform/ACPI0017:00/root0/decoder0.1/region1";
    const std::string dax = region + "/dax_region1/dax1.0";
    TreeCopy tree(fixture("constructed/two-windows-kmem"));
    ASSERT_EQ(RootReader(tree.path()).canonical("/sys/bus/cxl/devices/region1"), "/sys" + region);
    SimulatedKernel kernel(tree.path());
    EventLog log(tree.path());
    // Online blocks stay (leaked): no memory event, the devices go anyway.
    expect_ok(kernel.execute(step(Action::DisableRegion, "region1")));
    EXPECT_EQ(log.take(), (Lines{"unbind dax " + dax, "remove dax " + dax,
                                 "unbind cxl " + region + "/dax_region1",
                                 "remove cxl " + region + "/dax_region1", "unbind cxl " + region}));
    // The commit write announces nothing; delete_region removes the region device.
    expect_ok(kernel.execute(step(Action::DestroyRegion, "region1")));
    EXPECT_EQ(log.take(), Lines{"remove cxl " + region});
}

TEST(SimKernelEvents, HmemReleaseAndClaim) {
    const std::string hmem = "/devices/platform/hmem.0";
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path());
    EventLog log(tree.path());
    expect_ok(kernel.execute(step(Action::ReleaseHmem, "hmem.0")));
    EXPECT_EQ(log.take(), (Lines{"unbind dax " + hmem + "/dax0.0", "remove dax " + hmem + "/dax0.0",
                                 "unbind platform " + hmem}));
    expect_ok(kernel.execute(step(Action::ClaimHmem, "hmem.0")));
    EXPECT_EQ(log.take(),
              concat({{"add dax " + hmem + "/dax0.0"},
                      blocks("add", 8, 11),
                      {"bind dax " + hmem + "/dax0.0 kmem", "bind platform " + hmem + " hmem"}}));
}

TEST(SimKernelEvents, ActuatorWritesSettings) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    Actuator& actuator = kernel;
    expect_ok(actuator.write_setting("/sys/devices/system/memory/auto_online_blocks", "online"));
    EXPECT_EQ(snap(tree.path()).memory.auto_online_blocks, "online");
    StepOutcome bad = actuator.write_setting("/sys/devices/system/memory/auto_online_blocks", "on");
    EXPECT_FALSE(bad.ok);
    EXPECT_EQ(bad.error, EINVAL);
    EXPECT_EQ(bad.path, "/sys/devices/system/memory/auto_online_blocks");
    EXPECT_EQ(snap(tree.path()).memory.auto_online_blocks, "online");
}

// --- faults

TEST(SimFaults, SpecsParseAndPrint) {
    for (const char* spec : {"fail:offline-memory:dax0.0:EBUSY", "vanish:enable-dax:dax1.0",
                             "hang:online-memory:*", "fail-after:2:EIO", "fail:*:*:ENOMEM"})
        EXPECT_EQ(to_string(parse_sim_fault(spec)), spec);
    SimFault numeric = parse_sim_fault("fail:destroy-region:region0:16");
    EXPECT_EQ(numeric.error, EBUSY);
    EXPECT_EQ(numeric.action, Action::DestroyRegion);
    for (const char* bad : {"", "fail", "fail:offline-memory:dax0.0", "fail:teleport:dax0.0:EIO",
                            "fail:offline-memory:dax0.0:ENOTANERRNO",
                            "hang:online-memory:", "fail-after:x:EIO", "explode:*:*"}) {
        try {
            parse_sim_fault(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("fault '" + std::string(bad) + "'"),
                      std::string::npos)
                << e.what();
        }
    }
}

TEST(SimFaults, FailFiresOnceAtTheStepsFirstWrite) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"fail:offline-memory:dax0.0:EBUSY"}));
    StepOutcome outcome = kernel.execute(step(Action::OfflineMemory, "dax0.0"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EBUSY);
    EXPECT_EQ(outcome.path, "/sys/devices/system/memory/memory8/state");
    EXPECT_NE(outcome.message.find("injected"), std::string::npos);
    EXPECT_EQ(block_attr(tree.path(), 8, "state"), "online");
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    EXPECT_EQ(block_attr(tree.path(), 8, "state"), "offline");
}

TEST(SimFaults, VanishRemovesTheDeviceBeforeTheStep) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"vanish:enable-dax:dax0.0"}));
    expect_ok(kernel.execute(step(Action::DisableDax, "dax0.0")));
    StepOutcome outcome = kernel.execute(step(Action::EnableDax, "dax0.0", DaxMode::SystemRam));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, ENODEV);
    EXPECT_EQ(outcome.path, "/sys/bus/dax/devices/dax0.0");
    EXPECT_FALSE(exists(tree.path() + "/sys/devices/platform/hmem.0/dax0.0"));
    EXPECT_FALSE(exists(tree.path() + "/sys/bus/dax/devices/dax0.0"));
    EXPECT_NO_THROW(compute_ranges(snap(tree.path())));
}

TEST(SimFaults, HangTimesOutAtTheWrite) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"hang:offline-memory:*"}), 200ms);
    auto start = std::chrono::steady_clock::now();
    StepOutcome outcome = kernel.execute(step(Action::OfflineMemory, "dax0.0"));
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(outcome.ok);
    EXPECT_TRUE(outcome.timed_out);
    EXPECT_EQ(outcome.error, ETIMEDOUT);
    EXPECT_EQ(outcome.path, "/sys/devices/system/memory/memory8/state");
    EXPECT_LT(elapsed, 2s);
    EXPECT_EQ(block_attr(tree.path(), 8, "state"), "online");
}

TEST(SimFaults, FailAfterCountsWritesAcrossSteps) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    SimulatedKernel kernel(tree.path(), parse_sim_faults({"fail-after:3:EIO"}));
    // Writes 1 and 2: unbind device_dax, bind kmem. 3: memory8 online. 4 fails: memory9.
    expect_ok(kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)));
    StepOutcome outcome =
        kernel.execute(step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable));
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EIO);
    EXPECT_EQ(outcome.path, "/sys/devices/system/memory/memory9/state");
    EXPECT_EQ(block_attr(tree.path(), 8, "state"), "online");
    EXPECT_EQ(block_attr(tree.path(), 9, "state"), "offline");
    EXPECT_EQ(kernel.writes(), 4);
    // Only that one write fails.
    expect_ok(kernel.execute(step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable)));
    EXPECT_EQ(block_attr(tree.path(), 11, "state"), "online");
}

}  // namespace
}  // namespace srmd
