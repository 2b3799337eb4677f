// The actuator over a tree instead of the machine: it carries out a plan's steps by applying the
// kernel's rules to the files of a captured (or constructed) tree, so that plans, the executor
// and `srmctl simulate --apply` can be exercised without hardware, and faults can be injected.
//
// Every step is broken into the writes libdaxctl and libcxl would make (a bind, an unbind, one
// memoryN/state write per block, commit and delete_region), and each write follows the kernel:
//   - binding kmem refuses target_node < 0 (EINVAL), a device without one whole memory block
//     (EINVAL) and a device over a range leaked earlier (EBUSY, "could not reserve region"); it
//     creates a memoryN directory per whole block, offline or onlined as auto_online_blocks says;
//   - memoryN/state: onlining an online block is EINVAL; offlining a block in a kernel zone
//     (Normal, DMA32) is EBUSY — a conservative model of its unmovable allocations;
//   - unbinding kmem while blocks are online removes the driver but leaves the blocks online and
//     the range leaked until "reboot": a later kmem bind over it fails with EBUSY;
//   - disabling a CXL region or releasing an hmem device removes its dax region and devices (with
//     the same leak rule); enabling or claiming creates them again, bound to kmem as the kernel
//     does by default, unless another dax region overlaps (the kernel's dax_region conflict);
//   - destroying a region: locked (region or root decoder) is EPERM, enabled is EBUSY;
//   - creating a ram region (sim-kernel-create.cpp): create_ram_region, the region's interleave,
//     size (placed at the lowest free address of the window) and targets, the endpoint
//     decoders' mode and dpa_size, commit 1, with the kernel's refusals; "add cxl" of the region;
//   - Dynamic Capacity (EXPERIMENTAL, sim-kernel-dcd.cpp, the posted series' ABI): a claim writes
//     the tag to a seed's uuid and takes every unclaimed extent with it ("0": one untagged
//     extent; ENOENT when none), a new 0-size seed follows ("add dax"); destroying is size 0
//     (EBUSY while bound), which gives the extents back, then dax_region/delete ("remove dax";
//     EBUSY for device id 0, which the kernel keeps). The device's side, adding capacity and
//     asking it back, is sim-dcd-device.hpp.
// /proc/iomem follows: daxX.Y and "System RAM (kmem)" lines come and go with the drivers.
// Not modelled: node meminfo and has_memory lists, endpoint decoder state after a destroy, dax
// device sizes other than the whole region, pmem regions' children on enable. A dax region that
// loses the conflict gets no dax_region/ attributes (alloc_dax_region fails before making them).
//
//
// Every write that changes the tree also produces the uevents a real kernel sends for it, in the
// kernel's order (see uevent.hpp for the line format); srmd --root follows them as the daemon
// follows libudev on a machine:
//   - binding kmem: "add memory" for each block created, then "online memory" for each block
//     auto_online_blocks onlines, then "bind dax DEVPATH kmem"; binding device_dax: the bind only;
//   - memoryN/state: "online memory" or "offline memory";
//   - unbinding kmem: "remove memory" for each (offline) block removed — none when the range
//     leaks — then "unbind dax"; device_dax: the unbind only;
//   - a dax device going away with its region or hmem device: its blocks' removes, "unbind dax"
//     when it had a driver, "remove dax"; disabling a region then ends with "unbind cxl" and
//     "remove cxl" of its dax_regionZ and "unbind cxl" of the region; releasing hmem with
//     "unbind platform";
//   - enabling a region: "add cxl" of its dax_regionZ, "add dax" of the new device (and the kmem
//     events above when kmem takes it), "bind cxl ... cxl_dax_region", "bind cxl ... cxl_region":
//     a device's "bind" comes when its probe returns, after the events of the children the probe
//     made; claiming hmem likewise, ending with "bind platform ... hmem";
//   - destroying a region: "remove cxl" of the region (commit writes send nothing);
//   - auto_online_blocks: nothing (it only decides what happens to blocks added later).
// Devpaths are the devices' canonical sysfs directories without "/sys". Not announced: node
// devices, dax mapping children (no bus, so the kernel sends nothing), pmem region children.
//
// What the simulated kernel must remember beyond sysfs lives in <root>/.sim-kernel/:
//   leaked       one line per leaked range: "<start hex>-<end hex> <device> <cause>", cause being
//                the write that leaked it ("unbind", "disable-region", ...) or "vanish";
//   device       "<start hex> <target_node> <memmap_on_memory or -> <numa_node>" of dax devices
//                that went away, so that one created again gets what the kernel gives it again
//                (a CXL dax device the simulator never saw gets target_node -1: the tree does
//                not say which node the firmware assigned to the range);
//   hmem         "<hmem.N> <start hex> <size hex>" of released hmem devices;
//   uevents      the event log (kSimUeventLog): appended with O_APPEND, one write() per kernel
//                write, so the forked step workers and the parent never interleave lines;
//   tmp/         files and directories being made, out of sight until one rename puts each in
//                place (sim-tree-files.hpp): a worker killed halfway leaves every file, memory
//                block and device directory whole, as the kernel does.
// Every write stays inside the tree: one through a symlink that leads out of it is refused with a
// SystemError (sim-tree-files.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "act/actuator.hpp"
#include "act/killable-worker.hpp"
#include "plan/plan.hpp"

