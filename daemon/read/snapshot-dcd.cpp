// Dynamic Capacity in the snapshot (EXPERIMENTAL, read/dcd-abi.hpp): the extents of a DC region,
// from its dax region's extentZ.N children, and the tag each dax device of such a region holds.
// Regions of any other mode, and their dax devices, read nothing here.
#include <algorithm>
#include <optional>

#include "read/dcd-abi.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"

namespace srmd {

namespace {

bool is_extent_name(std::string_view name) {
    if (name.substr(0, dcd_abi::kExtentPrefix.size()) != dcd_abi::kExtentPrefix)
        return false;
    std::string_view rest = name.substr(dcd_abi::kExtentPrefix.size());
    size_t dot = rest.find('.');
    auto digits = [](std::string_view text) {
        return !text.empty() &&
               std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return dot != std::string_view::npos && digits(rest.substr(0, dot)) &&
           digits(rest.substr(dot + 1));
}

// nullopt when the extent went away while it was being read (a release): the kernel removes the
// device with its files.
std::optional<DcExtent> read_extent(const RootReader& reader, const std::string& dir,
                                    std::string name) {
    DcExtent extent;
    extent.name = std::move(name);
    extent.path = dir + "/" + extent.name;
    auto attr = [&](std::string_view file) { return extent.path + "/" + std::string(file); };
    std::optional<std::string> offset = reader.read_attr_optional(attr(dcd_abi::kExtentOffset));
    std::optional<std::string> length = reader.read_attr_optional(attr(dcd_abi::kExtentLength));
    if (!offset || !length)
        return std::nullopt;
    extent.offset = parse_hex(*offset, reader.host_path(attr(dcd_abi::kExtentOffset)));
    extent.length = parse_hex(*length, reader.host_path(attr(dcd_abi::kExtentLength)));
    // The kernel hides the attribute of an untagged extent.
    std::optional<std::string> tag = reader.read_attr_optional(attr(dcd_abi::kExtentTag));
    if (!tag)
        tag = reader.read_attr_optional(attr(dcd_abi::kExtentTagOld));
    extent.tag = dcd_abi::normal_tag(tag.value_or(""));
    return extent;
}

}  // namespace

void read_dc_extents(const RootReader& reader, CxlRegion& region) {
    region.dynamic = dcd_abi::is_dynamic_mode(region.mode);
    if (!region.dynamic || region.dax_region.empty())
        return;
    std::string dir = region.path + "/" + region.dax_region;
    std::vector<std::string> names;
    for (const std::string& name : reader.list_optional(dir))
        if (is_extent_name(name) && reader.is_dir(dir + "/" + name))
            names.push_back(name);
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        long na = trailing_number(a), nb = trailing_number(b);
        return na != nb ? na < nb : a < b;
    });
    for (std::string& name : names)
        if (std::optional<DcExtent> extent = read_extent(reader, dir, std::move(name)))
            region.extents.push_back(std::move(*extent));
}

void read_dc_tags(const RootReader& reader, Snapshot& snapshot) {
    for (DaxDevice& device : snapshot.dax_devices) {
        if (device.parent_kind != DaxParentKind::Cxl)
            continue;
        const CxlRegion* region = snapshot.region(device.parent);
        if (!region || !region->dynamic)
            continue;
        std::optional<std::string> tag =
            reader.read_attr_optional(device.path + "/" + std::string(dcd_abi::kDaxTag));
        device.dc_tag = dcd_abi::normal_tag(tag.value_or(""));
    }
}

}  // namespace srmd
