// The pieces read_snapshot() is made of, one per sysfs area. Internal to the snapshot.
#pragma once

#include <string>
#include <string_view>

#include "snapshot.hpp"

namespace srmd {

class RootReader;

void read_cxl(const RootReader& reader, Snapshot& snapshot);
// Needs the iomem tree (hmem device ranges) and the CXL regions (their dax regions).
void read_dax(const RootReader& reader, Snapshot& snapshot);
// Needs the dax devices (which block belongs to which device).
void read_memory(const RootReader& reader, Snapshot& snapshot);
void read_nodes(const RootReader& reader, Snapshot& snapshot);

// "/a/b/c" -> "c", and "/a/b/c" -> "/a/b".
std::string_view base_name(std::string_view path);
std::string_view dir_name(std::string_view path);
// A name made of `prefix` followed by digits only ("region12" for "region").
bool is_numbered(std::string_view name, std::string_view prefix);

}  // namespace srmd
