// A simulated Dynamic Capacity device (EXPERIMENTAL, read/dcd-abi.hpp): what the device and the
// kernel's event handling do to a tree when the fabric manager adds capacity to a DC region or
// asks for it back, for tests and for operators' simulations (srmd-sim-write --dc-add and
// --dc-release). Kernel writes (claiming, destroying) are the simulated kernel's
// (sim-kernel.hpp); this is the other side.
//
//   - add: each extent becomes dax_regionZ/extentZ.N (the lowest free N; offset and length as
//     "%#llx", uuid only when tagged), available_size grows, and the tracepoint's "Add capacity"
//     line is appended to the srmd tracefs instance's trace_pipe, its DPA the region's endpoint
//     decoder's dpa_resource + offset. The kernel's gates refuse with EINVAL: a length of 0, an
//     extent not 2 MiB aligned, outside the region, or overlapping another extent; a tag the
//     region already has (EEXIST). Extent devices send no uevent;
//   - release: a "Release capacity" line per extent asked for; then, as the kernel does, when no
//     dax device holds any extent of the tag group (an untagged extent is a group of its own),
//     the whole group's extent directories go and available_size shrinks; when one does, nothing
//     else happens (the kernel ignores the request; the device must ask again).
// Both throw TreeError (the errno and the reason) for a region that is not a DC region with a dax
// region, and SystemError when the tree cannot be written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srmd {

struct DcExtentSpec {
    std::uint64_t offset = 0;  // within the region
    std::uint64_t length = 0;
};

void add_dc_extents(const std::string& root, const std::string& region,
                    const std::vector<DcExtentSpec>& extents, const std::string& tag);

// A release names a tag group by its tag, or an extent (untagged ones have no other name) by a
// range inside it.
struct DcReleaseSpec {
    std::string tag;
    std::optional<DcExtentSpec> range;
};
enum class DcReleaseOutcome {
    Released,  // the group was unused: its extents are gone
    Ignored,   // a dax device holds some of it: the kernel did nothing
};
// ENOENT when nothing matches (the kernel logs "matches no dc_extent").
DcReleaseOutcome request_dc_release(const std::string& root, const std::string& region,
                                    const DcReleaseSpec& spec);

// "OFFSET:LENGTH[,OFFSET:LENGTH]...", numbers decimal or 0x hex. Throws std::invalid_argument.
std::vector<DcExtentSpec> parse_dc_extents(std::string_view text);
// A tag (a UUID), or one range "OFFSET:LENGTH". Throws std::invalid_argument.
DcReleaseSpec parse_dc_release(std::string_view text);

}  // namespace srmd
