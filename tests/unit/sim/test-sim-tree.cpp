// The simulated kernel's writes stay inside its tree and leave it whole at every instant.
//  - A captured tree is hostile input that srmd --root and srmctl simulate --apply change as root:
//    a memoryN, /proc/iomem or .sim-kernel that is a symlink out of the tree must not let a write
//    reach the directory it points at (the write is refused with a SystemError, or, where the
//    reader sees no such block in the tree, never attempted).
//  - A worker killed in the middle of a step (SimFaults::kill_after_changes kills it after each
//    possible number of changes) must leave every memory block and device whole, so that the next
//    srmd reads the machine as it is and can finish the step.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot-refresh.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-event-source.hpp"
#include "sim/sim-kernel.hpp"
#include "sim/sim-tree.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"
#include "util/error.hpp"

namespace srmd {
namespace {

using test::read_file;
using test::step;
using test::write_file;

namespace fs = std::filesystem;
using test::fixture;
using test::TempDir;
using test::TreeCopy;

const std::string kBlocks = "sys/devices/system/memory/";

// Every entry below `dir` with its content, link target and permissions: what "unchanged" means.
std::map<std::string, std::string> contents(const std::string& dir) {
    std::map<std::string, std::string> entries;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        std::string rel = entry.path().lexically_relative(dir).string();
        struct stat st;
        ::lstat(entry.path().c_str(), &st);
        std::string mode = std::to_string(st.st_mode) + " ";
        if (entry.is_symlink())
            entries[rel] = mode + "link:" + fs::read_symlink(entry.path()).string();
        else if (entry.is_directory())
            entries[rel] = mode + "dir";
        else
            entries[rel] = mode + "file:" + read_file(entry.path());
    }
    return entries;
}

// A copy of a fixture whose `rel` is moved out of the tree and replaced by a symlink to it.
struct HostileTree {
    TreeCopy tree;
    TempDir host;
    std::string outside;

    HostileTree(const std::string& name, const std::string& rel, bool relative_link = false)
        : tree(fixture(name)), outside(host.path() + "/" + fs::path(rel).filename().string()) {
        fs::rename(tree.path() + "/" + rel, outside);
        std::string target = outside;
        if (relative_link) {
            // Far enough up to pass the root, then down to the same place.
            std::string up;
            for (int i = 0; i < 20; ++i)
                up += "../";
            target = up + outside.substr(1);
        }
        fs::create_symlink(target, tree.path() + "/" + rel);
    }
    const std::string& root() const { return tree.path(); }
};

void expect_refused(const std::function<void()>& write, const std::string& what) {
    try {
        write();
        ADD_FAILURE() << what << ": not refused";
    } catch (const SystemError& e) {
        EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos)
            << what << ": " << e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << what << ": not a SystemError: " << e.what();
    }
}

// --- fault 2 and 4: writes through symlinks that leave the tree

TEST(SimConfinement, StepsNeverWriteThroughAMemoryBlockLinkedOutOfTheTree) {
    for (bool relative : {false, true}) {
        SCOPED_TRACE(relative ? "relative link" : "absolute link");
        HostileTree hostile("kernel-6.1/hmem-kmem-movable", kBlocks + "memory8", relative);
        const auto before = contents(hostile.outside);
        SimulatedKernel kernel(hostile.root());
        kernel.execute(step(Action::OfflineMemory, "dax0.0"));
        kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax));
        kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam));
        kernel.execute(step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable));
        kernel.write("/sys/devices/system/memory/memory8/state", "offline");
        kernel.write("/sys/devices/system/memory/memory8/state", "online_movable");
        EXPECT_EQ(contents(hostile.outside), before);
    }
}

