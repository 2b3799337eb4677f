// What the simulated kernel's Dynamic Capacity rules (sim-kernel-dcd.cpp) and the simulated device
// (sim-dcd-device.cpp) share: which extents a dax device holds, the dax region's available size,
// the extent directory and the trace line as the posted series makes them. EXPERIMENTAL, as the
// ABI (read/dcd-abi.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "read/snapshot.hpp"
#include "sim/sim-tree.hpp"

namespace srmd::sim_dcd {

// The dynamic region a dax device belongs to; nullptr for any other device.
const CxlRegion* region_of(const Snapshot& snapshot, const DaxDevice& device);
// A dax device of the region holds the extent (one of its mappings starts where it does).
bool claimed(const Snapshot& snapshot, const CxlRegion& region, const DcExtent& extent);
// Tree-relative directory of the region's dax region ("sys/devices/.../dax_region0").
std::string dax_region_dir(const CxlRegion& region);
// dax_region/available_size grown by `grow` and shrunk by `shrink` bytes.
void change_available(TreeEditor& tree, const CxlRegion& region, std::uint64_t grow,
                      std::uint64_t shrink);
// "%#llx": how the kernel prints an extent's offset and length ("0" for zero).
std::string alt_hex(std::uint64_t value);

// The tracefs file srmd reads (read/dcd-abi.hpp), tree-relative.
std::string trace_pipe_rel();
// One cxl_dynamic_capacity line as the tracepoint prints it, with trace_pipe's prefix; `type` is
// the event_type text ("Add capacity", "Release capacity").
std::string trace_line(const std::string& type, const std::string& memdev, std::uint64_t dpa,
                       std::uint64_t length, const std::string& tag);

}  // namespace srmd::sim_dcd
