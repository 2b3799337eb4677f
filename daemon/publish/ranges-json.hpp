// The JSON contract of `srmctl simulate --json` (and later of the daemon): {"machine", "ranges"}.
// Later work adds fields; the ones here are never renamed.
#pragma once

#include <vector>

#include "ownership/ownership.hpp"
#include "read/snapshot.hpp"
#include "util/json.hpp"

namespace srmd {

Json range_to_json(const Range& range);
Json ranges_to_json(const std::vector<Range>& ranges);
// What the machine has, for people reading the JSON: kernel, memory block size, auto-online policy,
// windows, regions, memdevs, hmem devices, NUMA nodes.
Json machine_to_json(const Snapshot& snapshot);
// {"machine": ..., "ranges": [...]}
Json simulate_to_json(const Snapshot& snapshot, const std::vector<Range>& ranges);

}  // namespace srmd
