// The simulated kernel logs its refusals as the real one does (sim/sim-kernel-log.cpp): the same
// words, in /dev/kmsg's record format, numbered on; srmd reads them back onto the range.
#include <gtest/gtest.h>

#include <filesystem>

#include "ownership/ownership.hpp"
#include "read/kmsg.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-kernel.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

using test::fixture;
using test::read_file;
using test::step;
using test::TreeCopy;

void expect_ok(const StepOutcome& outcome) {
    EXPECT_TRUE(outcome.ok) << outcome.path << ": " << outcome.message;
}

std::vector<KernelLogLine> log_of(const std::string& root) {
    return read_snapshot(RootReader(root)).kernel_log;
}

TEST(SimKernelLog, ARefusedKmemBindLogsWhatKmemAndTheDriverCoreSay) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    SimulatedKernel kernel(tree.path());
    EXPECT_TRUE(log_of(tree.path()).empty());
    expect_ok(kernel.execute(step(Action::DisableDax, "dax0.0")));  // leaks the online range
    EXPECT_FALSE(kernel.execute(step(Action::EnableDax, "dax0.0", DaxMode::SystemRam)).ok);

    std::vector<KernelLogLine> log = log_of(tree.path());
    ASSERT_EQ(log.size(), 2u) << read_file(tree.path() + "/dev/kmsg");
    EXPECT_EQ(log[0].seq, 0u);
    EXPECT_EQ(log[0].level, 4);
    EXPECT_EQ(log[0].message, "kmem dax0.0: could not reserve region [0x40000000-0x5fffffff]");
    EXPECT_EQ(log[0].meaning, KernelLogMeaning::KmemReserveFailed);
    EXPECT_EQ(log[1].seq, 1u);
    EXPECT_EQ(log[1].message, "kmem dax0.0: probe with driver kmem failed with error -16");
    ASSERT_TRUE(log[1].start);  // lent by the line before, about the same device
    EXPECT_EQ(*log[1].start, 0x40000000u);

    // On the range, with the problem linked to the line that explains it.
    std::vector<Range> ranges = compute_ranges(read_snapshot(RootReader(tree.path())));
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].kernel_log.size(), 2u);
}

TEST(SimKernelLog, ARegionOverHmemLogsTheDaxRegionConflict) {
    TreeCopy tree(fixture("constructed/conflict-6x"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::DisableRegion, "region1")));
    expect_ok(kernel.execute(step(Action::EnableRegion, "region1")));
    std::vector<KernelLogLine> log = log_of(tree.path());
    ASSERT_EQ(log.size(), 2u) << read_file(tree.path() + "/dev/kmsg");
    EXPECT_EQ(log[0].meaning, KernelLogMeaning::DaxRegionConflict);
    EXPECT_EQ(log[0].device, "dax_region1");
    EXPECT_EQ(log[0].level, 3);
    EXPECT_EQ(log[1].meaning, KernelLogMeaning::ProbeFailed);
    EXPECT_EQ(log[1].message,
              "cxl_dax_region dax_region1: probe with driver cxl_dax_region failed with error -12");

    std::vector<Range> ranges = compute_ranges(read_snapshot(RootReader(tree.path())));
    auto with_log = std::find_if(ranges.begin(), ranges.end(),
                                 [](const Range& r) { return !r.kernel_log.empty(); });
    ASSERT_NE(with_log, ranges.end());
    EXPECT_EQ(with_log->kernel_log.front().meaning, KernelLogMeaning::DaxRegionConflict);
}

TEST(SimKernelLog, ClaimingHmemOverACxlDaxRegionLogsTheConflictAndNumbersOn) {
    TreeCopy tree(fixture("constructed/conflict-6x"));
    SimulatedKernel kernel(tree.path());
    expect_ok(kernel.execute(step(Action::OfflineMemory, "dax0.0")));
    expect_ok(kernel.execute(step(Action::ReleaseHmem, "hmem.0")));
    EXPECT_FALSE(kernel.execute(step(Action::ClaimHmem, "hmem.0")).ok);
    EXPECT_FALSE(kernel.execute(step(Action::ClaimHmem, "hmem.0")).ok);
    std::vector<KernelLogLine> log = log_of(tree.path());
    ASSERT_EQ(log.size(), 4u) << read_file(tree.path() + "/dev/kmsg");
    EXPECT_EQ(log[0].device, "hmem.0");
    EXPECT_EQ(log[0].meaning, KernelLogMeaning::DaxRegionConflict);
    EXPECT_EQ(log[1].message, "hmem hmem.0: probe with driver hmem failed with error -12");
    EXPECT_EQ(log[3].seq, 3u);
}

}  // namespace
}  // namespace srmd
