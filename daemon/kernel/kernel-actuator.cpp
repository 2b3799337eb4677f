#include "kernel/kernel-actuator.hpp"

#include "act/worker-outcome.hpp"

#include <cxl/libcxl.h>
#include <daxctl/libdaxctl.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "kernel/device-blocks.hpp"
#include "kernel/kernel-handles.hpp"
#include "kernel/region-create.hpp"
#include "kernel/sysfs-writer.hpp"
#include "read/dcd-abi.hpp"
#include "read/root-reader.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

const std::string dax_devices = "/sys/bus/dax/devices/";
const std::string cxl_devices = "/sys/bus/cxl/devices/";
const std::string hmem_driver = "/sys/bus/platform/drivers/hmem/";

WorkerReport fail(int error, std::string path, std::string message) {
    return WorkerReport::failure(error, std::move(path), std::move(message));
}

// A library call's negative errno, as a report.
WorkerReport library_failure(int rc, const std::string& path, const std::string& call) {
    return fail(-rc, path, call + " failed: " + std::strerror(-rc));
}

// Everything one step needs: the reader and writer below the root, and the contexts, made on
// demand so that a step which needs only libdaxctl does not pay for libcxl's udev-queue wait.
class StepContext {
  public:
    explicit StepContext(const std::string& root) : reader(root), writer(root) {}

    RootReader reader;
    SysfsWriter writer;

    daxctl_ctx* daxctl(int& error) {
        error = 0;
        if (!daxctl_)
            daxctl_ = new_daxctl_context(error);
        return daxctl_.get();
    }
    cxl_ctx* cxl(int& error) {
        error = 0;
        if (!cxl_)
            cxl_ = new_cxl_context(error);
        return cxl_.get();
    }

  private:
    DaxctlContext daxctl_;
    CxlContext cxl_;
};

daxctl_dev* find_dax(daxctl_ctx* ctx, const std::string& name) {
    daxctl_region* region;
    daxctl_region_foreach(ctx, region) {
        daxctl_dev* dev;
        daxctl_dev_foreach(region, dev) {
            const char* devname = daxctl_dev_get_devname(dev);
            if (devname && name == devname)
                return dev;
        }
    }
    return nullptr;
}

cxl_region* find_region(cxl_ctx* ctx, const std::string& name) {
    cxl_bus* bus;
    cxl_bus_foreach(ctx, bus) {
        cxl_port* port = cxl_bus_get_port(bus);
        cxl_decoder* decoder;
        cxl_decoder_foreach(port, decoder) {
            cxl_region* region;
            cxl_region_foreach(decoder, region) {
                const char* devname = cxl_region_get_devname(region);
                if (devname && name == devname)
                    return region;
            }
        }
    }
    return nullptr;
}

// The dax device, looked up in a fresh libdaxctl context; `report` says why not when null.
daxctl_dev* need_dax(StepContext& context, const std::string& name, WorkerReport& report) {
    int error = 0;
    daxctl_ctx* ctx = context.daxctl(error);
    if (!ctx) {
        report =
            fail(error, "libdaxctl", "daxctl_new failed: " + std::string(std::strerror(error)));
        return nullptr;
    }
    daxctl_dev* dev = find_dax(ctx, name);
    if (!dev)
        report = fail(ENODEV, dax_devices + name, "libdaxctl does not list " + name);
    return dev;
}

cxl_region* need_region(StepContext& context, const std::string& name, WorkerReport& report) {
    int error = 0;
    cxl_ctx* ctx = context.cxl(error);
    if (!ctx) {
        report = fail(error, "libcxl", "cxl_new failed: " + std::string(std::strerror(error)));
        return nullptr;
    }
    cxl_region* region = find_region(ctx, name);
    if (!region)
        report = fail(ENODEV, cxl_devices + name, "libcxl does not list " + name);
    return region;
}

// The first online block among these dax devices, found from their mappings (not through
// libdaxctl's node walk, which misses memory on another node). An unbind with online blocks
// leaves the range reserved until reboot, so this guards every unbind.
WorkerReport refuse_if_online(const RootReader& reader, const std::vector<std::string>& devices,
                              const std::string& what) {
    for (const std::string& dax : devices)
        for (const DeviceBlock& block : device_blocks(reader, dax))
            if (block.online())
                return fail(EBUSY, block.path() + "/state",
                            "refusing to " + what + ": " + dax + " has memory" +
                                std::to_string(block.id) + " online");
    return WorkerReport::success();
}

