// The kernel log reader (read/kmsg.hpp): /dev/kmsg records below a root, by sequence number,
// incremental reads, dictionary lines, lost records, and what a tree without a log gives.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "read/kmsg.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot-refresh.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace {

using srmd::KernelLogMeaning;

void write(const std::string& path, const std::string& text, bool append = false) {
    std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
    out << text;
}

class KmsgTree : public ::testing::Test {
  protected:
    void SetUp() override { std::filesystem::create_directories(dir_.path() + "/dev"); }
    std::string kmsg() const { return dir_.path() + "/dev/kmsg"; }
    srmd::KernelLogRead read(std::uint64_t from = 0) const {
        return srmd::read_kernel_log(srmd::RootReader(dir_.path()), from);
    }
    srmd::test::TempDir dir_;
};

// What the 7.2 guest logged at stage 3 of srmd72-firmware (seed [4]; tests/fixtures/kernel-7.2/
// firmware-sr-larger-than-region/dev/kmsg), with a line srmd does not care about and a record's
// dictionary, as /dev/kmsg gives them, among them.
const std::string kSeed4 =
    "6,440,6151432,-; pci0000:16: host supports CXL\n"
    "7,458,9200800,-;hmem_platform hmem_platform.0: await CXL initial probe: [mem "
    "0x110000000-0x14fffffff flags 0x80000200]\n"
    " SUBSYSTEM=platform\n"
    " DEVICE=+platform:hmem_platform.0\n"
    "7,459,9356425,-;hmem_platform hmem_platform.0: CXL did not claim resource, registering: "
    "[mem 0x110000000-0x14fffffff flags 0x80000200]\n"
    "3,460,9566119,-;cxl_dax_region dax_region0: dax_region resource conflict for [mem "
    "0x110000000-0x12fffffff]\n"
    "3,461,9566723,-;cxl_dax_region dax_region0: probe with driver cxl_dax_region failed with "
    "error -12\n"
    "4,462,9689791,-;kmem dax2.0: mapping0: 0x110000000-0x14fffffff could not reserve region\n"
    "3,463,9690233,-;kmem dax2.0: probe with driver kmem failed with error -16\n";

TEST(KmsgRecord, Parses) {
    auto record = srmd::parse_kmsg_record("6,339,5140900,-;NET: Registered protocol family 10");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->seq, 339u);
    EXPECT_EQ(record->usec, 5140900u);
    EXPECT_EQ(record->level, 6);
    EXPECT_EQ(record->message, "NET: Registered protocol family 10");
    // The facility sits above the level; later kernels may add fields before ';'.
    record = srmd::parse_kmsg_record("11,7,100,c,caller=T1;x; y");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->level, 3);
    EXPECT_EQ(record->seq, 7u);
    EXPECT_EQ(record->message, "x; y");
    EXPECT_FALSE(srmd::parse_kmsg_record(" SUBSYSTEM=platform"));
    EXPECT_FALSE(srmd::parse_kmsg_record("[    4.003643] hmem_platform: dmesg, not kmsg"));
    EXPECT_FALSE(srmd::parse_kmsg_record("6,x,1,-;bad sequence"));
    EXPECT_FALSE(srmd::parse_kmsg_record("6,1,1;no flags"));
}

TEST_F(KmsgTree, KeepsOnlyRecognisedLinesInOrder) {
    write(kmsg(), kSeed4);
    srmd::KernelLogRead log = read();
    ASSERT_EQ(log.lines.size(), 6u);
    EXPECT_EQ(log.next_seq, 464u);
    EXPECT_FALSE(log.overwritten);
    EXPECT_EQ(log.lines[0].seq, 458u);
    EXPECT_EQ(log.lines[0].meaning, KernelLogMeaning::HmemAwaitsCxl);
    EXPECT_EQ(log.lines[1].meaning, KernelLogMeaning::HmemRegisters);
    EXPECT_EQ(log.lines[1].level, 7);
    EXPECT_EQ(log.lines[1].usec, 9356425u);
    EXPECT_EQ(log.lines[1].device, "hmem_platform.0");
    EXPECT_EQ(log.lines[2].meaning, KernelLogMeaning::DaxRegionConflict);
    EXPECT_EQ(log.lines[2].level, 3);
    EXPECT_EQ(log.lines[5].meaning, KernelLogMeaning::ProbeFailed);
    EXPECT_EQ(log.lines[5].message, "kmem dax2.0: probe with driver kmem failed with error -16");
}

