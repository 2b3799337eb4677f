// libFuzzer entry point for the kernel log (daemon/read/kmsg.hpp): /dev/kmsg is what the kernel
// and, in a captured tree, whoever wrote the file say; srmd must read any byte string without a
// crash, a sanitizer finding or an exception. Each input line is one record as read(2) returns
// it from the device. Checked: a record's text, as capture writes it, parses back to the same
// numbers; every line kept is at or after the sequence asked for, names an address range that
// does not end before it starts, and the read resumes after it; appending keeps the bound.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "read/kmsg.hpp"

namespace {

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "kernel log: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> records;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        records.push_back(
            text.substr(0, newline == std::string_view::npos ? text.size() : newline + 1));
        text.remove_prefix(records.back().size());
    }
    // The first byte picks where the read starts, as an incremental read would.
    const std::uint64_t from = size > 0 ? data[0] % 8 : 0;
    std::size_t next = 0;
    srmd::KernelLogRead read = srmd::read_kmsg_records(
        [&](char* buffer, std::size_t capacity) -> long {
            if (next == records.size()) {
                errno = EAGAIN;
                return -1;
            }
            std::string_view record = records[next++];
            if (record == "EPIPE\n") {
                errno = EPIPE;
                return -1;
            }
            std::size_t n = record.size() < capacity ? record.size() : capacity;
            std::memcpy(buffer, record.data(), n);
            return static_cast<long>(n);
        },
        from);

    for (const srmd::KernelLogLine& line : read.lines) {
        if (line.seq < from)
            broken("a line before the sequence asked for");
        if (read.next_seq <= line.seq)
            broken("the next read would take a line again");
        if (line.start && line.end < *line.start)
            broken("an address range that ends before it starts");
        if (line.message.find('\n') == std::string::npos) {
            std::string record = srmd::kmsg_record_text(line);
            std::optional<srmd::KmsgRecord> back =
                srmd::parse_kmsg_record(std::string_view(record).substr(0, record.size() - 1));
            if (!back || back->seq != line.seq || back->usec != line.usec ||
                back->level != line.level || back->message != line.message)
                broken("a captured record does not read back as written");
        }
    }
    std::vector<srmd::KernelLogLine> log;
    for (int i = 0; i < 3; ++i)
        srmd::append_kernel_log(log, read.lines);
    if (log.size() > srmd::kMaxKernelLog)
        broken("the log grew past its bound");
    return 0;
}
