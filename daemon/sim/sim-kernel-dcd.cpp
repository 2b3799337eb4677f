// The simulated kernel's Dynamic Capacity rules (EXPERIMENTAL; the ABI of the posted series,
// read/dcd-abi.hpp), as drivers/dax/bus.c of v11 has them:
//   - daxX.Y/uuid, written on a device of a DC region: the tag claims every unclaimed extent with
//     that tag at once, "0" (or the null UUID) exactly one untagged extent; ENOENT when none
//     matches, EBUSY on a bound device or one that already holds capacity, EOPNOTSUPP on any
//     other region. The device gets the extents as mappingN (in extent order), its size their
//     sum, its uuid the tag; available_size drops; a new 0-size seed appears ("add dax");
//   - daxX.Y/size on a DC device: EBUSY while bound, EOPNOTSUPP for anything but 0; 0 gives the
//     extents back (mappings gone, available_size grows), with no event;
//   - dax_region/delete: ENXIO for a device not in the region, EBUSY for one bound or holding
//     capacity, and for device id 0 (the kernel keeps it while the region lives); otherwise the
//     device goes ("remove dax").
#include <cerrno>

#include "read/dcd-abi.hpp"
#include "read/sysfs-values.hpp"
#include "sim/sim-dcd-internal.hpp"
#include "sim/sim-kernel-rules-internal.hpp"
#include "sim/sim-kernel-rules.hpp"
#include "util/format.hpp"

