// Creating a CXL ram region through raw sysfs: libcxl 76.1 cannot (`cxl create-region -t ram`
// says "unable to determine region size", creates nothing and exits 0), so srmd writes what the
// kernel's region ABI wants itself (vm-kernel-7.2.md §4):
//   decoderX.Y/create_ram_region  <- the name it reads back ("regionZ")
//   regionZ/interleave_granularity, regionZ/interleave_ways
//   regionZ/size                  (the kernel allocates the host address: regionZ/resource)
//   decoderE.F/dpa_size 0         (only for a leftover allocation of an earlier failed attempt)
//   decoderE.F/mode ram, decoderE.F/dpa_size
//   regionZ/targetN               in the kernel's order
//   regionZ/commit 1
//   /sys/bus/cxl/drivers/cxl_region/bind  <- regionZ, unless the kernel bound it already
// When the kernel places the region elsewhere than the spec says, or any write fails, the region
// is deleted again and the endpoint decoders' allocations freed, and the step fails (EADDRINUSE
// for a wrong address). Runs inside the kernel actuator's killable worker.
#pragma once

#include "act/killable-worker.hpp"
#include "kernel/sysfs-writer.hpp"
#include "plan/plan.hpp"
#include "read/root-reader.hpp"

namespace srmd {

WorkerReport create_region(const RootReader& reader, const SysfsWriter& writer,
                           const RegionSpec& spec);

}  // namespace srmd
