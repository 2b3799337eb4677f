// The simulated kernel's rules, one object per step (sim-kernel.hpp says what they model). It
// runs inside the killable worker, so it may block (a hang fault) and throws TreeError for a
// failing write, which SimulatedKernel turns into the step's outcome.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "read/uevent.hpp"
#include "sim/sim-kernel.hpp"
#include "sim/sim-tree.hpp"

namespace srmd {

// Lives in a MAP_SHARED page so that the writes of forked workers are counted in one place and the
// parent can tell which write a killed worker was stuck in.
struct SimulatedKernel::Shared {
    std::atomic<int> writes{0};
    char path[1024] = {};
};

class SimulatedKernel::Session {
  public:
    // `step_fault`: the Fail or Hang fault this step is to suffer at its first write, if any.
    // `fail_after`: every FailAfter fault; each fires when the shared write count reaches it.
    Session(const std::string& root, Shared& shared, std::optional<SimFault> step_fault,
            std::vector<SimFault> fail_after);

    void run(const Step& step);                                     // throws TreeError
    void write(const std::string& path, const std::string& value);  // one write, throws TreeError
    void vanish(const Step& step);                                  // the target disappears
    // Dies by SIGKILL once the tree has seen `changes` changes (SimFaults::kill_after_changes).
    void kill_after_changes(int changes);

  private:
    struct Dax {
        std::string name;
        std::string dir;                                                // tree-relative
        std::vector<std::pair<std::uint64_t, std::uint64_t>> mappings;  // start, end inclusive
        int target_node = -1;
        std::string driver;
    };
    struct Region {
        std::string name;
        std::string dir;  // tree-relative
        std::optional<std::uint64_t> start;
        std::uint64_t size = 0;
        bool enabled = false;
        bool committed = false;
        bool locked = false;  // the region's own lock (7.1) or its root decoder's
        std::string mode;
    };
    struct Hmem {
        std::string name;
        std::string dir;
        bool bound = false;
    };

    // The write a step makes, through the faults.
    void kernel_write(const std::string& path, const std::string& value);
    // One write and the uevents it causes, appended to the event log even when the write fails
    // halfway: whatever changed in the tree by then is announced.
    void apply_and_announce(const std::string& path, const std::string& value);
    void apply(const std::string& path, const std::string& value);
    void step_fault_at(const std::string& path);

    std::optional<Dax> find_dax(const std::string& name) const;
    Dax need_dax(const std::string& name) const;
    std::optional<Region> find_region(const std::string& name) const;
    Region need_region(const std::string& name) const;
    std::optional<Hmem> find_hmem(const std::string& name) const;
    Hmem need_hmem(const std::string& name) const;

    std::uint64_t block_size() const;
    std::vector<std::uint64_t> whole_blocks(const Dax& dax) const;
    std::vector<std::uint64_t> present_blocks(const Dax& dax) const;
    bool any_online(const Dax& dax) const;

    // The rules.
    void block_state(std::uint64_t id, const std::string& value);
    void dax_bind(const std::string& name, const std::string& driver, const std::string& bind_path);
    void dax_unbind(const std::string& name, const std::string& driver,
                    const std::string& unbind_path);
    // A write to daxX.Y/memmap_on_memory (drivers/dax/bus.c memmap_on_memory_store).
    void dax_memmap_on_memory(const std::string& name, const std::string& value,
                              const std::string& path);
    // Kmem bind at device creation: a refusal leaves the device unbound, as a failed probe does.
    void default_kmem_bind(const std::string& name);
    void remove_dax_device(const Dax& dax, const std::string& cause);
    void remove_dax_devices_under(const std::string& dir, const std::string& cause);
    void region_bind(const std::string& name, const std::string& path);
    void region_unbind(const std::string& name, const std::string& path);
    void region_commit(const std::string& dir, const std::string& value, const std::string& path);
    void region_delete(const std::string& decoder_dir, const std::string& name,
                       const std::string& path);
    // Region creation (sim-kernel-create.cpp).
    std::string next_region_name() const;
    void region_create(const std::string& decoder_dir, const std::string& value,
                       const std::string& path);
    void region_attr(const std::string& dir, const std::string& attr, const std::string& value,
                     const std::string& path);
    void region_commit_targets(const std::string& dir, const std::string& path);
    void decoder_attr(const std::string& dir, const std::string& attr, const std::string& value,
                      const std::string& path);
    void detach_region_decoders(const Region& region);
    void run_create(const Step& step, std::string& target_path);
    // A write of region creation: true when it was one (and applied).
    bool apply_create(const std::string& path, const std::string& value);
    // Dynamic Capacity (sim-kernel-dcd.cpp, EXPERIMENTAL): the claim and destroy steps, and the
    // writes of uuid, size and dax_region/delete on a DC region (true when it was one).
    void run_dcd(const Step& step, std::string& target_path);
    bool apply_dcd(const std::string& path, const std::string& value);
    void dc_claim(const Snapshot& s, const CxlRegion& region, const Dax& dax,
                  const std::string& value, const std::string& path);
    void dc_new_seed(const CxlRegion& region, const Dax& claimed);
    void dc_resize(const CxlRegion& region, const Dax& dax, const std::string& value,
                   const std::string& path);
    void dc_delete(const CxlRegion& region, const std::string& value, const std::string& path);
    void hmem_bind(const std::string& name, const std::string& path);
    void hmem_unbind(const std::string& name, const std::string& path);
    // A new daxN.0 over the whole region, as a dax region's probe makes it, bound to kmem when
    // kmem takes it. `target_node` applies unless the simulator remembers the device.
    void create_dax_device(const std::string& region_dir, int region_id, std::uint64_t start,
                           std::uint64_t size, int target_node, bool cxl);

    // Uevents: `dir` is the device's tree-relative directory ("sys/devices/..."), whose kernel
    // devpath the event carries. They collect during one write and go to the log in one append.
    void announce(const std::string& action, const std::string& subsystem, const std::string& dir,
                  const std::string& driver = "");
    void flush_events();  // throws SystemError when the log cannot be written

    // /proc/iomem and the remembered facts of .sim-kernel/.
    void iomem_add(std::uint64_t start, std::uint64_t end, const std::string& name);
    void iomem_drop(const std::string& name, bool children);
    void record(const std::string& file, const std::string& line);
    std::vector<std::string> recorded(const std::string& file) const;
    bool leaked(std::uint64_t start, std::uint64_t end) const;
    // What a dax device that went away had, by its start address.
    struct Remembered {
        int node = -1;  // target_node
        int numa_node = -1;
        std::optional<bool> memmap_on_memory;
    };
    std::optional<Remembered> remembered(std::uint64_t start) const;
    // A line appended to the tree's kernel log, as the kernel logs a refusal
    // (sim-kernel-log.cpp): `level` is the syslog level, `message` the kernel's words.
    void kernel_says(int level, const std::string& message);
    // "DRIVER DEVICE: probe with driver DRIVER failed with error -ERROR".
    void kernel_says_probe_failed(const std::string& driver, const std::string& device, int error);
    std::string next_dax_dev() const;
    Snapshot snapshot() const;

    TreeEditor tree_;
    RootReader reader_;
    Shared& shared_;
    std::optional<SimFault> step_fault_;
    std::vector<SimFault> fail_after_;
    std::vector<Uevent> events_;
};

}  // namespace srmd