TEST_F(KmsgTree, ReadsIncrementallyBySequence) {
    write(kmsg(), kSeed4.substr(0, kSeed4.find("3,460")));
    srmd::KernelLogRead first = read();
    ASSERT_EQ(first.lines.size(), 2u);
    EXPECT_EQ(first.next_seq, 460u);
    write(kmsg(), kSeed4.substr(kSeed4.find("3,460")), true);
    srmd::KernelLogRead second = read(first.next_seq);
    ASSERT_EQ(second.lines.size(), 4u);
    EXPECT_EQ(second.lines[0].seq, 460u);
    EXPECT_EQ(second.next_seq, 464u);
    // Nothing new: nothing read, and the position stays.
    srmd::KernelLogRead third = read(second.next_seq);
    EXPECT_TRUE(third.lines.empty());
    EXPECT_EQ(third.next_seq, 464u);
}

TEST_F(KmsgTree, NoLogIsNoLines) {
    srmd::KernelLogRead log = read(5);
    EXPECT_TRUE(log.lines.empty());
    EXPECT_EQ(log.next_seq, 5u);
    // A directory, or a FIFO, where the log should be: not read, no lines, no hang.
    std::filesystem::create_directory(kmsg());
    EXPECT_TRUE(read().lines.empty());
}

TEST_F(KmsgTree, LinkOutOfTheRootStaysInside) {
    // An absolute link resolves below the root, never to the host's own kernel log.
    std::filesystem::create_symlink("/dev/kmsg", kmsg());
    EXPECT_TRUE(read().lines.empty());
}

TEST(KernelLog, AppendLendsAddressesAndKeepsTheNewest) {
    std::vector<srmd::KernelLogLine> log;
    auto line = [](std::uint64_t seq, const std::string& message) {
        srmd::KernelLogLine out = *srmd::recognise_kernel_line(message);
        out.seq = seq;
        return out;
    };
    srmd::append_kernel_log(
        log,
        {line(1, "hmem hmem.6: dax_region resource conflict for [mem 0x850000000-0x284fffffff]"),
         line(2, "hmem hmem.6: probe with driver hmem failed with error -12"),
         line(3, "hmem hmem.7: probe with driver hmem failed with error -12")});
    ASSERT_EQ(log.size(), 3u);
    ASSERT_TRUE(log[1].start);
    EXPECT_EQ(*log[1].start, 0x850000000u);
    EXPECT_EQ(log[1].end, 0x284fffffffu);
    EXPECT_EQ(log[1].error, -12);
    EXPECT_FALSE(log[2].start);  // nothing earlier about hmem.7

    std::vector<srmd::KernelLogLine> many;
    for (std::uint64_t seq = 10; seq < 10 + srmd::kMaxKernelLog; ++seq)
        many.push_back(line(seq, "kmem dax0.0: could not reserve region [0x1000-0x1fff]"));
    srmd::append_kernel_log(log, std::move(many));
    ASSERT_EQ(log.size(), srmd::kMaxKernelLog);
    EXPECT_EQ(log.front().seq, 10u);
    EXPECT_EQ(log.back().seq, 10 + srmd::kMaxKernelLog - 1);
}

TEST(KernelLog, RecordTextReadsBack) {
    srmd::KernelLogLine line = *srmd::recognise_kernel_line(
        "kmem dax2.0: could not reserve region [0x110000000-0x14fffffff]");
    line.seq = 42;
    line.usec = 7;
    line.level = 4;
    std::string text = srmd::kmsg_record_text(line);
    EXPECT_EQ(text, "4,42,7,-;kmem dax2.0: could not reserve region [0x110000000-0x14fffffff]\n");
    std::string record_line = text.substr(0, text.size() - 1);
    auto record = srmd::parse_kmsg_record(record_line);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->message, line.message);
}