TEST(SimConfinement, WritesThroughALinkOutOfTheTreeAreRefused) {
    HostileTree hostile("kernel-6.1/hmem-kmem-movable", kBlocks + "memory8");
    const auto before = contents(hostile.outside);
    TreeEditor tree(hostile.root());
    const std::string b = kBlocks + "memory8";
    expect_refused([&] { tree.attr(b + "/state", "offline"); }, "a write");
    expect_refused([&] { tree.dir(b + "/power"); }, "a mkdir");
    expect_refused([&] { tree.link(b + "/node2", "sys/devices/system/node/node2"); }, "a link");
    expect_refused([&] { tree.remove(b + "/state"); }, "an unlink");
    expect_refused([&] { set_memory_block_state(tree, 8, "offline", "Movable"); },
                   "a block state change");
    expect_refused([&] { tree.change_dir(b, [] {}); }, "a directory switch");
    expect_refused([&] { tree.files().append(b + "/uevent", "x"); }, "an append");
    EXPECT_EQ(contents(hostile.outside), before);
    // The link itself is the tree's to replace or remove.
    write_memory_block(tree, 8, 1, "offline", "Movable");
    EXPECT_TRUE(fs::is_directory(fs::symlink_status(hostile.root() + "/" + b)));
    EXPECT_EQ(contents(hostile.outside), before);
}

TEST(SimConfinement, AnIomemLinkedOutOfTheTreeIsNotRewritten) {
    HostileTree hostile("kernel-6.1/hmem-devdax", "proc/iomem");
    const std::string before = read_file(hostile.outside);
    SimulatedKernel kernel(hostile.root());
    // Each step on its own: the second would put back what the first wrote.
    kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam));
    EXPECT_EQ(read_file(hostile.outside), before);
    kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax));
    EXPECT_EQ(read_file(hostile.outside), before);
}

TEST(SimConfinement, ASimKernelDirectoryLinkedOutOfTheTreeRefusesEveryStep) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    TempDir host;
    fs::remove_all(tree.path() + "/.sim-kernel");
    fs::create_symlink(host.path(), tree.path() + "/.sim-kernel");
    SimulatedKernel kernel(tree.path());
    StepOutcome outcome = kernel.execute(step(Action::OfflineMemory, "dax0.0"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.message.find("refused"), std::string::npos) << outcome.message;
    EXPECT_TRUE(fs::is_empty(host.path()));
    // Nothing in the tree changed either: the first write needed a temporary file.
    EXPECT_EQ(read_file(tree.path() + "/" + kBlocks + "memory8/state"), "online\n");
}

TEST(SimConfinement, ABusDirectoryLinkedOutOfTheTreeIsNotSwept) {
    // Removing a device removes the bus links into it; a bus directory that is a link out of the
    // tree is not searched, and its links are not removed.
    HostileTree hostile("kernel-6.1/hmem-kmem-movable", "sys/bus/memory");
    const auto before = contents(hostile.outside);
    SimulatedKernel kernel(hostile.root());
    kernel.execute(step(Action::OfflineMemory, "dax0.0"));
    kernel.execute(step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax));
    EXPECT_EQ(contents(hostile.outside), before);
}

// The event log srmd --root follows is in the tree too: a .sim-kernel that leads out of it is
// refused, and a log that is a FIFO or a link out of the tree gives no event and no hang.
TEST(SimConfinement, TheEventLogStaysInTheTree) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    TempDir host;
    fs::remove_all(tree.path() + "/.sim-kernel");
    fs::create_symlink(host.path(), tree.path() + "/.sim-kernel");
    EXPECT_THROW(open_sim_source(tree.path()), SystemError);
    EXPECT_TRUE(fs::is_empty(host.path()));

    fs::remove(tree.path() + "/.sim-kernel");
    fs::create_directory(tree.path() + "/.sim-kernel");
    write_file(host.path() + "/uevents", "online memory /devices/system/memory/memory8\n");
    fs::create_symlink(host.path() + "/uevents", tree.path() + "/.sim-kernel/uevents");
    std::unique_ptr<EventSource> source = open_sim_source(tree.path());
    write_file(host.path() + "/uevents",
               "online memory /devices/system/memory/memory8\n"
               "online memory /devices/system/memory/memory9\n");
    Changes changes;
    EXPECT_EQ(source->drain(changes), 0u);
    EXPECT_TRUE(changes.blocks.empty());

    fs::remove(tree.path() + "/.sim-kernel/uevents");
    ASSERT_EQ(::mkfifo((tree.path() + "/.sim-kernel/uevents").c_str(), 0644), 0);
    ::alarm(20);  // an open that waits for a writer ends the test here instead of never
    source = open_sim_source(tree.path());
    EXPECT_EQ(source->drain(changes), 0u);
    ::alarm(0);
}

