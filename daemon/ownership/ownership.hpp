// Who claims each Soft Reserved range, who holds it now, and what is wrong with it. Pure: a
// function of a Snapshot, with no access to the machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "read/snapshot.hpp"

namespace srmd {

enum class Owner { Cxl, Hmem, None };
enum class RangeMode { SystemRam, Devdax, Unbound, Absent };
enum class Zone { Movable, Normal, Mixed };
// Ordered by severity: a Range's status is that of its most severe problem.
// Degraded: srmd tried to act on the range and a step failed (see executor.hpp).
enum class RangeStatus { Ok, Unaligned, Stranded, PartialCoverage, Conflict, Degraded };

struct Claimant {
    enum class Kind { Cxl, Hmem } kind = Kind::Cxl;
    std::string device;  // "region3" or "hmem.0"
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    // CXL: the region's decoders are committed. hmem: the device is bound and registered its dax
    // region, i.e. hmem has actually taken the range.
    bool committed = false;
    bool full = false;  // covers the whole Range (else partial)
};

struct RangeMemory {
    int blocks = 0;
    int online = 0;
    std::optional<Zone> zone;  // of the online blocks; nullopt when none is online
};

struct RangeDax {
    std::string device;
    std::string driver;  // "" when unbound
    std::uint64_t size = 0;
    int target_node = -1;
    RangeMemory memory;
};

struct Problem {
    Problem() = default;
    Problem(std::string code_, std::string message_, RangeStatus severity_ = RangeStatus::Ok)
        : code(std::move(code_)), message(std::move(message_)), severity(severity_) {}

    std::string code;  // kebab-case, stable
    std::string message;
    // The status this problem gives the range; Ok for a note that needs no action.
    RangeStatus severity = RangeStatus::Ok;
    // The kernel log line that explains it (KernelLogLine::seq, one of the range's kernel_log),
    // when the kernel logged one.
    std::optional<std::uint64_t> kernel_seq;
};

// At most this many kernel log lines are kept on one range, the newest.
constexpr std::size_t kMaxRangeKernelLog = 16;

struct Range {
    std::string id;  // "r" + lowercase hex start
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    std::optional<std::string> window;  // root decoder containing the range
    bool soft_reserved = false;
    std::vector<Claimant> claimants;
    Owner kernel_owner = Owner::None;
    Owner owner = Owner::None;
    std::vector<RangeDax> dax;
    RangeMode mode = RangeMode::Absent;
    RangeStatus status = RangeStatus::Ok;
    std::vector<Problem> problems;
    // The kernel log lines that name the range's address or a device behind it, oldest first,
    // at most kMaxRangeKernelLog (read/kmsg.hpp).
    std::vector<KernelLogLine> kernel_log;

    std::uint64_t end() const { return start + size; }  // exclusive
};

// Every Range of the machine, sorted by start.
std::vector<Range> compute_ranges(const Snapshot& snapshot);

// Links each problem of the range not yet linked to the newest of its kernel_log lines that
// explains it (Problem::kernel_seq), and quotes that line in the problem's message. Problems
// added after compute_ranges (the planner's refusals) are linked by calling it again.
void link_problems_to_kernel_log(Range& range);

const char* to_string(Owner owner);
const char* to_string(RangeMode mode);
const char* to_string(Zone zone);
const char* to_string(RangeStatus status);
const char* to_string(Claimant::Kind kind);

}  // namespace srmd