namespace srmd {

using sim_rules::base_name_of;
using sim_rules::dir_name_of;
using sim_rules::fail;

namespace {

const std::string kDaxDevices = "/sys/bus/dax/devices/";

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lowercase, as normal_tag leaves it).
bool is_uuid(const std::string& text) {
    if (text.size() != 36)
        return false;
    for (size_t i = 0; i < text.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = text[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

const DaxDevice* device_named(const Snapshot& snapshot, const std::string& name) {
    for (const DaxDevice& device : snapshot.dax_devices)
        if (device.name == name)
            return &device;
    return nullptr;
}

}  // namespace

void SimulatedKernel::Session::run_dcd(const Step& step, std::string& target_path) {
    Dax dax = need_dax(step.target);
    target_path = "/" + dax.dir;
    if (step.action == Action::ClaimDcCapacity) {
        std::string value = step.dc_tag && !step.dc_tag->empty()
                                ? *step.dc_tag
                                : std::string(dcd_abi::kClaimUntagged);
        kernel_write(kDaxDevices + step.target + "/" + std::string(dcd_abi::kDaxTag), value);
        return;
    }
    // DestroyDax, as the kernel actuator makes it: never a bound device.
    if (!dax.driver.empty())
        fail(EBUSY, target_path + "/driver",
             "refusing to destroy " + step.target + ": it is bound to a driver");
    kernel_write(kDaxDevices + step.target + "/size", "0");
    if (!dcd_abi::kept_by_region(step.target))
        kernel_write(kDaxDevices + step.target + "/../dax_region/delete", step.target);
}

bool SimulatedKernel::Session::apply_dcd(const std::string& path, const std::string& value) {
    std::string file = base_name_of(path);
    if (file == "delete" && base_name_of(dir_name_of(path)) == "dax_region") {
        // "/sys/bus/dax/devices/daxX.Y/../dax_region/delete", as the actuator writes it, or the
        // dax region's own path.
        std::string region_dir = dir_name_of(dir_name_of(path));
        bool up = base_name_of(region_dir) == "..";
        if (up)
            region_dir = dir_name_of(region_dir);
        if (!reader_.exists(region_dir))
            fail(ENOENT, path, "no such file");
        region_dir = reader_.canonical(region_dir);
        if (up)
            region_dir = dir_name_of(region_dir);
        Snapshot s = snapshot();
        for (const CxlRegion& region : s.regions)
            if (region.dynamic && !region.dax_region.empty() &&
                region.path + "/" + region.dax_region == region_dir) {
                dc_delete(region, value, path);
                return true;
            }
        return false;
    }
    if (file != dcd_abi::kDaxTag && file != "size")
        return false;
    std::string device_name = base_name_of(dir_name_of(path));
    std::optional<Dax> dax = find_dax(device_name);
    if (!dax || "/" + dax->dir != reader_.canonical(dir_name_of(path)))
        return false;
    Snapshot s = snapshot();
    const DaxDevice* device = device_named(s, device_name);
    const CxlRegion* region = device ? sim_dcd::region_of(s, *device) : nullptr;
    if (!region) {
        if (file == "size")
            return false;  // a static region's resize: not modelled
        fail(EOPNOTSUPP, path, "uuid is written only on devices of Dynamic Capacity regions");
    }
    if (file == "size")
        dc_resize(*region, *dax, value, path);
    else
        dc_claim(s, *region, *dax, value, path);
    return true;
}

void SimulatedKernel::Session::dc_claim(const Snapshot& s, const CxlRegion& region, const Dax& dax,
                                        const std::string& value, const std::string& path) {
    if (!dax.driver.empty())
        fail(EBUSY, path, dax.name + " is bound to " + dax.driver);
    if (!dax.mappings.empty())
        fail(EBUSY, path, dax.name + " already holds capacity");
    std::string tag = dcd_abi::normal_tag(value);
    if (!tag.empty() && !is_uuid(tag))
        fail(EINVAL, path, quote_value(value) + " is not a UUID");

    std::vector<const DcExtent*> extents;
    for (const DcExtent& extent : region.extents) {
        if (extent.tag != tag || sim_dcd::claimed(s, region, extent))
            continue;
        extents.push_back(&extent);
        if (tag.empty())
            break;  // "0" claims exactly one untagged extent
    }
    if (extents.empty())
        fail(ENOENT, path,
             "no unclaimed extent " +
                 (tag.empty() ? std::string("without a tag") : "tagged " + tag) + " in " +
                 region.name);

    std::uint64_t total = 0;
    for (const DcExtent* extent : extents)
        total += extent->length;
    std::uint64_t start = *region.start;
    tree_.change_dir(dax.dir, [&] {
        std::uint64_t pages = 0;
        for (size_t i = 0; i < extents.size(); ++i) {
            std::string m = dax.dir + "/mapping" + std::to_string(i);
            std::uint64_t from = start + extents[i]->offset;
            tree_.attr(m + "/start", hex(from));
            tree_.attr(m + "/end", hex(from + extents[i]->length - 1));
            tree_.attr(m + "/page_offset", hex(pages));
            tree_.write_only(m + "/uevent");
            pages += extents[i]->length / 4096;
        }
        tree_.attr(dax.dir + "/size", std::to_string(total));
        tree_.attr(dax.dir + "/resource", hex(start + extents.front()->offset));
        tree_.attr(dax.dir + "/" + std::string(dcd_abi::kDaxTag),
                   tag.empty() ? std::string(dcd_abi::kNullTag) : tag);
    });
    sim_dcd::change_available(tree_, region, 0, total);
    dc_new_seed(region, dax);
}

void SimulatedKernel::Session::dc_new_seed(const CxlRegion& region, const Dax& claimed) {
    std::string dir = sim_dcd::dax_region_dir(region);
    std::string prefix = "dax" + region.name.substr(std::string("region").size()) + ".";
    long id = 0;
    while (tree_.exists(dir + "/" + prefix + std::to_string(id)))
        ++id;
    const std::string name = prefix + std::to_string(id);
    const std::string d = dir + "/" + name;
    const std::string dev = next_dax_dev();
    tree_.build_dir(d, [&] {
        tree_.attr(d + "/align", "2097152");
        tree_.attr(d + "/dev", dev);
        if (std::optional<std::string> memmap = tree_.read_attr(claimed.dir + "/memmap_on_memory"))
            tree_.attr(d + "/memmap_on_memory", *memmap);
        tree_.attr(d + "/modalias", "dax:t0");
        tree_.attr(d + "/numa_node",
                   tree_.read_attr(claimed.dir + "/numa_node").value_or(std::to_string(-1)));
        tree_.attr(d + "/resource", hex(*region.start));
        tree_.attr(d + "/size", "0");
        tree_.attr(d + "/target_node", std::to_string(claimed.target_node));
        tree_.attr(d + "/" + std::string(dcd_abi::kDaxTag), std::string(dcd_abi::kNullTag));
        tree_.file(d + "/uevent", "MAJOR=" + dev.substr(0, dev.find(':')) +
                                      "\nMINOR=" + dev.substr(dev.find(':') + 1) +
                                      "\nDEVNAME=" + name + "\nMODALIAS=dax:t0\n");
        tree_.link(d + "/subsystem", "sys/bus/dax");
    });
    tree_.link("sys/bus/dax/devices/" + name, d);
    tree_.link("sys/dev/char/" + dev, d);
    announce("add", "dax", d);
}

void SimulatedKernel::Session::dc_resize(const CxlRegion& region, const Dax& dax,
                                         const std::string& value, const std::string& path) {
    if (!dax.driver.empty())
        fail(EBUSY, path, dax.name + " is bound to " + dax.driver);
    std::uint64_t size = 0;
    try {
        size = parse_number(trim(value), path);
    } catch (const std::exception&) {
        fail(EINVAL, path, quote_value(value) + " is not a size");
    }
    if (size != 0)
        fail(EOPNOTSUPP, path,
             "a Dynamic Capacity device's size changes only by a claim, or back to 0");
    if (dax.mappings.empty())
        return;
    std::uint64_t total = 0;
    for (const auto& [start, end] : dax.mappings)
        total += end - start + 1;
    tree_.change_dir(dax.dir, [&] {
        for (size_t i = 0; i < dax.mappings.size(); ++i)
            tree_.remove(dax.dir + "/mapping" + std::to_string(i));
        tree_.attr(dax.dir + "/size", "0");
        tree_.attr(dax.dir + "/resource", hex(*region.start));
        tree_.attr(dax.dir + "/" + std::string(dcd_abi::kDaxTag), std::string(dcd_abi::kNullTag));
    });
    sim_dcd::change_available(tree_, region, total, 0);
}

void SimulatedKernel::Session::dc_delete(const CxlRegion& region, const std::string& value,
                                         const std::string& path) {
    std::string name = trim(value);
    std::optional<Dax> dax = find_dax(name);
    if (!dax || dir_name_of(dax->dir) != sim_dcd::dax_region_dir(region))
        fail(ENXIO, path, quote_value(value) + " is not a device of " + region.dax_region);
    if (!dax->driver.empty())
        fail(EBUSY, path, name + " is bound to " + dax->driver);
    if (!dax->mappings.empty())
        fail(EBUSY, path, name + " still holds capacity");
    if (name.substr(name.find('.') + 1) == "0")
        fail(EBUSY, path, "the kernel keeps " + name + " (device id 0) while its region lives");
    remove_dax_device(*dax, "delete");
}

}  // namespace srmd
