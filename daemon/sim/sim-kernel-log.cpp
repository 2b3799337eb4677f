// The simulated kernel's log: when it refuses something the real kernel would log (a dax
// region's resource conflict, a kmem probe that cannot reserve its range, the failed probe that
// follows), it appends the same line, in the same words, to the tree's /dev/kmsg in the kernel's
// record format, with the next sequence number. srmd then reads it as it reads the real log
// (read/kmsg.hpp), so that a simulation explains itself as a real machine does.
#include <time.h>

#include <string>

#include "read/kmsg.hpp"
#include "sim/sim-kernel-rules.hpp"

namespace srmd {

namespace {

constexpr const char* kKmsg = "dev/kmsg";

std::uint64_t microseconds_since_boot() {
    struct timespec now {};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

}  // namespace

void SimulatedKernel::Session::kernel_says(int level, const std::string& message) {
    // The sequence number after the last record in the file (records are one a line).
    std::uint64_t seq = 0;
    std::string text = tree_.read_attr(kKmsg).value_or("");
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t eol = text.find('\n', from);
        std::string line = text.substr(from, eol == std::string::npos ? eol : eol - from);
        if (std::optional<KmsgRecord> record = parse_kmsg_record(line))
            seq = record->seq + 1;
        if (eol == std::string::npos)
            break;
        from = eol + 1;
    }
    tree_.append(kKmsg, std::to_string(level) + "," + std::to_string(seq) + "," +
                            std::to_string(microseconds_since_boot()) + ",-;" + message + "\n");
}

void SimulatedKernel::Session::kernel_says_probe_failed(const std::string& driver,
                                                        const std::string& device, int error) {
    // drivers/base/dd.c, 6.10 and later: dev_err(dev, "probe with driver %s failed with error %d")
    kernel_says(3, driver + " " + device + ": probe with driver " + driver +
                       " failed with error -" + std::to_string(error));
}

}  // namespace srmd
