// The kernel log lines on ranges (ownership/ownership-kernel-log.cpp): a line goes to the range
// whose address it names, or whose device it names; at most 16 a range, the newest; each
// problem is linked to the newest line that explains it, and quotes it. On the real 7.2 tree of
// seed [4] (Soft Reserved 1 GiB over a 512 MiB committed region), with a log written per case.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

class RangeKernelLog : public ::testing::Test {
  protected:
    // The tree's one range, r110000000, with `log` as the kernel log.
    Range range_with(const std::string& log) {
        std::filesystem::create_directories(tree_.path() + "/dev");
        std::ofstream(tree_.path() + "/dev/kmsg", std::ios::trunc) << log;
        std::vector<Range> ranges = compute_ranges(read_snapshot(RootReader(tree_.path())));
        EXPECT_EQ(ranges.size(), 1u);
        return ranges.empty() ? Range{} : ranges.front();
    }
    test::TreeCopy tree_{test::fixture("kernel-7.2/firmware-sr-larger-than-region")};
};

std::vector<std::uint64_t> seqs(const Range& range) {
    std::vector<std::uint64_t> out;
    for (const KernelLogLine& line : range.kernel_log)
        out.push_back(line.seq);
    return out;
}

const Problem* problem(const Range& range, const std::string& code) {
    for (const Problem& p : range.problems)
        if (p.code == code)
            return &p;
    return nullptr;
}

TEST_F(RangeKernelLog, ByTheAddressItNames) {
    Range range = range_with(
        // Overlaps the range's first half: on it.
        "3,1,10,-;cxl_dax_region dax_region0: dax_region resource conflict for [mem "
        "0x110000000-0x12fffffff]\n"
        // Ends just before it, starts just after it: not on it.
        "4,2,20,-;kmem dax5.0: could not reserve region [0x100000000-0x10fffffff]\n"
        "4,3,30,-;kmem dax6.0: could not reserve region [0x150000000-0x15fffffff]\n"
        // Its last byte: on it.
        "4,4,40,-;kmem dax7.0: could not reserve region [0x14fffffff-0x16fffffff]\n");
    EXPECT_EQ(range.id, "r110000000");
    EXPECT_EQ(seqs(range), (std::vector<std::uint64_t>{1, 4}));
}

TEST_F(RangeKernelLog, ByTheDeviceItNames) {
    Range range = range_with(
        // No address: the region, the hmem device and the dax device behind the range.
        "4,1,10,-;cxl_region region0: Failed to synchronize CPU cache state\n"
        "3,2,20,-;hmem hmem.2: probe with driver hmem failed with error -12\n"
        "3,3,30,-;kmem dax2.0: probe with driver kmem failed with error -16\n"
        "3,4,40,-;cxl_dax_region dax_region0: probe with driver cxl_dax_region failed with "
        "error -12\n"
        // Devices that are not behind it.
        "3,5,50,-;hmem hmem.9: probe with driver hmem failed with error -12\n"
        "4,6,60,-;cxl_port endpoint5: failed to attach decoder5.0 to region7: -6\n");
    EXPECT_EQ(seqs(range), (std::vector<std::uint64_t>{1, 2, 3, 4}));
    EXPECT_EQ(range.kernel_log[0].meaning, KernelLogMeaning::RegionFailed);
    EXPECT_EQ(range.kernel_log[0].device, "region0");
}

TEST_F(RangeKernelLog, AtMostSixteenTheNewest) {
    std::string log;
    for (int seq = 0; seq < 20; ++seq)
        log += "4," + std::to_string(seq) +
               ",1,-;kmem dax2.0: mapping0: 0x110000000-0x14fffffff could not reserve region\n";
    Range range = range_with(log);
    ASSERT_EQ(range.kernel_log.size(), kMaxRangeKernelLog);
    EXPECT_EQ(range.kernel_log.front().seq, 4u);
    EXPECT_EQ(range.kernel_log.back().seq, 19u);
}

TEST_F(RangeKernelLog, ProblemsLinkToTheLineThatExplainsThem) {
    Range range = range_with(
        "7,459,1,-;hmem_platform hmem_platform.0: CXL did not claim resource, registering: "
        "[mem 0x110000000-0x14fffffff flags 0x80000200]\n"
        "3,460,2,-;cxl_dax_region dax_region0: dax_region resource conflict for [mem "
        "0x110000000-0x12fffffff]\n"
        "4,462,3,-;kmem dax2.0: mapping0: 0x110000000-0x14fffffff could not reserve region\n"
        "3,463,4,-;kmem dax2.0: probe with driver kmem failed with error -16\n");
    const Problem* conflict = problem(range, "dax-region-conflict");
    ASSERT_NE(conflict, nullptr);
    EXPECT_EQ(conflict->kernel_seq, 460u);
    EXPECT_NE(conflict->message.find("; the kernel logged: \"cxl_dax_region dax_region0: "
                                     "dax_region resource conflict for [mem "
                                     "0x110000000-0x12fffffff]\""),
              std::string::npos)
        << conflict->message;
    // kmem's own words explain an unbound device better than the driver core's that follow.
    ASSERT_NE(problem(range, "dax-unbound"), nullptr);
    EXPECT_EQ(problem(range, "dax-unbound")->kernel_seq, 462u);
    ASSERT_NE(problem(range, "region-smaller-than-range"), nullptr);
    EXPECT_EQ(problem(range, "region-smaller-than-range")->kernel_seq, 459u);

    // A problem added later (a planner's refusal) is linked by calling again; the others stay.
    // (The push_back may move the problems: keep the text, not the pointer.)
    const std::string conflict_message = conflict->message;
    range.problems.push_back(Problem("committed-region-in-the-way", "refused"));
    link_problems_to_kernel_log(range);
    link_problems_to_kernel_log(range);
    const Problem* refusal = problem(range, "committed-region-in-the-way");
    EXPECT_EQ(refusal->kernel_seq, 460u);
    EXPECT_EQ(refusal->message,
              "refused; the kernel logged: \"cxl_dax_region dax_region0: dax_region resource "
              "conflict for [mem 0x110000000-0x12fffffff]\"");
    EXPECT_EQ(problem(range, "dax-region-conflict")->message, conflict_message);
}

TEST_F(RangeKernelLog, WithoutALogNothingIsLinked) {
    std::filesystem::remove(tree_.path() + "/dev/kmsg");
    std::vector<Range> ranges = compute_ranges(read_snapshot(RootReader(tree_.path())));
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_TRUE(ranges[0].kernel_log.empty());
    for (const Problem& p : ranges[0].problems) {
        EXPECT_FALSE(p.kernel_seq) << p.code;
        EXPECT_EQ(p.message.find("the kernel logged"), std::string::npos) << p.code;
    }
}

}  // namespace
}  // namespace srmd
