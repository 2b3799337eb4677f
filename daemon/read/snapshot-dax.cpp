// hmem platform devices, dax regions and dax devices, from /sys/bus/platform and /sys/bus/dax.
// Who a dax device belongs to is told by where it sits in /sys/devices, never by /proc/iomem.
#include <algorithm>
#include <map>

#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

const std::string kDaxDevices = "/sys/bus/dax/devices/";
const std::string kPlatformDevices = "/sys/bus/platform/devices/";

std::uint64_t read_number(const RootReader& reader, const std::string& path) {
    return parse_number(reader.read_attr(path), reader.host_path(path));
}

std::optional<std::uint64_t> read_optional_number(const RootReader& reader,
                                                  const std::string& path) {
    std::optional<std::string> text = reader.read_attr_optional(path);
    if (!text)
        return std::nullopt;
    return parse_number(*text, reader.host_path(path));
}

std::string subsystem_of(const RootReader& reader, std::string_view device_dir) {
    return reader.link_name(std::string(device_dir) + "/subsystem").value_or("");
}

// Where a dax region directory hangs: .../regionZ/dax_regionZ (CXL), .../hmem.N (hmem, also
// below hmem_platform.0 on 7.1), or an nd device below an nd region (pmem namespaces).
void classify_parent(const RootReader& reader, const std::string& region_dir, DaxRegion& region) {
    std::string_view name = base_name(region_dir);
    std::string_view grandparent = dir_name(region_dir);
    if (is_numbered(name, "hmem.")) {
        region.parent_kind = DaxParentKind::Hmem;
        region.parent = std::string(name);
    } else if (is_numbered(name, "dax_region") && subsystem_of(reader, grandparent) == "cxl") {
        region.parent_kind = DaxParentKind::Cxl;
        region.parent = std::string(base_name(grandparent));
    } else if (subsystem_of(reader, region_dir) == "nd") {
        region.parent_kind = DaxParentKind::Nd;
        region.parent = std::string(base_name(grandparent));
    } else {
        region.parent_kind = DaxParentKind::Other;
        region.parent = std::string(name);
    }
}

DaxRegion read_dax_region(const RootReader& reader, const std::string& region_dir) {
    DaxRegion region;
    region.path = region_dir;
    std::string attrs = region_dir + "/dax_region/";
    region.id = static_cast<int>(read_number(reader, attrs + "id"));
    region.size = read_number(reader, attrs + "size");
    region.align = read_optional_number(reader, attrs + "align").value_or(0);
    region.available_size = read_optional_number(reader, attrs + "available_size").value_or(0);
    classify_parent(reader, region_dir, region);
    return region;
}

DaxDevice read_dax_device(const RootReader& reader, std::string name, std::string path) {
    DaxDevice device;
    device.name = std::move(name);
    device.path = std::move(path);
    const std::string& dir = device.path;
    device.size = read_number(reader, dir + "/size");
    if (std::optional<std::string> resource = reader.read_attr_optional(dir + "/resource"))
        device.resource = parse_hex(*resource, reader.host_path(dir + "/resource"));
    device.align = read_optional_number(reader, dir + "/align").value_or(0);
    if (std::optional<std::string> node = reader.read_attr_optional(dir + "/target_node"))
        device.target_node =
            static_cast<int>(parse_signed(*node, reader.host_path(dir + "/target_node")));
    device.driver = reader.link_name(dir + "/driver").value_or("");
    if (std::optional<std::string> memmap = reader.read_attr_optional(dir + "/memmap_on_memory"))
        device.memmap_on_memory = trim(*memmap) == "1";

    std::vector<std::string> mappings;
    for (const std::string& entry : reader.list(dir))
        if (is_numbered(entry, "mapping"))
            mappings.push_back(entry);
    std::sort(mappings.begin(), mappings.end(), [](const std::string& a, const std::string& b) {
        return trailing_number(a) < trailing_number(b);
    });
    for (const std::string& mapping : mappings) {
        std::string base = dir + "/" + mapping + "/";
        DaxMapping m;
        m.start = parse_hex(reader.read_attr(base + "start"), reader.host_path(base + "start"));
        m.end = parse_hex(reader.read_attr(base + "end"), reader.host_path(base + "end"));
        if (std::optional<std::string> offset = reader.read_attr_optional(base + "page_offset"))
            m.page_offset = parse_hex(*offset, reader.host_path(base + "page_offset"));
        device.mappings.push_back(m);
    }
    // Kernels before 5.10 have no mapping directories; the resource and size describe the
    // single range such a device can have.
    if (device.mappings.empty() && device.resource && device.size > 0)
        device.mappings.push_back({*device.resource, *device.resource + device.size - 1, 0});
    return device;
}

