#include "read/snapshot.hpp"

#include <algorithm>

#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"

namespace srmd {

bool is_numbered(std::string_view name, std::string_view prefix) {
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix)
        return false;
    return std::all_of(name.begin() + prefix.size(), name.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> read_modules(const RootReader& reader) {
    std::vector<std::string> modules;
    std::optional<std::string> text = reader.read_attr_optional("/proc/modules");
    if (!text)
        return modules;
    std::string_view rest = *text;
    while (!rest.empty()) {
        size_t eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol);
        size_t space = line.find(' ');
        if (!line.empty())
            modules.emplace_back(line.substr(0, space));
        if (eol == std::string_view::npos)
            break;
        rest.remove_prefix(eol + 1);
    }
    std::sort(modules.begin(), modules.end());
    return modules;
}

namespace {

template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
    for (const T& item : items)
        if (item.name == name)
            return &item;
    return nullptr;
}

// /sys/firmware/memmap is the firmware's memory map as the kernel received it: on 7.0 and later
// it is the only place a Soft Reserved range that nobody claimed still shows.
std::vector<FirmwareRange> read_firmware_soft_reserved(const RootReader& reader) {
    std::vector<FirmwareRange> ranges;
    const std::string base = "/sys/firmware/memmap/";
    for (const std::string& entry : reader.list_optional(base)) {
        std::string dir = base + entry;
        std::optional<std::string> type = reader.read_attr_optional(dir + "/type");
        if (!type || *type != "Soft Reserved")
            continue;
        FirmwareRange range;
        range.type = *type;
        range.start = parse_hex(reader.read_attr(dir + "/start"), reader.host_path(dir + "/start"));
        range.end = parse_hex(reader.read_attr(dir + "/end"), reader.host_path(dir + "/end"));
        ranges.push_back(range);
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const FirmwareRange& a, const FirmwareRange& b) { return a.start < b.start; });
    return ranges;
}

}  // namespace

const CxlWindow* Snapshot::window(std::string_view name) const {
    return find_named(windows, name);
}
const CxlRegion* Snapshot::region(std::string_view name) const {
    return find_named(regions, name);
}
const HmemDevice* Snapshot::hmem_device(std::string_view name) const {
    return find_named(hmem, name);
}
const DaxDevice* Snapshot::dax_device(std::string_view name) const {
    return find_named(dax_devices, name);
}
const CxlMemdev* Snapshot::memdev(std::string_view name) const {
    return find_named(memdevs, name);
}

const CxlEndpointDecoder* Snapshot::endpoint_decoder(std::string_view name) const {
    return find_named(endpoint_decoders, name);
}

Snapshot read_snapshot(const RootReader& reader) {
    Snapshot snapshot;
    snapshot.root = reader.root().empty() ? "/" : reader.root();
    snapshot.kernel_release = reader.read_attr_optional("/proc/sys/kernel/osrelease").value_or("");
    snapshot.cmdline = reader.read_attr_optional("/proc/cmdline").value_or("");
    snapshot.modules = read_modules(reader);
    snapshot.iomem = parse_iomem(reader.read("/proc/iomem"), reader.host_path("/proc/iomem"));
    snapshot.firmware_soft_reserved = read_firmware_soft_reserved(reader);

    // Order matters: dax parentage needs the CXL regions, block ownership needs the dax devices.
    read_cxl(reader, snapshot);
    read_dax(reader, snapshot);
    read_nodes(reader, snapshot);
    read_memory(reader, snapshot);

    KernelLogRead log = read_kernel_log(reader);
    append_kernel_log(snapshot.kernel_log, std::move(log.lines));
    snapshot.kernel_log_next_seq = log.next_seq;
    return snapshot;
}

}  // namespace srmd
