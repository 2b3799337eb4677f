// The two halves of compute_ranges(): building each Range from the snapshot (ownership.cpp) and
// finding what is wrong with it (ownership-problems.cpp). Internal to the ownership computation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "ownership/ownership.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// Half-open [start, end): the form every comparison below wants. The kernel prints inclusive ends.
struct Span {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
};

inline Span span_from_size(std::uint64_t start, std::uint64_t size) {
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    return {start, size > max - start ? max : start + size};
}

inline std::uint64_t overlap_bytes(Span a, Span b) {
    std::uint64_t start = std::max(a.start, b.start);
    std::uint64_t end = std::min(a.end, b.end);
    return end > start ? end - start : 0;
}

// Everything about one dax device that ranges need, computed once.
struct DaxFacts {
    const DaxDevice* device = nullptr;
    std::vector<Span> spans;
    RangeMemory memory;
    std::vector<const MemoryBlock*> incomplete;  // its blocks the reader could not read whole
};

std::uint64_t bytes_in(const DaxFacts& facts, Span range);
bool has_bound(const std::vector<const DaxFacts*>& dax_in, DaxParentKind kind);

// What one Range was built from, kept so its problems can name the devices behind it.
struct RangeParts {
    Span span;
    std::vector<const CxlRegion*> regions;
    std::vector<const HmemDevice*> hmems;
    std::vector<const DaxFacts*> dax_in;
};

// Adds the problems of a Range whose facts are all in place, and sets its status from them.
void add_problems(const Snapshot& snapshot, const RangeParts& parts, Range& range);

// Attaches the kernel log lines that name the range (its address or a device in `parts`) and
// links its problems to the lines that explain them (ownership-kernel-log.cpp).
void attach_kernel_log(const Snapshot& snapshot, const RangeParts& parts, Range& range);

// Fills range.performance from the node, region, window and tier behind it, and adds the
// tier-shared-with-dram problem (ownership-performance.cpp). Needs the range's dax facts.
void attach_performance(const Snapshot& snapshot, const RangeParts& parts, Range& range);

// Dynamic Capacity (ownership-dc.cpp). A DC region with an address is a Range of its own.
bool is_dc_region(const CxlRegion& region);
// The range's RangeDc: extents by offset with the device of `dax_in` holding each, the seed, the
// available size and the region's pending release requests.
RangeDc dc_facts(const Snapshot& snapshot, const CxlRegion& region,
                 const std::vector<const DaxFacts*>& dax_in);
// dc-extent-unused and dc-release-pending, from range.dc.
void add_dc_problems(Range& range);

}  // namespace srmd
