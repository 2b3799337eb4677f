// The pieces of Dynamic Capacity the simulated kernel and the simulated device share
// (sim-dcd-internal.hpp). EXPERIMENTAL.
#include <cinttypes>
#include <cstdio>

#include "read/dcd-abi.hpp"
#include "read/sysfs-values.hpp"
#include "sim/sim-dcd-internal.hpp"

namespace srmd::sim_dcd {

const CxlRegion* region_of(const Snapshot& snapshot, const DaxDevice& device) {
    if (device.parent_kind != DaxParentKind::Cxl)
        return nullptr;
    const CxlRegion* region = snapshot.region(device.parent);
    return region && region->dynamic && region->start ? region : nullptr;
}

bool claimed(const Snapshot& snapshot, const CxlRegion& region, const DcExtent& extent) {
    if (!region.start)
        return false;
    std::uint64_t start = *region.start + extent.offset;
    for (const DaxDevice& device : snapshot.dax_devices) {
        if (device.parent_kind != DaxParentKind::Cxl || device.parent != region.name)
            continue;
        for (const DaxMapping& mapping : device.mappings)
            if (mapping.start == start)
                return true;
    }
    return false;
}

std::string dax_region_dir(const CxlRegion& region) {
    return tree_relative(region.path + "/" + region.dax_region);
}

void change_available(TreeEditor& tree, const CxlRegion& region, std::uint64_t grow,
                      std::uint64_t shrink) {
    const std::string attr = dax_region_dir(region) + "/dax_region/available_size";
    std::uint64_t available = parse_number(tree.read_attr(attr).value_or("0"), tree.host(attr));
    available += grow;
    available = available > shrink ? available - shrink : 0;
    tree.attr(attr, std::to_string(available));
}

std::string alt_hex(std::uint64_t value) {
    char text[32];
    std::snprintf(text, sizeof text, "%#" PRIx64, value);
    return text;
}

std::string trace_pipe_rel() {
    return tree_relative(std::string(dcd_abi::kTraceInstance) + "/" +
                         std::string(dcd_abi::kTracePipe));
}

std::string trace_line(const std::string& type, const std::string& memdev, std::uint64_t dpa,
                       std::uint64_t length, const std::string& tag) {
    char numbers[80];
    std::snprintf(numbers, sizeof numbers, "starting_dpa=%" PRIx64 " length=%" PRIx64, dpa, length);
    return "     kworker/0:1-42      [000] .....     0.000000: " +
           std::string(dcd_abi::kTraceEventName) + ": memdev=" + memdev +
           " host=0000:0d:00.0 serial=0 log=Informational : time=0 : event_type='" + type +
           "' host_id='0' updated_region_index='255' " + numbers +
           " tag=" + (tag.empty() ? std::string(dcd_abi::kNullTag) : tag) +
           " shared_extent_sequence=0\n";
}

}  // namespace srmd::sim_dcd