// --- fault 5: a worker killed in the middle of a step

// What every memory block of the tree must look like at any instant: its three files there, and
// saying the same thing.
std::string torn_blocks(const std::string& root) {
    std::string torn;
    for (const auto& entry : fs::directory_iterator(root + "/" + kBlocks)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("memory", 0) != 0 || !entry.is_directory())
            continue;
        std::string dir = entry.path().string();
        if (!fs::exists(dir + "/state") || !fs::exists(dir + "/online") ||
            !fs::exists(dir + "/valid_zones")) {
            torn += name + " lacks a file; ";
            continue;
        }
        std::string state = read_file(dir + "/state");
        std::string online = read_file(dir + "/online");
        std::string zones = read_file(dir + "/valid_zones");
        if ((state == "online\n") != (online == "1\n"))
            torn += name + " state " + state + " online " + online + "; ";
        if (state == "online\n" && zones.find(' ') != std::string::npos)
            torn += name + " online with zones " + zones + "; ";
    }
    return torn;
}

struct KillCase {
    const char* name;
    const char* fixture;
    std::vector<Step> before;  // run whole first
    Step step;                 // killed after each number of changes
};

// Kills the case's step after 1, 2, ... changes until it runs to its end, and checks each time
// that the tree is whole and srmd reads it without an incomplete block, and that the step, run
// again by a simulator that was not killed, finishes. Past the first 40 changes (the first few
// blocks or devices, whole), every 13th: the later blocks are made the same way, and 13 is prime
// to the dozen changes a block takes, so the points still fall at every place in one.
void kill_at_every_change(const KillCase& c) {
    SCOPED_TRACE(c.name);
    for (int changes = 1;; changes += changes < 40 ? 1 : 13) {
        SCOPED_TRACE("killed after " + std::to_string(changes) + " changes");
        TreeCopy tree(fixture(c.fixture));
        {
            SimulatedKernel setup(tree.path());
            for (const Step& s : c.before)
                ASSERT_TRUE(setup.execute(s).ok);
        }
        SimFaults faults;
        faults.kill_after_changes = changes;
        SimulatedKernel killed(tree.path(), faults);
        StepOutcome outcome = killed.execute(c.step);
        if (outcome.ok)
            break;  // the step made fewer changes than that: every point has been tried
        EXPECT_NE(outcome.message.find("signal 9"), std::string::npos) << outcome.message;

        EXPECT_EQ(torn_blocks(tree.path()), "");
        Snapshot snapshot;
        ASSERT_NO_THROW(snapshot = read_snapshot(RootReader(tree.path())));
        for (const MemoryBlock& block : snapshot.memory.blocks)
            EXPECT_EQ(block.incomplete, "") << "memory" << block.id;
        for (const Range& range : compute_ranges(snapshot))
            for (const Problem& problem : range.problems)
                EXPECT_NE(problem.code, "memory-block-incomplete") << problem.message;

        SimulatedKernel again(tree.path());
        StepOutcome rerun = again.execute(c.step);
        EXPECT_TRUE(rerun.ok) << rerun.path << ": " << rerun.message;
        EXPECT_EQ(torn_blocks(tree.path()), "");
        // What the killed worker left out of sight is swept by the next one.
        std::string temporaries = tree.path() + "/" + TreeFiles::kTemporaries;
        EXPECT_TRUE(!fs::exists(temporaries) || fs::is_empty(temporaries));
        ASSERT_LT(changes, 1000) << "the step never ran to its end";
    }
}

TEST(SimKilled, KmemBindAndItsBlocks) {
    kill_at_every_change({"devdax to system-ram, blocks added offline",
                          "kernel-6.1/hmem-devdax",
                          {},
                          step(Action::ReconfigureDax, "dax0.0", DaxMode::SystemRam)});
}

TEST(SimKilled, OnliningAndOffliningBlocks) {
    kill_at_every_change(
        {"offline", "kernel-6.1/hmem-kmem-movable", {}, step(Action::OfflineMemory, "dax0.0")});
    kill_at_every_change({"online movable",
                          "kernel-6.1/hmem-kmem-movable",
                          {step(Action::OfflineMemory, "dax0.0")},
                          step(Action::OnlineMemory, "dax0.0", std::nullopt, Zone::Movable)});
}

