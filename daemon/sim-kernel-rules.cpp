#include "sim-kernel-rules.hpp"

#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "error.hpp"
#include "sysfs-values.hpp"

namespace srmd {

namespace {

constexpr std::uint64_t kFourGiB = 4ULL << 30;
const std::string kState = ".sim-kernel/";

std::string hex(std::uint64_t value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
    return buf;
}

[[noreturn]] void fail(int error, const std::string& path, const std::string& message) {
    throw TreeError(error, path, message);
}

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

// "/sys/bus/dax/drivers/kmem/bind" -> {"dax", "kmem", "bind"}; false when not a driver file.
bool split_driver_path(const std::string& path, std::string& bus, std::string& driver,
                       std::string& file) {
    const std::string prefix = "/sys/bus/";
    if (path.rfind(prefix, 0) != 0)
        return false;
    std::vector<std::string> parts;
    std::istringstream in(path.substr(prefix.size()));
    std::string part;
    while (std::getline(in, part, '/'))
        parts.push_back(part);
    if (parts.size() != 4 || parts[1] != "drivers")
        return false;
    bus = parts[0];
    driver = parts[2];
    file = parts[3];
    return true;
}

std::string base_name_of(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

std::string dir_name_of(const std::string& path) {
    return path.substr(0, path.rfind('/'));
}

// The values auto_online_blocks takes (mm/memory_hotplug.c, online_type_to_str).
bool is_auto_online_value(const std::string& value) {
    return value == "offline" || value == "online" || value == "online_kernel" ||
           value == "online_movable";
}

}  // namespace

SimulatedKernel::Session::Session(const std::string& root, Shared& shared,
                                  std::optional<SimFault> step_fault,
                                  std::vector<SimFault> fail_after)
    : tree_(root),
      reader_(root),
      shared_(shared),
      step_fault_(std::move(step_fault)),
      fail_after_(std::move(fail_after)) {}

// --- faults and writes

void SimulatedKernel::Session::step_fault_at(const std::string& path) {
    if (!step_fault_)
        return;
    SimFault fault = *step_fault_;
    step_fault_.reset();
    std::snprintf(shared_.path, sizeof shared_.path, "%s", path.c_str());
    if (fault.kind == SimFault::Kind::Hang) {
        // A write the kernel never finishes: only the worker's deadline ends it.
        for (;;)
            ::pause();
    }
    if (fault.kind == SimFault::Kind::Slow) {
        // The kernel takes its time, then does what was asked.
        std::this_thread::sleep_for(fault.delay);
        return;
    }
    fail(fault.error, path, "injected fault: " + to_string(fault));
}

void SimulatedKernel::Session::kernel_write(const std::string& path, const std::string& value) {
    std::snprintf(shared_.path, sizeof shared_.path, "%s", path.c_str());
    step_fault_at(path);
    int number = ++shared_.writes;
    for (const SimFault& fault : fail_after_)
        if (number == fault.after + 1)
            fail(fault.error, path,
                 "injected fault: write " + std::to_string(number) + " fails (" + to_string(fault) +
                     ")");
    apply_and_announce(path, value);
}

void SimulatedKernel::Session::write(const std::string& path, const std::string& value) {
    ++shared_.writes;
    apply_and_announce(path, value);
}

void SimulatedKernel::Session::apply_and_announce(const std::string& path,
                                                  const std::string& value) {
    try {
        apply(path, value);
    } catch (const TreeError&) {
        try {
            flush_events();
        } catch (const TreeError&) {
            // The write's own failure is the one to report.
        }
        throw;
    }
    flush_events();
}

void SimulatedKernel::Session::apply(const std::string& path, const std::string& value) {
    if (path == "/sys/devices/system/memory/auto_online_blocks") {
        // A policy for blocks added later: the kernel changes nothing now and sends no event.
        if (!is_auto_online_value(value))
            fail(EINVAL, path, "'" + value + "' is not an auto-online policy");
        tree_.attr(tree_relative(path), value);
        return;
    }
    const std::string memory = "/sys/devices/system/memory/memory";
    if (path.rfind(memory, 0) == 0 && base_name_of(path) == "state") {
        std::string name = base_name_of(dir_name_of(path));
        long id = trailing_number(name);
        if (id < 0)
            fail(EINVAL, path, "not a memory block");
        block_state(static_cast<std::uint64_t>(id), value);
        return;
    }
    std::string bus, driver, file;
    if (split_driver_path(path, bus, driver, file) && (file == "bind" || file == "unbind")) {
        bool bind = file == "bind";
        if (bus == "dax" && (driver == "kmem" || driver == "device_dax"))
            return bind ? dax_bind(value, driver, path) : dax_unbind(value, driver, path);
        if (bus == "cxl" && driver == "cxl_region")
            return bind ? region_bind(value, path) : region_unbind(value, path);
        if (bus == "platform" && driver == "hmem")
            return bind ? hmem_bind(value, path) : hmem_unbind(value, path);
    }
    if (base_name_of(path) == "commit") {
        std::string dir = tree_relative(dir_name_of(path));
        return region_commit(dir, value, path);
    }
    if (base_name_of(path) == "delete_region")
        return region_delete(tree_relative(dir_name_of(path)), value, path);
    fail(EOPNOTSUPP, path, "the simulated kernel does not model writes to this file");
}

void SimulatedKernel::Session::run(const Step& step) {
    const std::string& t = step.target;
    auto dax_driver_for = [&](const Step& s) -> std::string {
        if (!s.mode)
            fail(EINVAL, "/sys/bus/dax/devices/" + t, "the step names no mode");
        return *s.mode == DaxMode::SystemRam ? "kmem" : "device_dax";
    };
    std::string target_path;
    switch (step.action) {
        case Action::OfflineMemory:
        case Action::OnlineMemory: {
            Dax dax = need_dax(t);
            target_path = "/" + dax.dir;
            std::vector<std::uint64_t> blocks = present_blocks(dax);
            if (blocks.empty())
                fail(ENXIO, target_path, t + " has no memory blocks: not in system-ram mode");
            bool online = step.action == Action::OnlineMemory;
            std::string value = "offline";
            if (online) {
                value = "online";
                if (step.zone == Zone::Movable)
                    value = "online_movable";
                else if (step.zone == Zone::Normal)
                    value = "online_kernel";
                else if (step.zone == Zone::Mixed)
                    fail(EINVAL, target_path, "memory cannot be onlined into a mixed zone");
            }
            // Like libdaxctl: blocks already in the wanted state are skipped.
            for (std::uint64_t id : blocks) {
                std::string dir = memory_block_dir(id);
                bool is_online = tree_.read_attr(dir + "/state").value_or("") == "online";
                if (is_online != online)
                    kernel_write("/" + dir + "/state", value);
            }
            break;
        }
        case Action::EnableDax: {
            std::string driver = dax_driver_for(step);
            Dax dax = need_dax(t);
            target_path = "/" + dax.dir;
            if (dax.driver != driver)
                kernel_write("/sys/bus/dax/drivers/" + driver + "/bind", t);
            break;
        }
        case Action::DisableDax: {
            Dax dax = need_dax(t);
            target_path = "/" + dax.dir;
            if (!dax.driver.empty())
                kernel_write("/sys/bus/dax/drivers/" + dax.driver + "/unbind", t);
            break;
        }
        case Action::ReconfigureDax: {
            std::string driver = dax_driver_for(step);
            Dax dax = need_dax(t);
            target_path = "/" + dax.dir;
            if (dax.driver == driver)
                break;
            if (!dax.driver.empty())
                kernel_write("/sys/bus/dax/drivers/" + dax.driver + "/unbind", t);
            kernel_write("/sys/bus/dax/drivers/" + driver + "/bind", t);
            break;
        }
        case Action::DisableRegion: {
            Region region = need_region(t);
            target_path = "/" + region.dir;
            if (region.enabled)
                kernel_write("/sys/bus/cxl/drivers/cxl_region/unbind", t);
            break;
        }
        case Action::EnableRegion: {
            Region region = need_region(t);
            target_path = "/" + region.dir;
            if (!region.enabled)
                kernel_write("/sys/bus/cxl/drivers/cxl_region/bind", t);
            break;
        }
        case Action::DestroyRegion: {
            Region region = need_region(t);
            target_path = "/" + region.dir;
            kernel_write(target_path + "/commit", "0");
            kernel_write("/" + dir_name_of(region.dir) + "/delete_region", t);
            break;
        }
        case Action::ReleaseHmem: {
            Hmem hmem = need_hmem(t);
            target_path = "/" + hmem.dir;
            if (hmem.bound)
                kernel_write("/sys/bus/platform/drivers/hmem/unbind", t);
            break;
        }
        case Action::ClaimHmem: {
            Hmem hmem = need_hmem(t);
            target_path = "/" + hmem.dir;
            if (!hmem.bound)
                kernel_write("/sys/bus/platform/drivers/hmem/bind", t);
            break;
        }
    }
    // A step with nothing to write still suffers its fault, on its target.
    step_fault_at(target_path);
}

// --- finding things

std::optional<SimulatedKernel::Session::Dax> SimulatedKernel::Session::find_dax(
    const std::string& name) const {
    const std::string link = "/sys/bus/dax/devices/" + name;
    if (name.empty() || !reader_.exists(link))
        return std::nullopt;
    Dax dax;
    dax.name = name;
    dax.dir = tree_relative(reader_.canonical(link));
    const std::string d = "/" + dax.dir;
    for (const std::string& entry : reader_.list(d)) {
        if (entry.rfind("mapping", 0) != 0 || trailing_number(entry) < 0 || entry == "mapping")
            continue;
        std::string base = d + "/" + entry + "/";
        dax.mappings.emplace_back(
            parse_hex(reader_.read_attr(base + "start"), reader_.host_path(base + "start")),
            parse_hex(reader_.read_attr(base + "end"), reader_.host_path(base + "end")));
    }
    if (dax.mappings.empty()) {
        std::optional<std::string> resource = reader_.read_attr_optional(d + "/resource");
        std::uint64_t size = parse_number(reader_.read_attr(d + "/size"), d + "/size");
        if (resource && size > 0) {
            std::uint64_t start = parse_hex(*resource, d + "/resource");
            dax.mappings.emplace_back(start, start + size - 1);
        }
    }
    std::sort(dax.mappings.begin(), dax.mappings.end());
    if (std::optional<std::string> node = reader_.read_attr_optional(d + "/target_node"))
        dax.target_node = static_cast<int>(parse_signed(*node, d + "/target_node"));
    dax.driver = reader_.link_name(d + "/driver").value_or("");
    return dax;
}

SimulatedKernel::Session::Dax SimulatedKernel::Session::need_dax(const std::string& name) const {
    std::optional<Dax> dax = find_dax(name);
    if (!dax)
        fail(ENODEV, "/sys/bus/dax/devices/" + name, "no such dax device");
    return *dax;
}

std::optional<SimulatedKernel::Session::Region> SimulatedKernel::Session::find_region(
    const std::string& name) const {
    const std::string link = "/sys/bus/cxl/devices/" + name;
    if (name.rfind("region", 0) != 0 || !reader_.exists(link))
        return std::nullopt;
    Region region;
    region.name = name;
    region.dir = tree_relative(reader_.canonical(link));
    const std::string d = "/" + region.dir;
    region.enabled = reader_.read_link(d + "/driver").has_value();
    region.committed = reader_.read_attr_optional(d + "/commit").value_or("0") == "1";
    region.locked = reader_.read_attr_optional(d + "/locked").value_or("0") == "1" ||
                    reader_.read_attr_optional(dir_name_of(d) + "/locked").value_or("0") == "1";
    region.mode = reader_.read_attr_optional(d + "/mode").value_or("");
    region.size = parse_number(reader_.read_attr(d + "/size"), d + "/size");
    std::uint64_t start = parse_hex(reader_.read_attr(d + "/resource"), d + "/resource");
    if (start != ~0ULL)
        region.start = start;
    return region;
}

SimulatedKernel::Session::Region SimulatedKernel::Session::need_region(
    const std::string& name) const {
    std::optional<Region> region = find_region(name);
    if (!region)
        fail(ENODEV, "/sys/bus/cxl/devices/" + name, "no such region");
    return *region;
}

std::optional<SimulatedKernel::Session::Hmem> SimulatedKernel::Session::find_hmem(
    const std::string& name) const {
    const std::string link = "/sys/bus/platform/devices/" + name;
    if (name.rfind("hmem.", 0) != 0 || !reader_.exists(link))
        return std::nullopt;
    Hmem hmem;
    hmem.name = name;
    hmem.dir = tree_relative(reader_.canonical(link));
    hmem.bound = reader_.link_name("/" + hmem.dir + "/driver").value_or("") == "hmem";
    return hmem;
}

SimulatedKernel::Session::Hmem SimulatedKernel::Session::need_hmem(const std::string& name) const {
    std::optional<Hmem> hmem = find_hmem(name);
    if (!hmem)
        fail(ENODEV, "/sys/bus/platform/devices/" + name, "no such hmem device");
    return *hmem;
}

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

// --- memory blocks

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
        tree_.attr(dir + "/state", "offline");
        tree_.attr(dir + "/online", "0");
        tree_.attr(dir + "/valid_zones", kzone + " Movable");
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
        fail(EINVAL, path, "'" + value + "' is not a memory block state");
    // state_store: device_online() on an online block returns 1, which becomes -EINVAL.
    if (state == "online")
        fail(EINVAL, path, "memory" + std::to_string(id) + " is already online");
    if (!has_word(zones, zone))
        fail(EINVAL, path,
             "memory" + std::to_string(id) + " cannot go to zone " + zone + " (valid: " + zones +
                 ")");
    tree_.attr(dir + "/state", "online");
    tree_.attr(dir + "/online", "1");
    tree_.attr(dir + "/valid_zones", zone);
    announce("online", "memory", dir);
}

// --- dax devices

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
        if (leaked(start, end))
            fail(EBUSY, bind_path,
                 name + ": could not reserve region " + hex(start) + "-" + hex(end) +
                     ": leaked by an earlier kmem unbind");
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
    tree_.remove(dax.dir);
    tree_.remove_links_into("sys/bus", dax.dir);
    tree_.remove_links_into("sys/dev", dax.dir);
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
    tree_.attr(dr + "/devtype", "cxl_dax_region");
    tree_.attr(dr + "/modalias", "cxl:t8");
    tree_.file(dr + "/uevent", "DEVTYPE=cxl_dax_region\nMODALIAS=cxl:t8\n");
    tree_.link(dr + "/subsystem", "sys/bus/cxl");
    tree_.link("sys/bus/cxl/devices/dax_region" + std::to_string(id), dr);
    announce("add", "cxl", dr);

