// The pieces read_snapshot() is made of, one per sysfs area. Internal to the snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "read/snapshot.hpp"
#include "util/format.hpp"

namespace srmd {

class RootReader;

// Loaded module names from /proc/modules, sorted; none when the file is missing.
std::vector<std::string> read_modules(const RootReader& reader);
void read_cxl(const RootReader& reader, Snapshot& snapshot);
// Needs the iomem tree (hmem device ranges) and the CXL regions (their dax regions).
void read_dax(const RootReader& reader, Snapshot& snapshot);
// Needs the dax devices (which block belongs to which device).
void read_memory(const RootReader& reader, Snapshot& snapshot);
void read_nodes(const RootReader& reader, Snapshot& snapshot);

// Dynamic Capacity (snapshot-dcd.cpp, EXPERIMENTAL). Sets CxlRegion::dynamic from the region's
// mode and, for a dynamic region with a dax region, reads its extents; needs the mode and the dax
// region's name. read_cxl calls it for each region.
void read_dc_extents(const RootReader& reader, CxlRegion& region);
// The tag of every dax device of a dynamic region (DaxDevice::dc_tag). Needs the regions and the
// dax devices' parents; read_dax calls it last.
void read_dc_tags(const RootReader& reader, Snapshot& snapshot);

// Performance facts (snapshot-performance.cpp). One access class directory ("accessN/initiators/"
// of a node, "accessN/" of a CXL region): nullopt when it holds none of the four values; a value
// that is missing or malformed is left out, never an error.
std::optional<NumaAccess> read_access_class(const RootReader& reader, const std::string& dir);
// The CXL regions' access classes, the windows' and the memdevs' QoS classes. Needs read_cxl's
// windows, regions and memdevs; read_cxl calls it last.
void read_cxl_performance(const RootReader& reader, Snapshot& snapshot);

// The parts of read_memory() that refresh_snapshot() also uses for the blocks events name.
// One block's state and zones, `name` being its directory ("memory8"); its node and dax owner
// are left for the caller. nullopt when there is no memoryN at all (removed); a block whose
// files are missing or contradict each other comes back with MemoryBlock::incomplete saying so.
// Throws SystemError for a file that cannot be read for another reason.
std::optional<MemoryBlock> read_memory_block(const RootReader& reader, const std::string& name);
// Block id -> node, from one listing per node.
std::unordered_map<std::uint64_t, int> read_block_nodes(const RootReader& reader,
                                                        const std::vector<NumaNode>& nodes);
// Sets MemoryBlock::dax of every block from the dax devices' mappings; reads no file.
void assign_block_dax(Snapshot& snapshot);

// A name made of `prefix` followed by digits only ("region12" for "region").
bool is_numbered(std::string_view name, std::string_view prefix);

}  // namespace srmd
