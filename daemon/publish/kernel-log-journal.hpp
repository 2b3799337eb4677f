// The kernel's own words in srmd's journal: each kernel log line that comes to name a range is
// logged once, with the range, the device, the kernel's sequence number and what it means
// (SRMD_RANGE, SRMD_DEVICE, SRMD_KERNEL_SEQ, SRMD_KERNEL_MEANING), so that
// `journalctl SRMD_RANGE=r110000000` shows why the kernel did what it did beside what srmd did.
#pragma once

#include <vector>

#include "ownership/ownership.hpp"
#include "publish/log.hpp"

namespace srmd {

// Logs the lines on `now`'s ranges that the same range in `previous` did not have.
void log_new_kernel_lines(const std::vector<Range>& previous, const std::vector<Range>& now);

// Logs a problem of the range ("r...: code: message") with SRMD_RANGE and SRMD_PROBLEM, and when
// the kernel explains it (Problem::kernel_seq) SRMD_KERNEL_SEQ and SRMD_KERNEL_MEANING.
void log_problem(LogLevel level, const Range& range, const Problem& problem);

}  // namespace srmd