    // alloc_dax_region() refuses a range another dax region (hmem) already registered: the
    // cxl_dax_region probe fails quietly and leaves the child unbound with no device.
    std::uint64_t start = *region.start;
    std::uint64_t end = start + region.size - 1;
    Snapshot snap = snapshot();
    for (const HmemDevice& hmem : snap.hmem)
        if (hmem.has_dax_region && hmem.start && *hmem.start <= end &&
            start <= *hmem.start + hmem.size - 1) {
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
    tree_.remove(dr);
    tree_.remove_links_into("sys/bus", dr);
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
    tree_.remove(found->dir);
    tree_.remove_links_into("sys/bus", found->dir);
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
            *start <= *region.start + region.size - 1)
            fail(ENOMEM, path,
                 name + ": dax_region resource conflict with " + region.name + "'s " +
                     region.dax_region);
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
                tree_.remove(region->dir);
                tree_.remove_links_into("sys/bus", region->dir);
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
        case Action::ReleaseHmem:
        case Action::ClaimHmem:
            if (std::optional<Hmem> hmem = find_hmem(step.target)) {
                remove_dax_devices_under(hmem->dir, "vanish");
                tree_.remove(hmem->dir);
                tree_.remove_links_into("sys/bus", hmem->dir);
                if (hmem->bound)
                    announce("unbind", "platform", hmem->dir);
                announce("remove", "platform", hmem->dir);
            }
            break;
    }
    flush_events();
}

