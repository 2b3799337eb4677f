// The simulated kernel's memory blocks and dax devices: onlining and offlining blocks, binding and
// unbinding kmem and device_dax, and devices made and removed with their regions.
#include <cerrno>
#include <sstream>

#include "read/sysfs-values.hpp"
#include "sim/sim-kernel-rules-internal.hpp"
#include "sim/sim-kernel-rules.hpp"
#include "util/format.hpp"

namespace srmd {

using sim_rules::fail;

namespace {

constexpr std::uint64_t kFourGiB = 4ULL << 30;

// The kernel zone a hot-added block at this address falls in: ZONE_DMA32 spans the first 4 GiB on
// x86-64, ZONE_NORMAL the rest.
std::string kernel_zone(std::uint64_t start) {
    return start < kFourGiB ? "DMA32" : "Normal";
}

std::string first_word(const std::string& text) {
    return text.substr(0, text.find(' '));
}

bool has_word(const std::string& text, const std::string& word) {
    std::istringstream in(text);
    std::string w;
    while (in >> w)
        if (w == word)
            return true;
    return false;
}

}  // namespace

// --- memory blocks

std::uint64_t SimulatedKernel::Session::block_size() const {
    const std::string path = "/sys/devices/system/memory/block_size_bytes";
    std::uint64_t size = parse_hex(reader_.read_attr(path), reader_.host_path(path));
    if (size == 0)
        fail(EINVAL, path, "block size is zero");
    return size;
}

std::vector<std::uint64_t> SimulatedKernel::Session::whole_blocks(const Dax& dax) const {
    std::uint64_t size = block_size();
    std::vector<std::uint64_t> ids;
    for (const auto& [start, end] : dax.mappings)
        for (std::uint64_t id = (start + size - 1) / size; (id + 1) * size - 1 <= end; ++id)
            ids.push_back(id);
    return ids;
}

std::vector<std::uint64_t> SimulatedKernel::Session::present_blocks(const Dax& dax) const {
    std::vector<std::uint64_t> ids;
    for (std::uint64_t id : whole_blocks(dax))
        if (tree_.exists(memory_block_dir(id)))
            ids.push_back(id);
    return ids;
}

bool SimulatedKernel::Session::any_online(const Dax& dax) const {
    for (std::uint64_t id : present_blocks(dax))
        if (tree_.read_attr(memory_block_dir(id) + "/state").value_or("") == "online")
            return true;
    return false;
}

void SimulatedKernel::Session::block_state(std::uint64_t id, const std::string& value) {
    const std::string dir = memory_block_dir(id);
    const std::string path = "/" + dir + "/state";
    if (!tree_.exists(dir))
        fail(ENOENT, path, "no such memory block");
    const std::string state = tree_.read_attr(dir + "/state").value_or("");
    const std::string zones = tree_.read_attr(dir + "/valid_zones").value_or("");
    const std::string kzone = kernel_zone(id * block_size());
    if (value == "offline") {
        if (state != "online")
            fail(EINVAL, path, "memory" + std::to_string(id) + " is already offline");
        if (zones != "Movable")
            fail(EBUSY, path,
                 "memory" + std::to_string(id) + " is in zone " + zones +
                     ": unmovable allocations keep it from going offline");
        set_memory_block_state(tree_, id, "offline", kzone + " Movable");
        announce("offline", "memory", dir);
        return;
    }
    std::string zone;
    if (value == "online")
        zone = first_word(zones);
    else if (value == "online_kernel")
        zone = kzone;
    else if (value == "online_movable")
        zone = "Movable";
    else
        fail(EINVAL, path, quote_value(value) + " is not a memory block state");
    // state_store: device_online() on an online block returns 1, which becomes -EINVAL.
    if (state == "online")
        fail(EINVAL, path, "memory" + std::to_string(id) + " is already online");
    if (!has_word(zones, zone))
        fail(EINVAL, path,
             "memory" + std::to_string(id) + " cannot go to zone " + zone + " (valid: " + zones +
                 ")");
    set_memory_block_state(tree_, id, "online", zone);
    announce("online", "memory", dir);
}

// --- dax devices

// The kernel's rules (drivers/dax/bus.c memmap_on_memory_store, 6.8+): kstrtobool's words; "on"
// only while memory hotplug's memmap_on_memory parameter is on (EOPNOTSUPP); no change while kmem
// holds the device (EBUSY); writing the value it has always succeeds. A tree without the parameter
// file does not say it is off.
void SimulatedKernel::Session::dax_memmap_on_memory(const std::string& name,
                                                    const std::string& value,
                                                    const std::string& path) {
    std::optional<Dax> found = find_dax(name);
    if (!found)
        fail(ENOENT, path, "no dax device " + name);
    const std::string attr = found->dir + "/memmap_on_memory";
    std::optional<std::string> now = tree_.read_attr(attr);
    if (!now)
        fail(ENOENT, path, "this kernel has no memmap_on_memory attribute (before 6.8)");
    std::string word = trim(value);
    std::optional<bool> wanted;
    if (word == "1" || word == "y" || word == "Y" || word == "on" || word == "true")
        wanted = true;
    else if (word == "0" || word == "n" || word == "N" || word == "off" || word == "false")
        wanted = false;
    if (!wanted)
        fail(EINVAL, path, quote_value(value) + " is not a boolean");
    std::string param =
        tree_.read_attr("sys/module/memory_hotplug/parameters/memmap_on_memory").value_or("");
    if (*wanted && (param == "N" || param == "n" || param == "0"))
        fail(EOPNOTSUPP, path,
             "memmap_on_memory is not available (memory_hotplug.memmap_on_memory=" + param + ")");
    bool current = trim(*now) == "1";
    if (current != *wanted && found->driver == "kmem")
        fail(EBUSY, path, name + " is bound to kmem: memmap_on_memory cannot change now");
    tree_.attr(attr, *wanted ? "1" : "0");
}

void SimulatedKernel::Session::dax_bind(const std::string& name, const std::string& driver,
                                        const std::string& bind_path) {
    std::optional<Dax> found = find_dax(name);
    if (!found)
        fail(ENODEV, bind_path, "no dax device " + name);
    Dax dax = *found;
    if (!dax.driver.empty())
        fail(EBUSY, bind_path, name + " is already bound to " + dax.driver);
    if (driver == "device_dax") {
        for (const auto& [start, end] : dax.mappings)
            iomem_add(start, end, name);
        bind_driver(tree_, dax.dir, "dax", "device_dax");
        announce("bind", "dax", dax.dir, "device_dax");
        return;
    }
    // kmem (drivers/dax/kmem.c dev_dax_kmem_probe)
    if (dax.target_node < 0)
        fail(EINVAL, bind_path, name + ": rejecting DAX region with invalid node");
    std::vector<std::uint64_t> ids = whole_blocks(dax);
    if (ids.empty())
        fail(EINVAL, bind_path, name + ": rejecting DAX region without any memory after alignment");
    std::uint64_t size = block_size();
    for (const auto& [start, end] : dax.mappings)
        if (leaked(start, end)) {
            kernel_says(4, "kmem " + name + ": could not reserve region [" + hex(start) + "-" +
                               hex(end) + "]");
            kernel_says_probe_failed("kmem", name, EBUSY);
            fail(EBUSY, bind_path,
                 name + ": could not reserve region " + hex(start) + "-" + hex(end) +
                     ": leaked by an earlier kmem unbind");
        }
    std::string policy =
        tree_.read_attr("sys/devices/system/memory/auto_online_blocks").value_or("offline");
    const std::string node_dir = "sys/devices/system/node/node" + std::to_string(dax.target_node);
    if (!tree_.exists(node_dir))
        tree_.dir(node_dir);
    for (std::uint64_t id : ids) {
        std::string kzone = kernel_zone(id * size);
        if (policy == "online_movable")
            write_memory_block(tree_, id, dax.target_node, "online", "Movable");
        else if (policy == "online" || policy == "online_kernel")
            write_memory_block(tree_, id, dax.target_node, "online", kzone);
        else
            write_memory_block(tree_, id, dax.target_node, "offline", kzone + " Movable");
    }
    // add_memory_resource(): every block device is registered ("add") before the kernel onlines
    // any of them ("online"), and kmem's probe returns ("bind") after both.
    for (std::uint64_t id : ids)
        announce("add", "memory", memory_block_dir(id));
    if (policy != "offline")
        for (std::uint64_t id : ids)
            announce("online", "memory", memory_block_dir(id));
    for (const auto& [start, end] : dax.mappings) {
        std::uint64_t first = (start + size - 1) / size * size;
        std::uint64_t last = (end + 1) / size * size;
        if (last > first) {
            iomem_add(first, last - 1, name);
            iomem_add(first, last - 1, "System RAM (kmem)");
        }
    }
    bind_driver(tree_, dax.dir, "dax", "kmem");
    announce("bind", "dax", dax.dir, "kmem");
}

void SimulatedKernel::Session::dax_unbind(const std::string& name, const std::string& driver,
                                          const std::string& unbind_path) {
    std::optional<Dax> found = find_dax(name);
    if (!found || found->driver != driver)
        fail(ENODEV, unbind_path, name + " is not bound to " + driver);
    const Dax& dax = *found;
    if (driver == "kmem" && any_online(dax)) {
        // dev_dax_kmem_remove: "cannot be hotremoved until the next reboot". The memory stays
        // online and its resources stay reserved; the driver goes anyway.
        for (const auto& [start, end] : dax.mappings)
            record("leaked", hex(start) + "-" + hex(end) + " " + name + " unbind");
        unbind_driver(tree_, dax.dir, "dax", driver);
        announce("unbind", "dax", dax.dir);
        return;
    }
    // remove_memory() unregisters the (offline) blocks: a "remove" each, no "offline".
    for (std::uint64_t id : present_blocks(dax)) {
        remove_memory_block(tree_, id);
        announce("remove", "memory", memory_block_dir(id));
    }
    for (std::size_t i = 0; i < dax.mappings.size(); ++i)
        iomem_drop(name, true);
    unbind_driver(tree_, dax.dir, "dax", driver);
    announce("unbind", "dax", dax.dir);
}

void SimulatedKernel::Session::default_kmem_bind(const std::string& name) {
    try {
        dax_bind(name, "kmem", "/sys/bus/dax/drivers/kmem/bind");
    } catch (const TreeError&) {
        // A failed probe leaves the device unbound; the kernel only logs it.
    }
}

void SimulatedKernel::Session::remove_dax_device(const Dax& dax, const std::string& cause) {
    bool leaking = dax.driver == "kmem" && any_online(dax);
    if (leaking) {
        for (const auto& [start, end] : dax.mappings)
            record("leaked", hex(start) + "-" + hex(end) + " " + dax.name + " " + cause);
    } else {
        for (std::uint64_t id : present_blocks(dax)) {
            remove_memory_block(tree_, id);
            announce("remove", "memory", memory_block_dir(id));
        }
        if (!dax.driver.empty())
            for (std::size_t i = 0; i < dax.mappings.size(); ++i)
                iomem_drop(dax.name, true);
    }
    if (!dax.mappings.empty()) {
        std::optional<std::string> memmap = tree_.read_attr(dax.dir + "/memmap_on_memory");
        std::optional<std::string> numa = tree_.read_attr(dax.dir + "/numa_node");
        record("device", hex(dax.mappings.front().first) + " " + std::to_string(dax.target_node) +
                             " " + memmap.value_or("-") + " " +
                             numa.value_or(std::to_string(dax.target_node)));
    }
    if (!dax.driver.empty())
        tree_.remove("sys/bus/dax/drivers/" + dax.driver + "/" + dax.name);
    // device_del(): the bus and class links go before the directory, so that no link is ever
    // left leading to nothing, not even by a simulator killed in between.
    tree_.remove_links_into("sys/bus", dax.dir);
    tree_.remove_links_into("sys/dev", dax.dir);
    tree_.remove(dax.dir);
    // device_del(): the driver is released ("unbind") before the device goes ("remove").
    if (!dax.driver.empty())
        announce("unbind", "dax", dax.dir);
    announce("remove", "dax", dax.dir);
}

void SimulatedKernel::Session::remove_dax_devices_under(const std::string& dir,
                                                        const std::string& cause) {
    for (const std::string& entry : reader_.list_optional("/" + dir)) {
        if (entry.rfind("dax", 0) != 0 || entry.find('.') == std::string::npos)
            continue;
        if (std::optional<Dax> dax = find_dax(entry))
            remove_dax_device(*dax, cause);
    }
}

void SimulatedKernel::Session::create_dax_device(const std::string& region_dir, int region_id,
                                                 std::uint64_t start, std::uint64_t size,
                                                 int target_node, bool cxl) {
    DaxDeviceLayout layout;
    layout.name = "dax" + std::to_string(region_id) + ".0";
    layout.start = start;
    layout.size = size;
    std::optional<Remembered> was = remembered(start);
    layout.target_node = was ? was->node : target_node;
    layout.numa_node = was ? was->numa_node : layout.target_node;
    layout.dev = next_dax_dev();
    // memmap_on_memory (6.8+): as the device had it, else the kernel's default for its kind
    // (CXL on, hmem off) when this kernel has the attribute at all.
    if (was && was->memmap_on_memory) {
        layout.memmap_on_memory = *was->memmap_on_memory;
    } else {
        for (const std::string& other : reader_.list_optional("/sys/bus/dax/devices"))
            if (reader_.exists("/sys/bus/dax/devices/" + other + "/memmap_on_memory"))
                layout.memmap_on_memory = cxl;
    }
    write_dax_device(tree_, region_dir, layout);
    announce("add", "dax", region_dir + "/" + layout.name);
    // The kernel binds new volatile dax devices to kmem by default (IORESOURCE_DAX_KMEM).
    default_kmem_bind(layout.name);
}

}  // namespace srmd
