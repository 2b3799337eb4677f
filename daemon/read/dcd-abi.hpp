// Every name of the kernel's Dynamic Capacity (DCD) ABI that srmd uses, in one place.
//
// EXPERIMENTAL. The ABI is that of a posted series, not merged through 7.3: "DCD: Add support for
// Dynamic Capacity Devices (DCD)", v11 (2026-06), with the spellings of v9 and v10 where they
// differ. When the kernel merges it, or changes a name, this file (and dcd-abi.cpp) is the one
// edit. What the series says, in short (our notes: shared/reference and the closing notes):
//   - a DC region's regionZ/mode reads "dynamic_ram_1" (v9, v10: "dynamic_ram_a"); a root decoder
//     creates one through create_dynamic_ram_1_region; interleave ways must be 1;
//   - its dax region (dax_regionZ under the region, on the cxl bus) starts with a 0-size seed dax
//     device and dax_region/available_size 0; available_size is the capacity of extents no dax
//     device has claimed;
//   - each extent is dax_regionZ/extentZ.N with offset and length (hex, the offset within the
//     region) and uuid, the allocation's tag, absent when the tag is the null UUID (v3..v8 called
//     it tag). Extent devices have no bus and no class: the kernel sends no uevent for them;
//   - a dax device claims capacity by a write of the tag to its uuid attribute: every extent with
//     that tag, at once (all or nothing); "0" claims exactly one untagged extent; ENOENT when
//     nothing matches. Its size cannot change otherwise; size 0 gives the extents back (the
//     destroy path), then dax_region/delete removes the device;
//   - the device asks capacity back with a Release Capacity event. The kernel releases a tag group
//     no dax device uses; one in use it ignores without a word above debug level, and the device
//     must ask again once the host freed it. The only trace of a request is the trace event
//     cxl:cxl_dynamic_capacity, which srmd reads from a tracefs instance of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace srmd::dcd_abi {

// regionZ/mode of a Dynamic Capacity region, newest spelling first.
inline constexpr std::string_view kRegionModes[] = {"dynamic_ram_1", "dynamic_ram_a"};
bool is_dynamic_mode(std::string_view mode);

// Extent devices: children of the dax region device named "extent<region id>.<n>".
inline constexpr std::string_view kExtentPrefix = "extent";
inline constexpr std::string_view kExtentOffset = "offset";
inline constexpr std::string_view kExtentLength = "length";
inline constexpr std::string_view kExtentTag = "uuid";
inline constexpr std::string_view kExtentTagOld = "tag";  // v3..v8

// daxX.Y/uuid: read, the tag of the capacity the device holds (the null UUID, or "0" in v10,
// when untagged); written, claims capacity by tag.
inline constexpr std::string_view kDaxTag = "uuid";
inline constexpr std::string_view kNullTag = "00000000-0000-0000-0000-000000000000";
// What to write to a seed device's uuid to claim one untagged extent.
inline constexpr std::string_view kClaimUntagged = "0";

// The kernel never deletes a region's dax device 0 ("always preserve device-id-0":
// dax_region/delete is EBUSY for it): emptying it (size 0) is all a destroy can do. `device` is
// "daxX.Y".
bool kept_by_region(std::string_view device);

// The tag as srmd keeps it: lowercase, "" for the null UUID (or v10's "0", or an absent file).
std::string normal_tag(std::string_view text);

// The tracefs instance srmd reads Dynamic Capacity events from, below the root, and the event.
inline constexpr std::string_view kTraceInstance = "/sys/kernel/tracing/instances/srmd";
inline constexpr std::string_view kTraceEventEnable = "events/cxl/cxl_dynamic_capacity/enable";
inline constexpr std::string_view kTracePipe = "trace_pipe";
inline constexpr std::string_view kTraceEventName = "cxl_dynamic_capacity";

// One cxl_dynamic_capacity trace line, as the tracepoint prints it:
//   "... cxl_dynamic_capacity: memdev=mem0 host=0000:0d:00.0 serial=0 log=Informational :
//    time=... : event_type='Release capacity' host_id='0' updated_region_index='255'
//    starting_dpa=10000000 length=8000000 tag=5be13bce-... shared_extent_sequence=0"
// (starting_dpa and length in hex without 0x).
struct DcTraceEvent {
    enum class Type { Add, Release, ForcedRelease, RegionUpdated } type = Type::Add;
    std::string memdev;  // "mem0"
    std::uint64_t dpa = 0;
    std::uint64_t length = 0;
    std::string tag;  // normal_tag()
};
// nullopt for any other line (another event, a lost-events marker, garbage).
std::optional<DcTraceEvent> parse_trace_line(std::string_view line);

}  // namespace srmd::dcd_abi