TEST(SimKilled, KmemUnbindRemovesItsBlocks) {
    kill_at_every_change({"system-ram to devdax",
                          "kernel-6.1/hmem-kmem-movable",
                          {step(Action::OfflineMemory, "dax0.0")},
                          step(Action::ReconfigureDax, "dax0.0", DaxMode::Devdax)});
}

TEST(SimKilled, RegionDisableAndEnable) {
    kill_at_every_change({"disable region",
                          "constructed/two-windows-kmem",
                          {step(Action::OfflineMemory, "dax0.0")},
                          step(Action::DisableRegion, "region0")});
    kill_at_every_change(
        {"enable region",
         "constructed/two-windows-kmem",
         {step(Action::OfflineMemory, "dax0.0"), step(Action::DisableRegion, "region0")},
         step(Action::EnableRegion, "region0")});
}

// --- the file operations themselves

TEST(TreeFiles, AWriteReplacesTheFileWholeAndKeepsItsPermissions) {
    TempDir dir;
    fs::create_directories(dir.path() + "/sys/x");
    write_file(dir.path() + "/sys/x/attr", "old\n");
    fs::permissions(dir.path() + "/sys/x/attr", fs::perms::owner_read);
    TreeFiles files(dir.path());
    files.write("sys/x/attr", "new\n");
    EXPECT_EQ(read_file(dir.path() + "/sys/x/attr"), "new\n");
    EXPECT_EQ(fs::status(dir.path() + "/sys/x/attr").permissions() & fs::perms::all,
              fs::perms::owner_read);
    files.symlink("sys/x/link", "attr");
    files.symlink("sys/x/link", "other");
    EXPECT_EQ(fs::read_symlink(dir.path() + "/sys/x/link"), "other");
    EXPECT_EQ(files.read_link("sys/x/link"), "other");
    EXPECT_EQ(files.read_link("sys/x/attr"), std::nullopt);
    files.remove("sys/x");
    EXPECT_FALSE(fs::exists(dir.path() + "/sys/x"));
    files.remove("sys/x");  // a missing one is fine
    EXPECT_TRUE(fs::is_empty(dir.path() + "/" + TreeFiles::kTemporaries));
    // The two directories of .sim-kernel/tmp, the write, the two links, the removal.
    EXPECT_EQ(files.operations(), 6);
}

TEST(TreeFiles, ADirectorySwitchIsOneRename) {
    TempDir dir;
    TreeEditor tree(dir.path());
    tree.build_dir("sys/dev/a", [&] {
        tree.attr("sys/dev/a/state", "offline");
        tree.link("sys/dev/a/subsystem", "sys/bus/x");
        // While it is being built, the directory is not there.
        EXPECT_FALSE(fs::exists(dir.path() + "/sys/dev/a"));
        EXPECT_EQ(tree.read_attr("sys/dev/a/state"), "offline");
    });
    EXPECT_EQ(read_file(dir.path() + "/sys/dev/a/state"), "offline\n");
    // Relative to where the link is, not to where it was built.
    EXPECT_EQ(fs::read_symlink(dir.path() + "/sys/dev/a/subsystem"), "../../bus/x");
    tree.change_dir("sys/dev/a", [&] {
        tree.attr("sys/dev/a/state", "online");
        EXPECT_EQ(read_file(dir.path() + "/sys/dev/a/state"), "offline\n");
    });
    EXPECT_EQ(read_file(dir.path() + "/sys/dev/a/state"), "online\n");
    EXPECT_EQ(fs::read_symlink(dir.path() + "/sys/dev/a/subsystem"), "../../bus/x");
    // A build that fails leaves the old directory and nothing else.
    EXPECT_THROW(tree.change_dir("sys/dev/a",
                                 [&] {
                                     tree.attr("sys/dev/a/state", "half");
                                     throw std::runtime_error("failed");
                                 }),
                 std::runtime_error);
    EXPECT_EQ(read_file(dir.path() + "/sys/dev/a/state"), "online\n");
    EXPECT_TRUE(fs::is_empty(dir.path() + "/" + TreeFiles::kTemporaries));
}

}  // namespace
}  // namespace srmd
