// The kernel's own words in srmd's log (publish/kernel-log-journal.hpp): a line that comes to
// name a range is logged once, with SRMD_RANGE, SRMD_DEVICE, SRMD_KERNEL_SEQ and
// SRMD_KERNEL_MEANING; a problem the kernel explains carries SRMD_KERNEL_SEQ. Read on the
// console target, which prints the fields as the journal gets them.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "publish/kernel-log-journal.hpp"
#include "publish/log.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

// What `run` writes to stderr.
template <typename Run>
std::string stderr_of(Run run) {
    test::TempDir dir;
    std::string path = dir.path() + "/stderr";
    std::fflush(stderr);
    int saved = ::dup(2);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
    run();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::string text;
    if (FILE* in = std::fopen(path.c_str(), "r")) {
        char buffer[4096];
        std::size_t n;
        while ((n = std::fread(buffer, 1, sizeof buffer, in)) > 0)
            text.append(buffer, n);
        std::fclose(in);
    }
    return text;
}

KernelLogLine conflict_line() {
    KernelLogLine line = *recognise_kernel_line(
        "cxl_dax_region dax_region0: dax_region resource conflict for [mem "
        "0x110000000-0x12fffffff]");
    line.seq = 460;
    line.level = 3;
    return line;
}

Range range_with_line() {
    Range range;
    range.id = "r110000000";
    range.kernel_log.push_back(conflict_line());
    Problem problem("dax-region-conflict", "dax_region0 is not bound", RangeStatus::Conflict);
    problem.kernel_seq = 460;
    range.problems.push_back(problem);
    return range;
}

class KernelLogJournal : public ::testing::Test {
  protected:
    void SetUp() override {
        set_log_target(LogTarget::Console);
        set_log_level(LogLevel::Debug);
    }
    void TearDown() override { set_log_level(LogLevel::Info); }
};

TEST_F(KernelLogJournal, NewLinesAreLoggedOnceWithTheirFields) {
    std::vector<Range> now = {range_with_line()};
    std::string first = stderr_of([&] { log_new_kernel_lines({}, now); });
    EXPECT_EQ(first,
              "srmd: r110000000: the kernel logged: \"cxl_dax_region dax_region0: dax_region "
              "resource conflict for [mem 0x110000000-0x12fffffff]\" (a dax region could not "
              "take the address: another holds it) [SRMD_RANGE=r110000000 "
              "SRMD_DEVICE=dax_region0 SRMD_KERNEL_SEQ=460 "
              "SRMD_KERNEL_MEANING=dax-region-conflict]\n");
    // The next pass has the same line on the same range: nothing new to say.
    EXPECT_EQ(stderr_of([&] { log_new_kernel_lines(now, now); }), "");
}

TEST_F(KernelLogJournal, AProblemCarriesTheLineThatExplainsIt) {
    Range range = range_with_line();
    std::string text = stderr_of([&] { log_problem(LogLevel::Warning, range, range.problems[0]); });
    EXPECT_EQ(text,
              "srmd: warning: r110000000: dax-region-conflict: dax_region0 is not bound "
              "[SRMD_RANGE=r110000000 SRMD_PROBLEM=dax-region-conflict SRMD_KERNEL_SEQ=460 "
              "SRMD_KERNEL_MEANING=dax-region-conflict]\n");
    range.problems[0].kernel_seq.reset();
    EXPECT_EQ(stderr_of([&] { log_problem(LogLevel::Warning, range, range.problems[0]); }),
              "srmd: warning: r110000000: dax-region-conflict: dax_region0 is not bound "
              "[SRMD_RANGE=r110000000 SRMD_PROBLEM=dax-region-conflict]\n");
}

}  // namespace
}  // namespace srmd
