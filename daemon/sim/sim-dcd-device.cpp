// The simulated Dynamic Capacity device (sim-dcd-device.hpp). EXPERIMENTAL.
#include "sim/sim-dcd-device.hpp"

#include <cerrno>
#include <charconv>
#include <stdexcept>

#include "read/dcd-abi.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-dcd-internal.hpp"
#include "sim/sim-tree.hpp"

namespace srmd {

namespace {

constexpr std::uint64_t kAlign = 2 << 20;  // the series' per-extent gate (PMD_SIZE)

const std::string kCxlDevices = "/sys/bus/cxl/devices/";

[[noreturn]] void refuse(int error, const std::string& path, const std::string& message) {
    throw TreeError(error, path, message);
}

const CxlRegion& need_dc_region(const Snapshot& snapshot, const std::string& name) {
    const CxlRegion* region = snapshot.region(name);
    if (!region)
        refuse(ENODEV, kCxlDevices + name, "no such region");
    if (!region->dynamic)
        refuse(EINVAL, kCxlDevices + name, name + " is not a Dynamic Capacity region");
    if (region->dax_region.empty() || !region->dax_region_enabled || !region->start)
        refuse(ENXIO, kCxlDevices + name, name + " has no dax region to surface capacity in");
    return *region;
}

// The memdev and DPA of a region offset: its endpoint decoder (DC regions have one way).
std::pair<std::string, std::uint64_t> dpa_of(const Snapshot& snapshot, const CxlRegion& region,
                                             std::uint64_t offset) {
    for (const CxlEndpointDecoder& decoder : snapshot.endpoint_decoders)
        if (decoder.region == region.name && decoder.dpa_resource)
            return {decoder.memdev, *decoder.dpa_resource + offset};
    refuse(ENXIO, region.path, region.name + " has no endpoint decoder with a DPA");
}

// The device's event for each extent, appended to the trace file srmd reads, as one write.
void append_trace(TreeEditor& tree, const Snapshot& snapshot, const CxlRegion& region,
                  const std::vector<DcExtentSpec>& extents, const char* event,
                  const std::string& tag) {
    std::string trace;
    for (const DcExtentSpec& e : extents) {
        auto [memdev, dpa] = dpa_of(snapshot, region, e.offset);
        trace += sim_dcd::trace_line(event, memdev, dpa, e.length, tag);
    }
    tree.append(sim_dcd::trace_pipe_rel(), trace);
}

bool overlaps(std::uint64_t a, std::uint64_t a_length, std::uint64_t b, std::uint64_t b_length) {
    return a < b + b_length && b < a + a_length;
}

std::uint64_t parse_number(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        throw std::invalid_argument("'" + std::string(text) + "' is not a number");
    return value;
}

DcExtentSpec parse_range(std::string_view text) {
    size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        throw std::invalid_argument("'" + std::string(text) + "' is not OFFSET:LENGTH");
    return {parse_number(text.substr(0, colon)), parse_number(text.substr(colon + 1))};
}

}  // namespace

void add_dc_extents(const std::string& root, const std::string& region_name,
                    const std::vector<DcExtentSpec>& extents, const std::string& tag_text) {
    Snapshot snapshot = read_snapshot(RootReader(root));
    const CxlRegion& region = need_dc_region(snapshot, region_name);
    const std::string path = region.path + "/" + region.dax_region;
    std::string tag = dcd_abi::normal_tag(tag_text);
    if (extents.empty())
        refuse(EINVAL, path, "no extent to add");
    if (!tag.empty())
        for (const DcExtent& extent : region.extents)
            if (extent.tag == tag)
                refuse(EEXIST, path, "tag " + tag + " is already committed in " + region.name);
    for (size_t i = 0; i < extents.size(); ++i) {
        const DcExtentSpec& e = extents[i];
        if (e.length == 0 || e.offset % kAlign || e.length % kAlign)
            refuse(EINVAL, path, "an extent must be 2 MiB aligned and not empty");
        if (e.offset >= region.size || e.length > region.size - e.offset)
            refuse(EINVAL, path, "the extent is not inside " + region.name);
        for (const DcExtent& other : region.extents)
            if (overlaps(e.offset, e.length, other.offset, other.length))
                refuse(EINVAL, path, "the extent overlaps " + other.name);
        for (size_t j = 0; j < i; ++j)
            if (overlaps(e.offset, e.length, extents[j].offset, extents[j].length))
                refuse(EINVAL, path, "the extents overlap each other");
    }

    TreeEditor tree(root);
    append_trace(tree, snapshot, region, extents, "Add capacity", tag);

    const std::string dir = sim_dcd::dax_region_dir(region);
    const std::string prefix = std::string(dcd_abi::kExtentPrefix) +
                               region.name.substr(std::string("region").size()) + ".";
    std::uint64_t total = 0;
    long next = 0;
    for (const DcExtentSpec& e : extents) {
        while (tree.exists(dir + "/" + prefix + std::to_string(next)))
            ++next;
        const std::string x = dir + "/" + prefix + std::to_string(next);
        tree.build_dir(x, [&] {
            tree.attr(x + "/" + std::string(dcd_abi::kExtentOffset), sim_dcd::alt_hex(e.offset));
            tree.attr(x + "/" + std::string(dcd_abi::kExtentLength), sim_dcd::alt_hex(e.length));
            if (!tag.empty())
                tree.attr(x + "/" + std::string(dcd_abi::kExtentTag), tag);
        });
        total += e.length;
    }
    sim_dcd::change_available(tree, region, total, 0);
}

DcReleaseOutcome request_dc_release(const std::string& root, const std::string& region_name,
                                    const DcReleaseSpec& spec) {
    Snapshot snapshot = read_snapshot(RootReader(root));
    const CxlRegion& region = need_dc_region(snapshot, region_name);
    const std::string path = region.path + "/" + region.dax_region;

    // What the device asks for, one event each, and the tag group it names.
    std::vector<DcExtentSpec> asked;
    std::string tag = dcd_abi::normal_tag(spec.tag);
    const DcExtent* named = nullptr;
    if (spec.range) {
        for (const DcExtent& extent : region.extents)
            if (extent.offset <= spec.range->offset &&
                spec.range->offset + spec.range->length <= extent.offset + extent.length)
                named = &extent;
        if (!named)
            refuse(ENOENT, path, "the range matches no extent of " + region.name);
        tag = named->tag;
        asked.push_back(*spec.range);
    } else {
        if (tag.empty())
            refuse(EINVAL, path, "an untagged extent is released by its range");
        for (const DcExtent& extent : region.extents)
            if (extent.tag == tag)
                asked.push_back({extent.offset, extent.length});
        if (asked.empty())
            refuse(ENOENT, path, "no extent of " + region.name + " has tag " + tag);
    }
    std::vector<const DcExtent*> group;
    for (const DcExtent& extent : region.extents)
        if (tag.empty() ? &extent == named : extent.tag == tag)
            group.push_back(&extent);

    TreeEditor tree(root);
    append_trace(tree, snapshot, region, asked, "Release capacity", tag);

    for (const DcExtent* extent : group)
        if (sim_dcd::claimed(snapshot, region, *extent))
            return DcReleaseOutcome::Ignored;
    std::uint64_t total = 0;
    for (const DcExtent* extent : group) {
        tree.remove(tree_relative(extent->path));
        total += extent->length;
    }
    sim_dcd::change_available(tree, region, 0, total);
    return DcReleaseOutcome::Released;
}

std::vector<DcExtentSpec> parse_dc_extents(std::string_view text) {
    std::vector<DcExtentSpec> extents;
    while (true) {
        size_t comma = text.find(',');
        extents.push_back(parse_range(text.substr(0, comma)));
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    return extents;
}

DcReleaseSpec parse_dc_release(std::string_view text) {
    DcReleaseSpec spec;
    if (text.find(':') != std::string_view::npos)
        spec.range = parse_range(text);
    else
        spec.tag = std::string(text);
    return spec;
}

}  // namespace srmd
