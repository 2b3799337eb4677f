#include "sim/sim-kernel-rules.hpp"

#include <thread>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <sstream>

#include "read/sysfs-values.hpp"
#include "sim/sim-kernel-rules-internal.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

using sim_rules::base_name_of;
using sim_rules::dir_name_of;
using sim_rules::fail;

namespace {

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

void SimulatedKernel::Session::kill_after_changes(int changes) {
    tree_.files().set_after_operation([changes](int done) {
        if (done >= changes)
            ::kill(::getpid(), SIGKILL);
    });
}

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
    } catch (...) {
        try {
            flush_events();
        } catch (const std::exception&) {
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
            fail(EINVAL, path, quote_value(value) + " is not an auto-online policy");
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
    if (base_name_of(path) == "memmap_on_memory")
        return dax_memmap_on_memory(base_name_of(dir_name_of(path)), value, path);
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
    if (apply_create(path, value))
        return;
    if (apply_dcd(path, value))
        return;
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
    // As the kernel actuator does: the attribute before kmem binds; "off" needs nothing on a
    // kernel without it.
    auto write_memmap = [&](const Dax& dax, bool on) {
        if (!on && !tree_.read_attr(dax.dir + "/memmap_on_memory"))
            return;
        kernel_write("/sys/bus/dax/devices/" + dax.name + "/memmap_on_memory", on ? "1" : "0");
    };
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
            if (dax.driver != driver) {
                if (dax.driver.empty() && step.memmap_on_memory && driver == "kmem")
                    write_memmap(dax, *step.memmap_on_memory);
                kernel_write("/sys/bus/dax/drivers/" + driver + "/bind", t);
            }
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
            if (step.memmap_on_memory && driver == "kmem")
                write_memmap(dax, *step.memmap_on_memory);
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
        case Action::CreateRegion:
            run_create(step, target_path);
            break;
        case Action::ClaimDcCapacity:
        case Action::DestroyDax:
            run_dcd(step, target_path);
            break;
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

}  // namespace srmd
