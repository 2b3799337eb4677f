// Noticing Dynamic Capacity coming and going (EXPERIMENTAL, read/dcd-abi.hpp). The kernel sends
// no uevent for an extent: extent devices have no bus and no class, and available_size changes
// silently. So while the machine has a DC region the daemon looks now and then, cheaply: the
// names of each DC dax region's extents, its available_size, and whether the trace source has
// something to read. A change in this fingerprint asks for a pass; an unchanged one costs a few
// directory listings and no pass.
#pragma once

#include <string>

#include "read/snapshot.hpp"

namespace srmd {

class RootReader;

bool has_dynamic_regions(const Snapshot& snapshot);

// A text that changes whenever extents come or go under a DC region of `snapshot`, or a trace
// event waits to be read. Never throws: what cannot be read counts as a change the next pass
// will report.
std::string dc_fingerprint(const RootReader& reader, const Snapshot& snapshot);

}  // namespace srmd
