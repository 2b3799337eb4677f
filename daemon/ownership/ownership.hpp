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

// Where a memory tier's id comes from (mm/memory-tiers.c): memory_tierN holds the nodes whose
// abstract distance is in [N << kMemtierChunkBits, (N + 1) << kMemtierChunkBits). The kernel
// exposes only N; DRAM's default abstract distance (576) puts it in tier 4.
constexpr int kMemtierChunkBits = 7;

// What the kernel knows about how fast a range is and where it sits (ownership-performance.cpp).
// Everything is optional: what the kernel does not show is absent, never 0.
struct RangePerformance {
    std::optional<int> node;  // the NUMA node its memory is in (or, offline, would be in)
    std::optional<NumaAccess> node_access0;  // the node's HMAT access classes
    std::optional<NumaAccess> node_access1;
    std::string region;                        // the CXL region behind the range, "" when none
    std::optional<NumaAccess> region_access0;  // that region's CDAT-derived access classes
    std::optional<NumaAccess> region_access1;
    std::optional<int> window_qos_class;  // the CXL window's qos_class
    std::vector<std::pair<std::string, std::optional<int>>> memdev_qos_class;  // region's memdevs
    std::optional<int> tier;  // memory_tierN the node is listed in
    // The abstract distance chunk tier N stands for, [first, last]; with `tier`.
    std::optional<std::pair<int, int>> abstract_distance;
    std::vector<int> tier_dram_nodes;  // DRAM nodes (CPUs or boot memory) in the same tier
};

// One extent of a Dynamic Capacity range (read/dcd-abi.hpp), and who uses it.
struct RangeDcExtent {
    std::string name;          // "extent0.3"
    std::uint64_t offset = 0;  // within the region
    std::uint64_t length = 0;
    std::string tag;     // "" untagged
    std::string device;  // the dax device whose mappings hold it, "" when none claimed it
    bool release_requested = false;  // a DcReleaseRequest covers it
};

// What a Dynamic Capacity region holds (EXPERIMENTAL: the kernel ABI is not merged). The range is
// the region's whole address span; only its extents are memory. Its dax devices (Range::dax) are
// the allocations claimed so far, one per tag (or per untagged extent).
struct RangeDc {
    std::string region;                // "region0"
    std::string dax_region;            // "dax_region0"
    std::string seed;                  // the 0-size dax device a claim is written to, "" when none
    std::uint64_t available_size = 0;  // extents no dax device claimed, as the kernel counts
    std::vector<RangeDcExtent> extents;              // by offset
    std::vector<DcReleaseRequest> release_requests;  // pending on this region
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
    RangePerformance performance;
    // Set for a Dynamic Capacity region's range only.
    std::optional<RangeDc> dc;

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