TEST_F(KmsgTree, SnapshotReadsTheLogAndRefreshGoesOn) {
    srmd::test::TreeCopy tree(srmd::test::fixture("kernel-7.2/firmware-sr-larger-than-region"));
    std::filesystem::create_directories(tree.path() + "/dev");
    write(tree.path() + "/dev/kmsg", kSeed4.substr(0, kSeed4.find("4,462")));
    srmd::RootReader reader(tree.path());
    srmd::Snapshot snapshot = srmd::read_snapshot(reader);
    ASSERT_EQ(snapshot.kernel_log.size(), 4u);
    EXPECT_EQ(snapshot.kernel_log_next_seq, 462u);
    // The dax region's failed probe borrows the address of its conflict line.
    ASSERT_TRUE(snapshot.kernel_log[3].start);
    EXPECT_EQ(*snapshot.kernel_log[3].start, 0x110000000u);

    write(tree.path() + "/dev/kmsg", kSeed4.substr(kSeed4.find("4,462")), true);
    srmd::Changes nothing;
    srmd::Snapshot after = srmd::refresh_snapshot(snapshot, reader, nothing);
    ASSERT_EQ(after.kernel_log.size(), 6u);
    EXPECT_EQ(after.kernel_log[5].seq, 463u);
    EXPECT_EQ(after.kernel_log_next_seq, 464u);
}

}  // namespace

namespace {

// The device as the kernel serves it: one record per read(2), then EAGAIN; EPIPE where records
// were overwritten.
class FakeDevice {
  public:
    explicit FakeDevice(std::vector<std::string> results) : results_(std::move(results)) {}
    long operator()(char* buffer, std::size_t size) {
        if (next_ >= results_.size()) {
            errno = EAGAIN;
            return -1;
        }
        const std::string& result = results_[next_++];
        if (result == "EPIPE" || result == "EINTR") {
            errno = result == "EPIPE" ? EPIPE : EINTR;
            return -1;
        }
        if (result.size() > size) {
            errno = EINVAL;
            return -1;
        }
        result.copy(buffer, result.size());
        return static_cast<long>(result.size());
    }

  private:
    std::vector<std::string> results_;
    std::size_t next_ = 0;
};

TEST(KmsgDevice, RecordsDictionaryOverwrittenAndEnd) {
    FakeDevice device({
        "6,5,100,-;kmem dax0.0: could not reserve region [0x100000000-0x13fffffff]\n"
        " SUBSYSTEM=dax\n DEVICE=+dax:dax0.0\n",
        "EPIPE",  // records 6..9 were overwritten
        "EINTR",
        "3,10,200,-;kmem dax0.0: probe with driver kmem failed with error -16\n",
        "6,11,300,-;random: crng init done\n",
    });
    srmd::KernelLogRead log =
        srmd::read_kmsg_records([&](char* b, std::size_t n) { return device(b, n); }, 0);
    EXPECT_TRUE(log.overwritten);
    ASSERT_EQ(log.lines.size(), 2u);
    EXPECT_EQ(log.lines[0].seq, 5u);
    EXPECT_EQ(log.lines[0].meaning, srmd::KernelLogMeaning::KmemReserveFailed);
    EXPECT_EQ(log.lines[1].seq, 10u);
    EXPECT_EQ(log.lines[1].error, -16);
    EXPECT_EQ(log.next_seq, 12u);
}

TEST(KmsgDevice, SkipsWhatWasReadBefore) {
    FakeDevice device({
        "6,5,100,-;kmem dax0.0: could not reserve region [0x100000000-0x13fffffff]\n",
        "3,10,200,-;kmem dax0.0: probe with driver kmem failed with error -16\n",
    });
    srmd::KernelLogRead log =
        srmd::read_kmsg_records([&](char* b, std::size_t n) { return device(b, n); }, 6);
    ASSERT_EQ(log.lines.size(), 1u);
    EXPECT_EQ(log.lines[0].seq, 10u);
    EXPECT_EQ(log.next_seq, 11u);
}

TEST(KmsgDevice, TheMachinesOwnLogReadsWithoutBlocking) {
    // As root on a machine with /dev/kmsg the log reads to its end and stops; without the right
    // to read it (dmesg_restrict), it reads as nothing. Either way it returns.
    srmd::KernelLogRead log = srmd::read_kernel_log(srmd::RootReader("/"));
    if (::access("/dev/kmsg", R_OK) == 0 && log.next_seq == 0)
        GTEST_SKIP() << "/dev/kmsg cannot be read here";
    EXPECT_LE(log.lines.size(), srmd::kMaxKernelLog);
}

}  // namespace
