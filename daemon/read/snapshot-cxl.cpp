// CXL root decoders (windows), regions and memdevs, from /sys/bus/cxl.
#include <algorithm>
#include <limits>

#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"

namespace srmd {

namespace {

const std::string kCxlDevices = "/sys/bus/cxl/devices/";

// Reads one attribute of a device directory, converting with the parser that fits its format.
struct DeviceDir {
    const RootReader& reader;
    std::string path;

    std::string attr(const char* name) const { return reader.read_attr(path + "/" + name); }
    std::optional<std::string> optional(const char* name) const {
        return reader.read_attr_optional(path + "/" + name);
    }
    std::string host(const char* name) const { return reader.host_path(path + "/" + name); }
    std::uint64_t number(const char* name) const { return parse_number(attr(name), host(name)); }
    std::optional<std::uint64_t> optional_number(const char* name) const {
        std::optional<std::string> text = optional(name);
        if (!text)
            return std::nullopt;
        return parse_number(*text, host(name));
    }
    std::optional<bool> optional_bool(const char* name) const {
        std::optional<std::string> text = optional(name);
        if (!text)
            return std::nullopt;
        return parse_bool(*text, host(name));
    }
};

bool numbered_less(const std::string& a, const std::string& b) {
    long na = trailing_number(a), nb = trailing_number(b);
    return na != nb ? na < nb : a < b;
}

CxlWindow read_window(const DeviceDir& dir, std::string name) {
    CxlWindow window;
    window.name = std::move(name);
    window.path = dir.path;
    window.start = dir.number("start");
    window.size = dir.number("size");
    window.cap_ram = dir.optional_bool("cap_ram").value_or(false);
    window.cap_pmem = dir.optional_bool("cap_pmem").value_or(false);
    window.locked = dir.optional_bool("locked").value_or(false);
    window.interleave_ways = static_cast<int>(dir.optional_number("interleave_ways").value_or(0));
    window.interleave_granularity =
        static_cast<int>(dir.optional_number("interleave_granularity").value_or(0));
    window.can_create_ram = window.cap_ram && dir.reader.exists(dir.path + "/create_ram_region");
    return window;
}

// The memdev behind an endpoint decoder: decoderX.Y lives under endpointN, whose uport link
// names the memdev.
std::string memdev_of_endpoint_decoder(const RootReader& reader, const std::string& decoder) {
    std::string path = kCxlDevices + decoder;
    if (!reader.exists(path))
        return "";
    std::string endpoint(dir_name(reader.canonical(path)));
    return reader.link_name(endpoint + "/uport").value_or("");
}

CxlEndpointDecoder read_endpoint_decoder(const RootReader& reader, const DeviceDir& dir,
                                         std::string name) {
    CxlEndpointDecoder decoder;
    decoder.memdev = memdev_of_endpoint_decoder(reader, name);
    decoder.name = std::move(name);
    decoder.path = dir.path;
    decoder.mode = dir.optional("mode").value_or("");
    decoder.dpa_size = dir.optional_number("dpa_size").value_or(0);
    std::uint64_t dpa =
        dir.optional_number("dpa_resource").value_or(std::numeric_limits<std::uint64_t>::max());
    if (dpa != std::numeric_limits<std::uint64_t>::max())
        decoder.dpa_resource = dpa;
    decoder.size = dir.optional_number("size").value_or(0);
    decoder.region = dir.optional("region").value_or("");
    decoder.locked = dir.optional_bool("locked").value_or(false);
    return decoder;
}

CxlRegion read_region(const RootReader& reader, const DeviceDir& dir, std::string name) {
    CxlRegion region;
    region.name = std::move(name);
    region.path = dir.path;
    region.window = std::string(base_name(dir_name(dir.path)));

    // A region with no host physical address shows all ones.
    std::uint64_t resource = dir.number("resource");
    if (resource != std::numeric_limits<std::uint64_t>::max())
        region.start = resource;
    region.size = dir.number("size");
    region.committed = dir.optional_bool("commit").value_or(false);
    region.enabled = reader.read_link(dir.path + "/driver").has_value();
    region.locked = dir.optional_bool("locked");
    region.interleave_ways = static_cast<int>(dir.optional_number("interleave_ways").value_or(0));
    region.interleave_granularity =
        static_cast<int>(dir.optional_number("interleave_granularity").value_or(0));

    std::string id = region.name.substr(std::string("region").size());
    if (reader.is_dir(dir.path + "/dax_region" + id)) {
        region.dax_region = "dax_region" + id;
        region.dax_region_enabled =
            reader.read_link(dir.path + "/" + region.dax_region + "/driver").has_value();
    }

    // Kernels before 6.3 have no mode file; a ram region grows a dax_regionZ child and a pmem
    // region a pmem_regionZ child once enabled.
    if (std::optional<std::string> mode = dir.optional("mode"))
        region.mode = *mode;
    else if (!region.dax_region.empty())
        region.mode = "ram";
    else if (reader.is_dir(dir.path + "/pmem_region" + id))
        region.mode = "pmem";

    for (int position = 0; position < std::max(region.interleave_ways, 1); ++position) {
        std::string attr = "target" + std::to_string(position);
        std::optional<std::string> target = dir.optional(attr.c_str());
        if (!target || target->empty())
            continue;
        region.targets.push_back(*target);
        std::string memdev = memdev_of_endpoint_decoder(reader, *target);
        if (!memdev.empty())
            region.memdevs.push_back(memdev);
    }
    // A disabled region of those kernels has neither child, but its endpoint decoders keep the
    // mode of the capacity they were given (seen on 6.1 between disable-region and
    // destroy-region: without this, a pmem region looked like ram for that while).
    if (region.mode.empty() && !region.targets.empty()) {
        std::optional<std::string> mode =
            reader.read_attr_optional(kCxlDevices + region.targets.front() + "/mode");
        if (mode == "ram" || mode == "pmem")
            region.mode = *mode;
    }
    read_dc_extents(reader, region);
    return region;
}

CxlMemdev read_memdev(const DeviceDir& dir, std::string name) {
    CxlMemdev memdev;
    memdev.name = std::move(name);
    memdev.path = dir.path;
    memdev.serial = dir.optional_number("serial").value_or(0);
    if (std::optional<std::string> node = dir.optional("numa_node"))
        memdev.numa_node = static_cast<int>(parse_signed(*node, dir.host("numa_node")));
    memdev.ram_size = dir.optional_number("ram/size").value_or(0);
    memdev.pmem_size = dir.optional_number("pmem/size").value_or(0);
    memdev.host = std::string(base_name(dir_name(dir.path)));
    return memdev;
}

}  // namespace

void read_cxl(const RootReader& reader, Snapshot& snapshot) {
    for (const std::string& name : reader.list_optional(kCxlDevices)) {
        bool decoder = name.rfind("decoder", 0) == 0;
        bool region = is_numbered(name, "region");
        bool memdev = is_numbered(name, "mem");
        if (!decoder && !region && !memdev)
            continue;
        DeviceDir dir{reader, reader.canonical(kCxlDevices + name)};
        if (decoder) {
            // Only root decoders describe windows; switch and endpoint decoders are plumbing.
            // Kernels without a devtype file still place root decoders directly under rootN.
            std::optional<std::string> devtype = dir.optional("devtype");
            bool root = devtype ? *devtype == "cxl_decoder_root"
                                : is_numbered(base_name(dir_name(dir.path)), "root");
            if (root) {
                snapshot.windows.push_back(read_window(dir, name));
            } else if (devtype ? *devtype == "cxl_decoder_endpoint"
                               : is_numbered(base_name(dir_name(dir.path)), "endpoint")) {
                snapshot.endpoint_decoders.push_back(read_endpoint_decoder(reader, dir, name));
                std::uint64_t size = dir.optional_number("size").value_or(0);
                if (size > 0)
                    snapshot.decoded.push_back({name, memdev_of_endpoint_decoder(reader, name),
                                                dir.optional_number("start").value_or(0), size});
            }
        } else if (region) {
            snapshot.regions.push_back(read_region(reader, dir, name));
        } else {
            snapshot.memdevs.push_back(read_memdev(dir, name));
        }
    }
    std::sort(snapshot.windows.begin(), snapshot.windows.end(),
              [](const CxlWindow& a, const CxlWindow& b) { return a.start < b.start; });
    std::sort(snapshot.regions.begin(), snapshot.regions.end(),
              [](const CxlRegion& a, const CxlRegion& b) { return numbered_less(a.name, b.name); });
    std::sort(snapshot.decoded.begin(), snapshot.decoded.end(),
              [](const CxlDecoded& a, const CxlDecoded& b) { return a.start < b.start; });
    std::sort(
        snapshot.endpoint_decoders.begin(), snapshot.endpoint_decoders.end(),
        [](const CxlEndpointDecoder& a, const CxlEndpointDecoder& b) { return a.name < b.name; });
    std::sort(snapshot.memdevs.begin(), snapshot.memdevs.end(),
              [](const CxlMemdev& a, const CxlMemdev& b) { return numbered_less(a.name, b.name); });
    read_cxl_performance(reader, snapshot);
}

}  // namespace srmd
