// Setting up the one source of Dynamic Capacity release requests (EXPERIMENTAL, read/dcd-abi.hpp):
// a tracefs instance of srmd's own with the cxl:cxl_dynamic_capacity event enabled, so that srmd
// neither disturbs nor depends on the global trace buffer (rasdaemon does the same for its CXL
// events). read/dc-events.hpp reads the instance's trace_pipe.
#pragma once

#include <string>

namespace srmd {

// Below `root` (the machine: "/"). Does nothing when the kernel has no such event (no DCD support,
// which is every kernel Debian ships today). Returns what an operator should know: "" when the
// event is not there, else a sentence saying it is watched, or why it cannot be. Never throws.
std::string enable_dc_trace(const std::string& root);

}  // namespace srmd