WorkerReport write_blocks(const SysfsWriter& writer, const std::vector<DeviceBlock>& blocks,
                          bool want_online, const std::string& value) {
    for (const DeviceBlock& block : blocks) {
        if (block.online() == want_online)
            continue;
        WriteResult result = writer.write(block.path() + "/state", value);
        if (!result.ok)
            return fail(result.error, result.path,
                        "writing " + value + " failed: " + std::strerror(result.error));
    }
    return WorkerReport::success();
}

WorkerReport offline_memory(StepContext& context, const Step& step) {
    WorkerReport report;
    daxctl_dev* dev = need_dax(context, step.target, report);
    if (!dev)
        return report;
    daxctl_memory* memory = daxctl_dev_get_memory(dev);
    if (!memory)
        return fail(ENXIO, dax_devices + step.target + "/driver",
                    step.target + " is not bound to kmem: it has no memory to offline");
    // 76.1 returns the number of blocks it offlined, or a negative errno.
    int rc = daxctl_memory_offline(memory);
    if (rc < 0)
        return library_failure(rc, daxctl_memory_get_node_path(memory), "daxctl_memory_offline");
    // libdaxctl only saw the blocks on node<target_node>; offline any it missed ourselves.
    return write_blocks(context.writer, device_blocks(context.reader, step.target), false,
                        "offline");
}

WorkerReport online_memory(StepContext& context, const Step& step) {
    WorkerReport report;
    daxctl_dev* dev = need_dax(context, step.target, report);
    if (!dev)
        return report;
    daxctl_memory* memory = daxctl_dev_get_memory(dev);
    if (!memory)
        return fail(ENXIO, dax_devices + step.target + "/driver",
                    step.target + " is not bound to kmem: it has no memory to online");
    std::string value;
    if (step.zone == Zone::Normal) {
        // 76.1's online_no_movable writes "online" (the kernel's choice of zone), which is not
        // "normal"; only online_kernel asks for ZONE_NORMAL, so srmd writes it itself.
        value = "online_kernel";
    } else {
        // Both return the number of blocks onlined; the zone check after them is dead code in
        // 76.1, which is why the executor checks zones when it reads the machine again.
        int rc = step.zone == Zone::Movable ? daxctl_memory_online(memory)
                                            : daxctl_memory_online_no_movable(memory);
        if (rc < 0)
            return library_failure(rc, daxctl_memory_get_node_path(memory),
                                   step.zone == Zone::Movable ? "daxctl_memory_online"
                                                              : "daxctl_memory_online_no_movable");
        value = step.zone == Zone::Movable ? "online_movable" : "online";
    }
    // Blocks libdaxctl missed (another node), or all of them for ZONE_NORMAL.
    return write_blocks(context.writer, device_blocks(context.reader, step.target), true, value);
}

WorkerReport enable_dax(StepContext& context, const std::string& target, DaxMode mode) {
    WorkerReport report;
    daxctl_dev* dev = need_dax(context, target, report);
    if (!dev)
        return report;
    int rc =
        mode == DaxMode::SystemRam ? daxctl_dev_enable_ram(dev) : daxctl_dev_enable_devdax(dev);
    if (rc < 0)
        return library_failure(
            rc, dax_devices + target + "/driver",
            mode == DaxMode::SystemRam ? "daxctl_dev_enable_ram" : "daxctl_dev_enable_devdax");
    return WorkerReport::success();
}

// The step's memmap_on_memory, written while kmem does not hold the device (the kernel refuses a
// change then, EBUSY). A device without the attribute (before 6.8) needs nothing for "off"; the
// planner refuses "on" there.
WorkerReport write_memmap_on_memory(StepContext& context, const Step& step) {
    if (!step.memmap_on_memory || step.mode != DaxMode::SystemRam)
        return WorkerReport::success();
    const std::string path = dax_devices + step.target + "/memmap_on_memory";
    if (!*step.memmap_on_memory && !context.reader.exists(path))
        return WorkerReport::success();
    WriteResult result = context.writer.write(path, *step.memmap_on_memory ? "1" : "0");
    if (!result.ok)
        return fail(result.error, result.path,
                    "writing memmap_on_memory of " + step.target +
                        " failed: " + std::strerror(result.error));
    return WorkerReport::success();
}

WorkerReport disable_dax(StepContext& context, const std::string& target) {
    WorkerReport report = refuse_if_online(context.reader, {target}, "unbind " + target);
    if (!report.ok)
        return report;
    daxctl_dev* dev = need_dax(context, target, report);
    if (!dev)
        return report;
    // libdaxctl's own view too, in case the mappings were unreadable in a way we did not see.
    if (daxctl_dev_has_online_memory(dev))
        return fail(EBUSY, dax_devices + target,
                    "refusing to unbind " + target + ": libdaxctl reports online memory");
    int rc = daxctl_dev_disable(dev);
    if (rc < 0)
        return library_failure(rc, dax_devices + target + "/driver", "daxctl_dev_disable");
    return WorkerReport::success();
}

