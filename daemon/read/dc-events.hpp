// Dynamic Capacity release requests, from the trace events srmd reads (read/dcd-abi.hpp): the one
// place the kernel shows that a device asked for capacity back while the host still used it.
//
// On the machine the source is the trace_pipe of srmd's tracefs instance below the root, read
// without blocking; a read consumes what it returns. In a tree (captured, or the simulated
// kernel's) it is a plain file the simulated device appends to, read from `offset` on.
#pragma once

#include <cstdint>
#include <vector>

#include "read/dcd-abi.hpp"
#include "read/snapshot.hpp"

namespace srmd {

class RootReader;

struct DcTraceRead {
    std::vector<dcd_abi::DcTraceEvent> events;  // oldest first
    std::uint64_t next_offset = 0;              // where the next read of a tree's file starts
};

// The events written since `offset`. Nothing (and no error) when the instance does not exist:
// a kernel without DCD, or srmd not yet set it up.
DcTraceRead read_dc_trace(const RootReader& reader, std::uint64_t offset);

// The requests after `events`, against the machine as `snapshot` reads it: a Release (or Forced
// Release) event becomes a request on the region whose endpoint decoder maps its DPA (offset =
// DPA - the decoder's dpa_resource); an event that maps to no region is dropped. A request whose
// extents are all gone (the kernel released them) is dropped; the rest keep their `since`. `now`
// is CLOCK_REALTIME microseconds, the `since` of new requests.
std::vector<DcReleaseRequest> update_release_requests(
    const Snapshot& snapshot, std::vector<DcReleaseRequest> requests,
    const std::vector<dcd_abi::DcTraceEvent>& events, std::uint64_t now);

}  // namespace srmd
