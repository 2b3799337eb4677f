// Reading the kernel log below a root: /dev/kmsg records, by sequence number (see kmsg.hpp).
#include "read/kmsg.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "read/in-root.hpp"
#include "read/root-reader.hpp"

namespace srmd {

namespace {

constexpr const char* kKmsg = "/dev/kmsg";
// A record is at most CONSOLE_EXT_LOG_MAX (8 KiB) with its dictionary; read(2) of /dev/kmsg
// with a smaller buffer fails with EINVAL.
constexpr std::size_t kRecordBuffer = 16384;
// Bounds on one read, so that a kernel logging faster than srmd reads cannot keep it here.
constexpr std::size_t kMaxRecords = 1 << 20;
constexpr std::size_t kMaxFileBytes = RootReader::kMaxProcFile;

bool parse_number(std::string_view text, std::uint64_t& value) {
    if (text.empty())
        return false;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

// Feeds every record line of `text` (dictionary lines, starting with a space, are skipped) to
// `take`.
template <typename Take>
void for_each_record(std::string_view text, Take take) {
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        if (!line.empty() && line.front() != ' ')
            take(line);
        if (eol == std::string_view::npos)
            break;
        text.remove_prefix(eol + 1);
    }
}

class LogCollector {
  public:
    explicit LogCollector(std::uint64_t from_seq) { read_.next_seq = from_seq; }

    void take(std::string_view line) {
        std::optional<KmsgRecord> record = parse_kmsg_record(line);
        if (!record || record->seq < read_.next_seq)
            return;
        read_.next_seq = record->seq + 1;
        std::optional<KernelLogLine> recognised = recognise_kernel_line(record->message);
        if (!recognised)
            return;
        recognised->seq = record->seq;
        recognised->usec = record->usec;
        recognised->level = record->level;
        read_.lines.push_back(std::move(*recognised));
    }

    KernelLogRead done() {
        if (read_.lines.size() > kMaxKernelLog)
            read_.lines.erase(read_.lines.begin(),
                              read_.lines.end() - static_cast<std::ptrdiff_t>(kMaxKernelLog));
        return std::move(read_);
    }

    KernelLogRead& result() { return read_; }

  private:
    KernelLogRead read_;
};

void read_device(const KmsgReadRecord& read_record, LogCollector& collector) {
    std::string buffer(kRecordBuffer, '\0');
    for (std::size_t records = 0; records < kMaxRecords; ++records) {
        long n = read_record(buffer.data(), buffer.size());
        if (n > 0) {
            for_each_record(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                            [&](std::string_view line) { collector.take(line); });
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EPIPE) {
            collector.result().overwritten = true;
            continue;
        }
        return;  // EAGAIN: nothing more now; anything else: stop
    }
}

// A captured tree's text file: the same records, one a line.
void read_text(int fd, LogCollector& collector) {
    std::string data;
    char buffer[65536];
    while (data.size() < kMaxFileBytes) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        data.append(buffer, static_cast<std::size_t>(n));
    }
    // A record cut by the bound is dropped, not misread.
    if (data.size() >= kMaxFileBytes)
        data.erase(data.rfind('\n') == std::string::npos ? 0 : data.rfind('\n') + 1);
    for_each_record(data, [&](std::string_view line) { collector.take(line); });
}

}  // namespace

std::optional<KmsgRecord> parse_kmsg_record(std::string_view line) {
    std::size_t semicolon = line.find(';');
    if (semicolon == std::string_view::npos)
        return std::nullopt;
    std::string_view prefix = line.substr(0, semicolon);
    std::string_view fields[3];
    for (std::string_view& field : fields) {
        std::size_t comma = prefix.find(',');
        if (comma == std::string_view::npos)
            return std::nullopt;
        field = prefix.substr(0, comma);
        prefix.remove_prefix(comma + 1);
    }
    // What is left is the flags ('-', 'c', '+') and any later fields.
    std::uint64_t prio = 0;
    KmsgRecord record;
    if (!parse_number(fields[0], prio) || !parse_number(fields[1], record.seq) ||
        !parse_number(fields[2], record.usec) || prefix.empty())
        return std::nullopt;
    record.level = static_cast<int>(prio & 7);
    record.message = line.substr(semicolon + 1);
    return record;
}

KernelLogRead read_kernel_log(const RootReader& reader, std::uint64_t from_seq) {
    LogCollector collector(from_seq);
    Fd fd(reader.open_stream(kKmsg));
    if (!fd)
        return collector.done();  // no log here, or not ours to read
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        return collector.done();
    if (S_ISREG(st.st_mode)) {
        read_text(fd.get(), collector);
    } else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 11) && reader.root().empty()) {
        // Only the machine's own kernel log: a device node in a captured tree is not read.
        int raw = fd.get();
        read_device([raw](char* buffer, std::size_t size) { return ::read(raw, buffer, size); },
                    collector);
    }
    return collector.done();
}

KernelLogRead read_kmsg_records(const KmsgReadRecord& read_record, std::uint64_t from_seq) {
    LogCollector collector(from_seq);
    read_device(read_record, collector);
    return collector.done();
}

void append_kernel_log(std::vector<KernelLogLine>& log, std::vector<KernelLogLine> more) {
    for (KernelLogLine& line : more) {
        if (!line.start && !line.device.empty()) {
            auto same = std::find_if(log.rbegin(), log.rend(), [&](const KernelLogLine& earlier) {
                return earlier.start && earlier.device == line.device;
            });
            if (same != log.rend()) {
                line.start = same->start;
                line.end = same->end;
            }
        }
        log.push_back(std::move(line));
    }
    if (log.size() > kMaxKernelLog)
        log.erase(log.begin(), log.end() - static_cast<std::ptrdiff_t>(kMaxKernelLog));
}

std::string kmsg_record_text(const KernelLogLine& line) {
    return std::to_string(line.level) + "," + std::to_string(line.seq) + "," +
           std::to_string(line.usec) + ",-;" + line.message + "\n";
}

}  // namespace srmd
