// The simulated kernel's CXL regions and hmem devices, and targets that vanish under a step.
#include <cerrno>
#include <sstream>

#include "read/sysfs-values.hpp"
#include "sim/sim-kernel-rules-internal.hpp"
#include "sim/sim-kernel-rules.hpp"

namespace srmd {

using sim_rules::base_name_of;
using sim_rules::dir_name_of;
using sim_rules::fail;
using sim_rules::hex;
using sim_rules::kState;

// --- CXL regions

void SimulatedKernel::Session::region_bind(const std::string& name, const std::string& path) {
    std::optional<Region> found = find_region(name);
    if (!found)
        fail(ENODEV, path, "no region " + name);
    const Region& region = *found;
    if (region.enabled)
        fail(EBUSY, path, name + " is already bound to cxl_region");
    if (!region.committed || !region.start)
        fail(ENXIO, path, name + " is not committed");
    bind_driver(tree_, region.dir, "cxl", "cxl_region");
    // The probe adds the region's children before it returns, so the region's own "bind" comes
    // after all of theirs.
    if (!region.mode.empty() && region.mode != "ram") {
        announce("bind", "cxl", region.dir, "cxl_region");
        return;  // pmem regions grow a pmem_region, which the simulator does not model
    }

    int id = static_cast<int>(trailing_number(name));
    const std::string dr = region.dir + "/dax_region" + std::to_string(id);
    tree_.build_dir(dr, [&] {
        tree_.attr(dr + "/devtype", "cxl_dax_region");
        tree_.attr(dr + "/modalias", "cxl:t8");
        tree_.file(dr + "/uevent", "DEVTYPE=cxl_dax_region\nMODALIAS=cxl:t8\n");
        tree_.link(dr + "/subsystem", "sys/bus/cxl");
    });
    tree_.link("sys/bus/cxl/devices/dax_region" + std::to_string(id), dr);
    announce("add", "cxl", dr);

    // alloc_dax_region() refuses a range another dax region (hmem) already registered: the
    // cxl_dax_region probe fails, leaves the child unbound with no device, and the kernel logs it
    // (dev_err since 7.2).
    std::uint64_t start = *region.start;
    std::uint64_t end = start + region.size - 1;
    Snapshot snap = snapshot();
    for (const HmemDevice& hmem : snap.hmem)
        if (hmem.has_dax_region && hmem.start && *hmem.start <= end &&
            start <= *hmem.start + hmem.size - 1) {
            const std::string dax_region = "dax_region" + std::to_string(id);
            kernel_says(3, "cxl_dax_region " + dax_region +
                               ": dax_region resource conflict for [mem " + hex(start) + "-" +
                               hex(end) + "]");
            kernel_says_probe_failed("cxl_dax_region", dax_region, ENOMEM);
            announce("bind", "cxl", region.dir, "cxl_region");
            return;
        }
    bind_driver(tree_, dr, "cxl", "cxl_dax_region");
    write_dax_region_attrs(tree_, dr, id, region.size, 0);
    create_dax_device(dr, id, start, region.size, -1, true);
    announce("bind", "cxl", dr, "cxl_dax_region");
    announce("bind", "cxl", region.dir, "cxl_region");
}

void SimulatedKernel::Session::region_unbind(const std::string& name, const std::string& path) {
    std::optional<Region> found = find_region(name);
    if (!found || !found->enabled)
        fail(ENODEV, path, name + " is not bound to cxl_region");
    const Region& region = *found;
    int id = static_cast<int>(trailing_number(name));
    const std::string dr = region.dir + "/dax_region" + std::to_string(id);
    remove_dax_devices_under(dr, "disable-region");
    bool had_dax_region = tree_.exists(dr);
    std::optional<std::string> driver = reader_.link_name("/" + dr + "/driver");
    if (driver)
        tree_.remove("sys/bus/cxl/drivers/" + *driver + "/dax_region" + std::to_string(id));
    tree_.remove_links_into("sys/bus", dr);  // links first, as device_del() removes them
    tree_.remove(dr);
    unbind_driver(tree_, region.dir, "cxl", "cxl_region");
    if (driver)
        announce("unbind", "cxl", dr);
    if (had_dax_region)
        announce("remove", "cxl", dr);
    announce("unbind", "cxl", region.dir);
}

void SimulatedKernel::Session::region_commit(const std::string& dir, const std::string& value,
                                             const std::string& path) {
    std::string name = base_name_of(dir);
    std::optional<Region> found = find_region(name);
    if (!found || found->dir != dir)
        fail(ENOENT, path, "no such region");
    if (value != "0")
        fail(EINVAL, path, "the simulator only resets regions (commit 0)");
    if (found->locked)
        fail(EPERM, path, name + " is locked: its decoders cannot be reset");
    if (found->enabled)
        fail(EBUSY, path, name + " is enabled: disable it before resetting it");
    tree_.attr(dir + "/commit", "0");
}

void SimulatedKernel::Session::region_delete(const std::string& decoder_dir,
                                             const std::string& name, const std::string& path) {
    std::optional<Region> found = find_region(name);
    if (!found || dir_name_of(found->dir) != decoder_dir)
        fail(ENODEV, path, "no region " + name + " under " + base_name_of(decoder_dir));
    if (found->locked)
        fail(EPERM, path, name + " is locked");
    if (found->enabled)
        fail(EBUSY, path, name + " is enabled");
    if (found->committed)
        fail(EBUSY, path, name + " is still committed");
    detach_region_decoders(*found);
    tree_.remove_links_into("sys/bus", found->dir);
    tree_.remove(found->dir);
    iomem_drop(name, false);
    announce("remove", "cxl", found->dir);
}

// --- hmem

void SimulatedKernel::Session::hmem_bind(const std::string& name, const std::string& path) {
    std::optional<Hmem> found = find_hmem(name);
    if (!found)
        fail(ENODEV, path, "no hmem device " + name);
    if (found->bound)
        fail(EBUSY, path, name + " is already bound to hmem");
    Snapshot snap = snapshot();
    std::optional<std::uint64_t> start;
    std::uint64_t size = 0;
    if (const HmemDevice* hmem = snap.hmem_device(name); hmem && hmem->start) {
        start = hmem->start;
        size = hmem->size;
    }
    for (const std::string& line : recorded("hmem")) {
        std::istringstream in(line);
        std::string who, s, z;
        if (in >> who >> s >> z && who == name) {
            start = parse_hex(s, kState + "hmem");
            size = parse_hex(z, kState + "hmem");
        }
    }
    if (!start || size == 0)
        fail(ENXIO, path, name + ": the simulator does not know the range of this device");
    std::uint64_t end = *start + size - 1;
    for (const CxlRegion& region : snap.regions)
        if (!region.dax_region.empty() && region.start && *region.start <= end &&
            *start <= *region.start + region.size - 1) {
            kernel_says(3, "hmem " + name + ": dax_region resource conflict for [mem " +
                               hex(*start) + "-" + hex(end) + "]");
            kernel_says_probe_failed("hmem", name, ENOMEM);
            fail(ENOMEM, path,
                 name + ": dax_region resource conflict with " + region.name + "'s " +
                     region.dax_region);
        }
    bind_driver(tree_, found->dir, "platform", "hmem");
    int id = static_cast<int>(trailing_number(name));
    write_dax_region_attrs(tree_, found->dir, id, size, 0);
    int node = -1;
    if (std::optional<std::string> numa = tree_.read_attr(found->dir + "/numa_node"))
        node = static_cast<int>(parse_signed(*numa, "/" + found->dir + "/numa_node"));
    create_dax_device(found->dir, id, *start, size, node, false);
    announce("bind", "platform", found->dir, "hmem");
}

void SimulatedKernel::Session::hmem_unbind(const std::string& name, const std::string& path) {
    std::optional<Hmem> found = find_hmem(name);
    if (!found || !found->bound)
        fail(ENODEV, path, name + " is not bound to hmem");
    Snapshot snap = snapshot();
    if (const HmemDevice* hmem = snap.hmem_device(name); hmem && hmem->start)
        record("hmem", name + " " + hex(*hmem->start) + " " + hex(hmem->size));
    remove_dax_devices_under(found->dir, "release-hmem");
    tree_.remove(found->dir + "/dax_region");
    unbind_driver(tree_, found->dir, "platform", "hmem");
    announce("unbind", "platform", found->dir);
}

// --- the target vanishes

void SimulatedKernel::Session::vanish(const Step& step) {
    // Whatever removes the device, the kernel announces it as it would any removal.
    switch (step.action) {
        case Action::OfflineMemory:
        case Action::OnlineMemory:
        case Action::ReconfigureDax:
        case Action::DisableDax:
        case Action::EnableDax:
        case Action::ClaimDcCapacity:
        case Action::DestroyDax:
            if (std::optional<Dax> dax = find_dax(step.target))
                remove_dax_device(*dax, "vanish");
            break;
        case Action::DisableRegion:
        case Action::EnableRegion:
        case Action::DestroyRegion:
            if (std::optional<Region> region = find_region(step.target)) {
                int id = static_cast<int>(trailing_number(step.target));
                const std::string dr = region->dir + "/dax_region" + std::to_string(id);
                remove_dax_devices_under(dr, "vanish");
                bool had_dax_region = tree_.exists(dr);
                bool dax_region_bound = reader_.read_link("/" + dr + "/driver").has_value();
                tree_.remove_links_into("sys/bus", region->dir);
                tree_.remove(region->dir);
                iomem_drop(step.target, false);
                if (dax_region_bound)
                    announce("unbind", "cxl", dr);
                if (had_dax_region)
                    announce("remove", "cxl", dr);
                if (region->enabled)
                    announce("unbind", "cxl", region->dir);
                announce("remove", "cxl", region->dir);
            }
            break;
        case Action::CreateRegion:
            // The window goes (cxl_acpi unloaded): its root decoder and the bus link to it.
            if (reader_.exists("/sys/bus/cxl/devices/" + step.target)) {
                std::string dir =
                    tree_relative(reader_.canonical("/sys/bus/cxl/devices/" + step.target));
                tree_.remove_links_into("sys/bus", dir);
                tree_.remove(dir);
                announce("remove", "cxl", dir);
            }
            break;
        case Action::ReleaseHmem:
        case Action::ClaimHmem:
            if (std::optional<Hmem> hmem = find_hmem(step.target)) {
                remove_dax_devices_under(hmem->dir, "vanish");
                tree_.remove_links_into("sys/bus", hmem->dir);
                tree_.remove(hmem->dir);
                if (hmem->bound)
                    announce("unbind", "platform", hmem->dir);
                announce("remove", "platform", hmem->dir);
            }
            break;
    }
    flush_events();
}

}  // namespace srmd