WorkerReport reconfigure_dax(StepContext& context, const Step& step) {
    if (!step.mode)
        return fail(EINVAL, dax_devices + step.target, "reconfigure-dax step without a mode");
    WorkerReport report;
    if (context.reader.exists(dax_devices + step.target + "/driver")) {
        report = disable_dax(context, step.target);
        if (!report.ok)
            return report;
    }
    report = write_memmap_on_memory(context, step);
    if (!report.ok)
        return report;
    // The context enumerated the device bound; libdaxctl reads the driver link afresh when it
    // binds, so the same handle serves.
    return enable_dax(context, step.target, *step.mode);
}

std::string dax_region_dir(const std::string& region) {
    // regionZ's dax region is dax_regionZ (76.1 has no cxl_region_get_daxctl_region).
    return cxl_devices + region + "/dax_region" + region.substr(std::strlen("region"));
}

WorkerReport disable_region(StepContext& context, const Step& step) {
    WorkerReport report = refuse_if_online(
        context.reader, dax_devices_below(context.reader, dax_region_dir(step.target)),
        "disable " + step.target);
    if (!report.ok)
        return report;
    cxl_region* region = need_region(context, step.target, report);
    if (!region)
        return report;
    int rc = cxl_region_disable(region);
    if (rc < 0)
        return library_failure(rc, cxl_devices + step.target + "/driver", "cxl_region_disable");
    return WorkerReport::success();
}

WorkerReport enable_region(StepContext& context, const Step& step) {
    WorkerReport report;
    cxl_region* region = need_region(context, step.target, report);
    if (!region)
        return report;
    int rc = cxl_region_enable(region);
    if (rc < 0)
        return library_failure(rc, cxl_devices + step.target + "/driver", "cxl_region_enable");
    return WorkerReport::success();
}

WorkerReport destroy_region(StepContext& context, const Step& step) {
    const std::string locked_path = cxl_devices + step.target + "/locked";
    // Kernels before 7.1 have no locked attribute; firmware-locked regions there fail the reset.
    if (context.reader.read_attr_optional(locked_path).value_or("0") == "1")
        return fail(EPERM, context.reader.host_path(locked_path),
                    step.target + " is locked: the kernel never lets it be destroyed");
    WorkerReport report;
    cxl_region* region = need_region(context, step.target, report);
    if (!region)
        return report;
    if (cxl_region_is_enabled(region))
        return fail(EBUSY, cxl_devices + step.target + "/driver",
                    "refusing to destroy " + step.target + ": it is still enabled");
    // 76.1 has no destroy helper: reset the decoders, clear the targets, then delete.
    int rc = cxl_region_decode_reset(region);
    if (rc < 0)
        return library_failure(rc, cxl_devices + step.target + "/commit",
                               "cxl_region_decode_reset");
    rc = cxl_region_clear_all_targets(region);
    if (rc < 0)
        return library_failure(rc, cxl_devices + step.target + "/target0",
                               "cxl_region_clear_all_targets");
    rc = cxl_region_delete(region);
    if (rc < 0)
        return library_failure(rc, cxl_devices + step.target, "cxl_region_delete");
    return WorkerReport::success();
}

// No library knows hmem devices: bind and unbind are plain driver writes.
WorkerReport hmem_write(StepContext& context, const Step& step, const char* file) {
    if (std::string(file) == "unbind") {
        WorkerReport report = refuse_if_online(
            context.reader,
            dax_devices_below(context.reader, "/sys/bus/platform/devices/" + step.target),
            "release " + step.target);
        if (!report.ok)
            return report;
    }
    WriteResult result = context.writer.write(hmem_driver + file, step.target);
    if (!result.ok)
        return fail(result.error, result.path,
                    "writing " + step.target + " failed: " + std::strerror(result.error));
    return WorkerReport::success();
}

// Dynamic Capacity (EXPERIMENTAL, read/dcd-abi.hpp): a claim is one write of the tag to the seed
// device's uuid; the kernel gives it every extent with that tag, or ENOENT.
WorkerReport claim_dc_capacity(StepContext& context, const Step& step) {
    const std::string path = dax_devices + step.target + "/" + std::string(dcd_abi::kDaxTag);
    std::string value =
        step.dc_tag && !step.dc_tag->empty() ? *step.dc_tag : std::string(dcd_abi::kClaimUntagged);
    WriteResult result = context.writer.write(path, value);
    if (!result.ok)
        return fail(
            result.error, result.path,
            "claiming capacity with " + step.target + " failed: " + std::strerror(result.error));
    return WorkerReport::success();
}