// "daxN.M" sorts by N, then M.
bool dax_name_less(const std::string& a, const std::string& b) {
    auto key = [](const std::string& name) {
        size_t dot = name.find('.');
        long region = dot == std::string::npos ? -1 : trailing_number(name.substr(0, dot));
        return std::make_pair(region, trailing_number(name));
    };
    return key(a) < key(b);
}

std::vector<HmemDevice> read_hmem_devices(const RootReader& reader, const IomemTree& iomem) {
    std::vector<HmemDevice> devices;
    for (const std::string& name : reader.list_optional(kPlatformDevices)) {
        if (!is_numbered(name, "hmem."))
            continue;
        HmemDevice device;
        device.name = name;
        device.path = reader.canonical(kPlatformDevices + name);
        device.id = static_cast<int>(trailing_number(name));
        device.driver = reader.link_name(device.path + "/driver").value_or("");
        device.has_dax_region = reader.is_dir(device.path + "/dax_region");
        // The platform device's own resource is listed under its name when the kernel
        // inserts it; otherwise the dax region fills the range in below.
        std::vector<const IomemNode*> nodes = iomem.find(name);
        if (!nodes.empty()) {
            device.start = nodes.front()->start;
            device.size = nodes.front()->size();
        }
        devices.push_back(std::move(device));
    }
    std::sort(devices.begin(), devices.end(),
              [](const HmemDevice& a, const HmemDevice& b) { return a.id < b.id; });
    return devices;
}

// An hmem device the iomem listing does not name spans its dax region, which starts where its
// lowest mapping does.
void fill_hmem_ranges_from_dax(Snapshot& snapshot) {
    for (HmemDevice& hmem : snapshot.hmem) {
        if (hmem.start)
            continue;
        for (const DaxRegion& region : snapshot.dax_regions) {
            if (region.parent_kind != DaxParentKind::Hmem || region.parent != hmem.name)
                continue;
            for (const std::string& name : region.devices) {
                const DaxDevice* device = snapshot.dax_device(name);
                for (const DaxMapping& m : device->mappings)
                    if (!hmem.start || m.start < *hmem.start)
                        hmem.start = m.start;
            }
            if (hmem.start)
                hmem.size = region.size;
        }
    }
}

}  // namespace

void read_dax(const RootReader& reader, Snapshot& snapshot) {
    snapshot.hmem = read_hmem_devices(reader, snapshot.iomem);

    // Dax regions are found from their devices, and also where a region exists with no device
    // at all: that is how the kernel's silent dax_region conflicts look.
    std::map<std::string, std::vector<std::string>> region_devices;
    for (const HmemDevice& hmem : snapshot.hmem)
        if (hmem.has_dax_region)
            region_devices[hmem.path];
    for (const CxlRegion& region : snapshot.regions) {
        std::string dir = region.path + "/" + region.dax_region;
        if (!region.dax_region.empty() && reader.is_dir(dir + "/dax_region"))
            region_devices[dir];
    }

    for (const std::string& name : reader.list_optional(kDaxDevices)) {
        std::string path = reader.canonical(kDaxDevices + name);
        region_devices[std::string(dir_name(path))].push_back(name);
        snapshot.dax_devices.push_back(read_dax_device(reader, name, path));
    }
    std::sort(snapshot.dax_devices.begin(), snapshot.dax_devices.end(),
              [](const DaxDevice& a, const DaxDevice& b) { return dax_name_less(a.name, b.name); });

    for (auto& [dir, devices] : region_devices) {
        if (!reader.is_dir(dir + "/dax_region"))
            continue;
        DaxRegion region = read_dax_region(reader, dir);
        std::sort(devices.begin(), devices.end(), dax_name_less);
        region.devices = devices;
        snapshot.dax_regions.push_back(std::move(region));
    }
    std::sort(snapshot.dax_regions.begin(), snapshot.dax_regions.end(),
              [](const DaxRegion& a, const DaxRegion& b) { return a.id < b.id; });

    for (DaxDevice& device : snapshot.dax_devices) {
        std::string dir(dir_name(device.path));
        for (const DaxRegion& region : snapshot.dax_regions) {
            if (region.path != dir)
                continue;
            device.parent_kind = region.parent_kind;
            device.parent = region.parent;
            device.region_id = region.id;
        }
    }
    fill_hmem_ranges_from_dax(snapshot);
    read_dc_tags(reader, snapshot);
}

}  // namespace srmd
