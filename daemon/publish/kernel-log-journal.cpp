// Logging the kernel's own words: the lines new on a range, and problems with the line that
// explains them.
#include "publish/kernel-log-journal.hpp"

#include <algorithm>
#include <string>

namespace srmd {

namespace {

const KernelLogLine* line_with_seq(const Range& range, std::uint64_t seq) {
    for (const KernelLogLine& line : range.kernel_log)
        if (line.seq == seq)
            return &line;
    return nullptr;
}

}  // namespace

void log_new_kernel_lines(const std::vector<Range>& previous, const std::vector<Range>& now) {
    for (const Range& range : now) {
        auto before = std::find_if(previous.begin(), previous.end(),
                                   [&](const Range& r) { return r.id == range.id; });
        for (const KernelLogLine& line : range.kernel_log) {
            if (before != previous.end() && line_with_seq(*before, line.seq))
                continue;
            log(LogLevel::Info,
                range.id + ": the kernel logged: \"" + line.message + "\" (" +
                    describe(line.meaning) + ")",
                {{"SRMD_RANGE", range.id},
                 {"SRMD_DEVICE", line.device},
                 {"SRMD_KERNEL_SEQ", std::to_string(line.seq)},
                 {"SRMD_KERNEL_MEANING", to_string(line.meaning)}});
        }
    }
}

void log_problem(LogLevel level, const Range& range, const Problem& problem) {
    std::string message = range.id + ": " + problem.code + ": " + problem.message;
    const KernelLogLine* line =
        problem.kernel_seq ? line_with_seq(range, *problem.kernel_seq) : nullptr;
    if (!line) {
        log(level, message, {{"SRMD_RANGE", range.id}, {"SRMD_PROBLEM", problem.code}});
        return;
    }
    log(level, message,
        {{"SRMD_RANGE", range.id},
         {"SRMD_PROBLEM", problem.code},
         {"SRMD_KERNEL_SEQ", std::to_string(line->seq)},
         {"SRMD_KERNEL_MEANING", to_string(line->meaning)}});
}

}  // namespace srmd