// Size 0 gives the device's extents back to its region; then the region deletes the device. Only
// an unbound device: whoever maps it would lose its memory. A region's device 0 is only emptied
// (dcd_abi::kept_by_region).
WorkerReport destroy_dax(StepContext& context, const Step& step) {
    const std::string device = dax_devices + step.target;
    if (context.reader.exists(device + "/driver"))
        return fail(EBUSY, device + "/driver",
                    "refusing to destroy " + step.target + ": it is bound to a driver");
    WriteResult size = context.writer.write(device + "/size", "0");
    if (!size.ok)
        return fail(
            size.error, size.path,
            "giving back the capacity of " + step.target + " failed: " + std::strerror(size.error));
    if (dcd_abi::kept_by_region(step.target))
        return WorkerReport::success();
    WriteResult deleted = context.writer.write(device + "/../dax_region/delete", step.target);
    if (!deleted.ok)
        return fail(deleted.error, deleted.path,
                    "deleting " + step.target + " failed: " + std::strerror(deleted.error));
    return WorkerReport::success();
}

WorkerReport run_step(StepContext& context, const Step& step) {
    switch (step.action) {
        case Action::OfflineMemory:
            return offline_memory(context, step);
        case Action::OnlineMemory:
            return online_memory(context, step);
        case Action::EnableDax: {
            if (!step.mode)
                return fail(EINVAL, dax_devices + step.target, "enable-dax step without a mode");
            if (step.memmap_on_memory &&
                !context.reader.exists(dax_devices + step.target + "/driver")) {
                WorkerReport memmap = write_memmap_on_memory(context, step);
                if (!memmap.ok)
                    return memmap;
            }
            return enable_dax(context, step.target, *step.mode);
        }
        case Action::DisableDax:
            return disable_dax(context, step.target);
        case Action::ReconfigureDax:
            return reconfigure_dax(context, step);
        case Action::DisableRegion:
            return disable_region(context, step);
        case Action::EnableRegion:
            return enable_region(context, step);
        case Action::DestroyRegion:
            return destroy_region(context, step);
        case Action::ReleaseHmem:
            return hmem_write(context, step, "unbind");
        case Action::ClaimHmem:
            return hmem_write(context, step, "bind");
        case Action::CreateRegion:
            if (!step.create)
                return fail(EINVAL, cxl_devices + step.target, "create-region step without a spec");
            return create_region(context.reader, context.writer, *step.create);
        case Action::ClaimDcCapacity:
            return claim_dc_capacity(context, step);
        case Action::DestroyDax:
            return destroy_dax(context, step);
    }
    return fail(EINVAL, step.target, "unknown action");
}

}  // namespace

KernelActuator::KernelActuator(KernelActuatorOptions options) : options_(std::move(options)) {}

std::chrono::milliseconds KernelActuator::timeout_for(const Step& step) const {
    // Creating a region waits for udev to load dax_cxl and its dax region to bind.
    return step.action == Action::OfflineMemory || step.action == Action::CreateRegion
               ? options_.offline_timeout
               : options_.timeout;
}

WorkerReport KernelActuator::execute_here(const Step& step) const {
    try {
        StepContext context(options_.root);
        return run_step(context, step);
    } catch (const SystemError& error) {
        return fail(error.error_number() ? error.error_number() : EIO, error.path(), error.what());
    } catch (const std::exception& error) {
        return fail(EIO, step.target, error.what());
    }
}

StepOutcome KernelActuator::write_setting(const std::string& kernel_path,
                                          const std::string& value) {
    SysfsWriter writer(options_.root);
    WorkerResult result = run_killable(
        [&] {
            WriteResult written = writer.write(kernel_path, value);
            if (written.ok)
                return WorkerReport::success();
            return WorkerReport::failure(
                written.error, written.path,
                std::string("writing '") + value + "' failed: " + std::strerror(written.error));
        },
        options_.timeout);
    return outcome_of(result, kernel_path, "writing '" + value + "'");
}

StepOutcome KernelActuator::execute(const Step& step) {
    WorkerResult result = run_killable([&] { return execute_here(step); }, timeout_for(step));
    return outcome_of(result, step.target, std::string(to_string(step.action)) + " " + step.target);
}

}  // namespace srmd