// --- uevents

void SimulatedKernel::Session::announce(const std::string& action, const std::string& subsystem,
                                        const std::string& dir, const std::string& driver) {
    // "sys/devices/x" is the device at devpath "/devices/x".
    std::string devpath = dir.rfind("sys/", 0) == 0 ? dir.substr(3) : "/" + dir;
    events_.push_back(Uevent{action, subsystem, devpath, driver});
}

void SimulatedKernel::Session::flush_events() {
    if (events_.empty())
        return;
    std::string text;
    for (const Uevent& event : events_)
        text += format_uevent_line(event) + "\n";
    events_.clear();
    const std::string log = kSimUeventLog;
    tree_.dir(tree_relative(dir_name_of(log)));
    // O_APPEND, one write: workers forked for each step and a reader following the log all see
    // whole batches in the order the writes happened.
    const std::string host = tree_.root() + log;
    int fd = ::open(host.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        fail(errno, log, std::string("cannot open the event log: ") + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int error = n < 0 ? errno : EIO;
            ::close(fd);
            fail(error, log,
                 std::string("cannot append to the event log: ") + std::strerror(error));
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

// --- iomem and remembered facts

void SimulatedKernel::Session::iomem_add(std::uint64_t start, std::uint64_t end,
                                         const std::string& name) {
    if (std::optional<std::string> text = tree_.read_attr("proc/iomem"))
        tree_.file("proc/iomem", iomem_insert(*text + "\n", start, end, name));
}

void SimulatedKernel::Session::iomem_drop(const std::string& name, bool children) {
    if (std::optional<std::string> text = tree_.read_attr("proc/iomem"))
        tree_.file("proc/iomem", iomem_remove(*text + "\n", name, children));
}

void SimulatedKernel::Session::record(const std::string& file, const std::string& line) {
    std::string text = tree_.read_attr(kState + file).value_or("");
    if (!text.empty())
        text += "\n";
    tree_.attr(kState + file, text + line);
}

std::vector<std::string> SimulatedKernel::Session::recorded(const std::string& file) const {
    std::vector<std::string> lines;
    std::istringstream in(tree_.read_attr(kState + file).value_or(""));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

bool SimulatedKernel::Session::leaked(std::uint64_t start, std::uint64_t end) const {
    for (const std::string& line : recorded("leaked")) {
        std::size_t dash = line.find('-');
        std::size_t space = line.find(' ');
        if (dash == std::string::npos || space == std::string::npos)
            continue;
        std::uint64_t s = parse_hex(line.substr(0, dash), kState + "leaked");
        std::uint64_t e = parse_hex(line.substr(dash + 1, space - dash - 1), kState + "leaked");
        if (s <= end && start <= e)
            return true;
    }
    return false;
}

std::optional<SimulatedKernel::Session::Remembered> SimulatedKernel::Session::remembered(
    std::uint64_t start) const {
    std::optional<Remembered> found;
    for (const std::string& line : recorded("device")) {
        std::istringstream in(line);
        std::string s, memmap;
        long node = -1, numa = -1;
        if (!(in >> s >> node >> memmap >> numa) || parse_hex(s, kState + "device") != start)
            continue;
        found = Remembered{static_cast<int>(node), static_cast<int>(numa), std::nullopt};
        if (memmap != "-")
            found->memmap_on_memory = memmap == "1";
    }
    return found;
}

// The lowest free minor of the dax character devices (major 252 as in the captures), as the
// kernel's minor allocator hands them out.
std::string SimulatedKernel::Session::next_dax_dev() const {
    std::vector<long> used;
    for (const std::string& entry : reader_.list_optional("/sys/dev/char"))
        if (entry.rfind("252:", 0) == 0)
            used.push_back(std::stol(entry.substr(4)));
    long minor = 0;
    while (std::find(used.begin(), used.end(), minor) != used.end())
        ++minor;
    return "252:" + std::to_string(minor);
}

Snapshot SimulatedKernel::Session::snapshot() const {
    return read_snapshot(reader_);
}

}  // namespace srmd