namespace srmd {

struct SimFault {
    enum class Kind {
        Fail,       // the step's first write fails with `error`
        Vanish,     // the target disappears from the tree just before the step
        Hang,       // the step's first write never returns: the step must time out
        FailAfter,  // the plan's write number `after` + 1 fails with `error`
        Slow,       // the step's first write takes `delay` before it goes through
    };
    Kind kind = Kind::Fail;
    std::optional<Action> action;  // nullopt: any action
    std::string target;            // "": any target
    int error = EIO;
    int after = 0;
    std::chrono::milliseconds delay{0};  // Slow
};

// Faults fire once each, in the order given, at the first step (or write) they match.
struct SimFaults {
    std::vector<SimFault> faults;
    // When set, the time a step that meets a hang fault gets instead of the kernel's timeout:
    // tests keep hung steps short without cutting short the steps that are merely slow on a
    // loaded machine (a worker killed halfway through a step would leave a half-made tree).
    std::optional<std::chrono::milliseconds> hang_timeout;
    // When set, the worker of the first step kills itself (SIGKILL) as soon as it has made this
    // many changes to the tree (files and links written, directories made, renamed or removed:
    // TreeFiles' operations), whatever write it is in the middle of: the tree is then what a
    // kill -9 at that point leaves. For tests; no spec names it.
    std::optional<int> kill_after_changes;
};

// "fail:ACTION:TARGET:ERRNO", "vanish:ACTION:TARGET", "hang:ACTION:TARGET", "fail-after:N:ERRNO",
// "slow:ACTION:TARGET:MS" (a write that takes MS milliseconds, like offlining busy memory).
// ACTION is an action's name ("offline-memory") or "*", TARGET a device name or "*", ERRNO a
// name ("EBUSY") or a number. Throws std::invalid_argument saying what is wrong with the spec.
SimFault parse_sim_fault(std::string_view spec);
// Every spec parsed, in order.
SimFaults parse_sim_faults(const std::vector<std::string>& specs);
std::string to_string(const SimFault& fault);

class SimulatedKernel : public Actuator {
  public:
    // `root` is the tree to change. Each step runs in a killable worker with `timeout`.
    explicit SimulatedKernel(std::string root, SimFaults faults = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~SimulatedKernel() override;
    SimulatedKernel(const SimulatedKernel&) = delete;
    SimulatedKernel& operator=(const SimulatedKernel&) = delete;

    StepOutcome execute(const Step& step) override;

    // One write as a process would make it: `value` to the file at the kernel path `path`
    // ("/sys/devices/system/memory/memory8/state", "/sys/bus/dax/drivers/kmem/bind", ...), with
    // the kernel's answer. Runs in this process, without a worker; faults do not apply.
    WorkerReport write(const std::string& path, const std::string& value);

    // write() as the Actuator interface has it, for settings such as auto_online_blocks.
    StepOutcome write_setting(const std::string& kernel_path, const std::string& value) override;

    // Writes made so far (including failed ones), across all steps.
    int writes() const;

  private:
    struct Shared;
    class Session;

    std::string root_;
    std::vector<SimFault> faults_;
    std::optional<std::chrono::milliseconds> hang_timeout_;
    std::optional<int> kill_after_changes_;  // until the first step spends it
    std::vector<bool> spent_;
    std::chrono::milliseconds timeout_;
    Shared* shared_;  // a MAP_SHARED page: workers count writes and say where they are in it
};

}  // namespace srmd
