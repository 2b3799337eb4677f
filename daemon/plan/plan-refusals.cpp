// The planner's safety rules: of the steps the generators ask for, what may be done. Whatever a
// generator asks for passes through here, so every rule that protects memory lives in this file.
#include "ownership/managed-elsewhere.hpp"
#include "plan/plan-parts.hpp"
#include "util/format.hpp"

namespace srmd::plan_detail {

namespace {

// What the kernel will look like after the steps accepted so far, as far as the safety rules
// need to know: which drivers are bound and how much memory is online.
struct DeviceState {
    const DaxDevice* device = nullptr;
    std::string driver;
    int blocks = 0;
    int online = 0;
    std::optional<Zone> zone;
};

class SafetyCheck {
  public:
    explicit SafetyCheck(const RangeFacts& facts) : facts_(facts) {
        // The range's own devices, whose memory the range already counted, and the other
        // devices of the range's claimants (a region or hmem device reaching beyond the range),
        // whose memory is counted here. Nothing else can be touched by a step for this range.
        std::vector<std::size_t> outside;
        const std::vector<DaxDevice>& all = facts.snapshot.dax_devices;
        for (std::size_t i = 0; i < all.size(); ++i) {
            DeviceState state;
            state.device = &all[i];
            state.driver = all[i].driver;
            if (const RangeDax* dax = in_range(all[i].name)) {
                state.blocks = dax->memory.blocks;
                state.online = dax->memory.online;
                state.zone = dax->memory.zone;
            } else if (is_claimant(all[i].parent)) {
                outside.push_back(devices_.size());
                index_.push_back(i);
            } else {
                continue;
            }
            devices_.push_back(state);
        }
        if (!outside.empty())
            count_memory(outside);
    }

    // Why `step` may not be done now, or nullopt when it may.
    std::optional<Problem> refusal(const Intent& intent) const {
        const Step& step = intent.step;
        std::optional<Problem> unsafe = unsafe_reason(step);
        if (unsafe)
            return unsafe;
        // What the device itself asks for (a Dynamic Capacity release) is not the policy's
        // teardown: only the safety rules above decide about it.
        if (intent.device_release)
            return std::nullopt;
        bool allowed = intent.allow_teardown.value_or(facts_.desired.allow_teardown);
        std::string rule =
            intent.allow_teardown ? "rule " + intent.rule : rule_words(facts_.desired);
        if (is_teardown(step) && !allowed)
            return Problem{"teardown-not-allowed",
                           "srmd would have to " + describe(step) + ", which " +
                               teardown_words(step) + ": that is teardown, and " + rule +
                               " does not allow it (set allow_teardown: true in it to let srmd "
                               "do this)",
                           RangeStatus::Ok};
        return std::nullopt;
    }

    // Only the rule that protects online memory from an unbind, for the steps after a refused
    // offline: they would have found the memory still online.
    std::optional<Problem> unbind_refusal(const Step& step) const {
        if (!unbinds(step))
            return std::nullopt;
        return unsafe_reason(step);
    }

    void apply(const Step& step) {
        switch (step.action) {
            case Action::OfflineMemory:
                if (DeviceState* state = find(step.target))
                    state->online = 0;
                break;
            case Action::OnlineMemory:
                if (DeviceState* state = find(step.target)) {
                    state->online = state->blocks;
                    state->zone = step.zone;
                }
                break;
            case Action::ReconfigureDax:
            case Action::EnableDax:
                if (DeviceState* state = find(step.target))
                    state->driver = step.mode == DaxMode::Devdax ? "device_dax" : "kmem";
                break;
            case Action::DisableDax:
                if (DeviceState* state = find(step.target))
                    state->driver.clear();
                break;
            case Action::DisableRegion:
            case Action::DestroyRegion:
            case Action::ReleaseHmem:
                // The parent's dax region goes, and its devices with it.
                for (DeviceState& state : devices_)
                    if (state.device->parent == step.target)
                        state.driver.clear();
                break;
            case Action::DestroyDax:
                if (DeviceState* state = find(step.target)) {
                    state->driver.clear();
                    state->online = 0;
                    state->blocks = 0;
                }
                break;
            case Action::EnableRegion:
            case Action::ClaimHmem:
            case Action::CreateRegion:
            case Action::ClaimDcCapacity:
                break;
        }
    }

  private:
    const RangeDax* in_range(const std::string& name) const {
        for (const RangeDax& dax : facts_.range.dax)
            if (dax.device == name)
                return &dax;
        return nullptr;
    }

    bool is_claimant(const std::string& name) const {
        for (const Claimant& claimant : facts_.range.claimants)
            if (claimant.device == name)
                return true;
        return false;
    }

    // One pass over every memory block, for the few devices the range did not count; most
    // machines never need it.
    void count_memory(const std::vector<std::size_t>& slots) {
        std::vector<bool> kernel_zone(devices_.size(), false);
        for (const MemoryBlock& block : facts_.snapshot.memory.blocks) {
            for (std::size_t n = 0; n < slots.size(); ++n) {
                if (block.dax < 0 || static_cast<std::size_t>(block.dax) != index_[n])
                    continue;
                DeviceState& state = devices_[slots[n]];
                ++state.blocks;
                if (block.state == "online") {
                    ++state.online;
                    // Anything but Movable may hold unmovable allocations.
                    if (block.valid_zones.rfind("Movable", 0) != 0)
                        kernel_zone[slots[n]] = true;
                }
            }
        }
        for (std::size_t slot : slots)
            if (devices_[slot].online > 0)
                devices_[slot].zone = kernel_zone[slot] ? Zone::Normal : Zone::Movable;
    }

    DeviceState* find(const std::string& name) {
        for (DeviceState& state : devices_)
            if (state.device->name == name)
                return &state;
        return nullptr;
    }
    const DeviceState* find(const std::string& name) const {
        for (const DeviceState& state : devices_)
            if (state.device->name == name)
                return &state;
        return nullptr;
    }

    static bool unbinds(const Step& step) {
        switch (step.action) {
            case Action::ReconfigureDax:
            case Action::DisableDax:
            case Action::DisableRegion:
            case Action::DestroyRegion:
            case Action::ReleaseHmem:
                return true;
            default:
                return false;
        }
    }

    static const char* teardown_words(const Step& step) {
        switch (step.action) {
            case Action::OfflineMemory:
                return "takes memory away from whoever uses it";
            case Action::DisableDax:
            case Action::ReconfigureDax:
                return "takes the device away from whoever uses it";
            case Action::DisableRegion:
            case Action::ReleaseHmem:
                return "removes its dax region and dax devices";
            case Action::DestroyRegion:
                return "resets its decoders and cannot be undone";
            default:
                return "changes what is in use";
        }
    }

    // Teardown takes memory or a device away from a possible user; binding and onlining do not.
    bool is_teardown(const Step& step) const {
        const DeviceState* state = find(step.target);
        switch (step.action) {
            case Action::OfflineMemory:
                return state && state->online > 0;
            case Action::DisableDax:
            case Action::ReconfigureDax:
                return state && !state->driver.empty();
            case Action::DisableRegion:
            case Action::DestroyRegion:
            case Action::ReleaseHmem:
            case Action::DestroyDax:
                return true;
            case Action::OnlineMemory:
            case Action::EnableDax:
            case Action::EnableRegion:
            case Action::ClaimHmem:
            case Action::CreateRegion:
            case Action::ClaimDcCapacity:
                return false;
        }
        return true;
    }

    // When the kernel onlines hot-added memory by itself (Debian's 7.x default), memory in
    // ZONE_NORMAL is most likely its doing at boot, before srmd ran: say so, and what prevents
    // it from the next boot on.
    std::string boot_onlining_remedy() const {
        const std::string& setting = facts_.snapshot.memory.auto_online_blocks;
        if (setting != "online" && setting != "online_kernel")
            return "";
        return ". The kernel onlines hot-added memory itself (auto_online_blocks=" + setting +
               "), so it onlined this memory in ZONE_NORMAL when kmem bound the device at boot; "
               "for movable or devdax from the next boot on, boot with "
               "memhp_default_state=offline, or let srmd alone online memory "
               "(exclusive_onlining: true in the policy): srmd then installs its boot hook "
               "/etc/modprobe.d/srmd-kmem.conf, which loads kmem with auto_online_blocks=offline "
               "so that srmd onlines the memory where the policy says (srmd(8), BOOT HOOK)";
    }

    // The kernel's own limits and the rules that protect memory, whatever the policy allows.
    std::optional<Problem> unsafe_reason(const Step& step) const {
        const DeviceState* state = find(step.target);
        if (std::optional<Problem> elsewhere = managed_elsewhere_refusal(step, state))
            return elsewhere;
        switch (step.action) {
            case Action::OfflineMemory:
                if (state && state->online > 0 &&
                    (state->zone == Zone::Normal || state->zone == Zone::Mixed))
                    return refuse(
                        "offline-normal-refused",
                        "srmd would have to take " + step.target + "'s memory offline, but " +
                            (state->zone == Zone::Normal ? "it is" : "part of it is") +
                            " online in ZONE_NORMAL: the kernel puts unmovable allocations there, "
                            "so offlining usually fails, and such memory is to be considered "
                            "permanently attached until reboot" +
                            boot_onlining_remedy());
                break;
            case Action::OnlineMemory:
                return kmem_refusal(step, state);
            case Action::EnableDax:
            case Action::ReconfigureDax:
                // Neither driver can take a device whose memory the kernel still holds.
                for (const Problem& problem : facts_.range.problems)
                    if (problem.code == "memory-left-online")
                        return refuse(
                            "left-online-refused",
                            "srmd would have to " + describe(step) + ", but " + problem.message);
                if (step.action == Action::ReconfigureDax) {
                    std::optional<Problem> unbind = online_memory_refusal(step, state);
                    if (unbind)
                        return unbind;
                }
                if (step.mode == DaxMode::SystemRam)
                    return kmem_refusal(step, state);
                break;
            case Action::DisableDax:
                return online_memory_refusal(step, state);
            case Action::DisableRegion:
            case Action::ReleaseHmem:
                for (const DeviceState& child : devices_)
                    if (child.device->parent == step.target) {
                        std::optional<Problem> unbind = online_memory_refusal(step, &child);
                        if (unbind)
                            return unbind;
                    }
                break;
            case Action::DestroyRegion:
                return destroy_refusal(step);
            case Action::DestroyDax:
                // Giving extents back takes them from whoever maps them: only an unbound device.
                if (state && !state->driver.empty())
                    return refuse("dc-destroy-bound-refused",
                                  "srmd would have to " + describe(step) + ", but it is bound to " +
                                      state->driver);
                break;
            case Action::EnableRegion:
            case Action::ClaimHmem:
            case Action::CreateRegion:
            case Action::ClaimDcCapacity:
                break;
        }
        return std::nullopt;
    }

    // A dax device bound to a driver srmd does not manage (managed-elsewhere.hpp) is never
    // unbound, and its region or hmem device never taken away, whatever generator asked for it.
    std::optional<Problem> managed_elsewhere_refusal(const Step& step,
                                                     const DeviceState* state) const {
        const DeviceState* foreign = nullptr;
        switch (step.action) {
            case Action::OfflineMemory:
            case Action::OnlineMemory:
            case Action::ReconfigureDax:
            case Action::DisableDax:
            case Action::EnableDax:
            case Action::DestroyDax:
                if (state && managed_elsewhere(state->driver))
                    foreign = state;
                break;
            case Action::DisableRegion:
            case Action::DestroyRegion:
            case Action::ReleaseHmem:
                for (const DeviceState& child : devices_)
                    if (child.device->parent == step.target && managed_elsewhere(child.driver))
                        foreign = &child;
                break;
            case Action::EnableRegion:
            case Action::ClaimHmem:
            case Action::CreateRegion:
            case Action::ClaimDcCapacity:
                break;
        }
        if (!foreign)
            return std::nullopt;
        return refuse("managed-elsewhere-refused",
                      "srmd would have to " + describe(step) + ", but " +
                          managed_elsewhere_words(foreign->device->name, foreign->driver) +
                          ": whoever bound it manages it, and srmd never touches it; " +
                          wants_words() + ", so change it by hand if that is right");
    }

    std::string wants_words() const {
        return rule_words(facts_.desired) + " wants " + mode_words(facts_.desired);
    }

    // Unbinding kmem from online memory leaves the range reserved until reboot, and later binds
    // fail ("could not reserve region"); so no unbind while any of the device's blocks is online.
    std::optional<Problem> online_memory_refusal(const Step& step, const DeviceState* state) const {
        if (!state || state->online == 0 || state->driver.empty())
            return std::nullopt;
        return refuse("unbind-with-online-memory",
                      "srmd would have to " + describe(step) + " while " + state->device->name +
                          " has " + std::to_string(state->online) +
                          " memory blocks online: unbinding kmem from online memory leaves the "
                          "range unusable until reboot, so its memory must go offline first");
    }

    std::optional<Problem> destroy_refusal(const Step& step) const {
        const CxlRegion* region = facts_.snapshot.region(step.target);
        if (!region)
            return std::nullopt;
        if (region->locked.value_or(false))
            return refuse("locked-region", "srmd would have to destroy " + region->name +
                                               ", but it is locked: the kernel refuses to reset "
                                               "decoders the firmware locked");
        // Destroying a region resets its decoders: whatever memory is online in its address
        // range, whoever's dax device it belongs to, would lose what backs it.
        if (!region->start)
            return std::nullopt;
        Range span;
        span.start = *region->start;
        span.size = region->size;
        for (const DeviceState& state : devices_)
            if (state.online > 0 && overlaps_range(*state.device, span))
                return refuse("unbind-with-online-memory",
                              "srmd would have to destroy " + region->name + " while " +
                                  state.device->name + " has " + std::to_string(state.online) +
                                  " memory blocks online in its address range: destroying it "
                                  "resets its decoders under that memory");
        return std::nullopt;
    }

    // kmem's own refusals, checked before srmd asks: a device without a NUMA node, and one that
    // holds no whole memory block.
    std::optional<Problem> kmem_refusal(const Step& step, const DeviceState* state) const {
        if (!state)
            return std::nullopt;
        const DaxDevice& device = *state->device;
        if (device.target_node < 0)
            return refuse("invalid-target-node",
                          "srmd would have to " + describe(step) + ", but " + device.name +
                              " has target_node " + std::to_string(device.target_node) +
                              ": kmem refuses a device without a valid NUMA node");
        for (const Problem& problem : facts_.range.problems) {
            // Memory nothing decodes would fault on first use; the kernel cannot tell, so srmd
            // must.
            if (problem.code == "window-not-decoded")
                return refuse("not-decoded-refused",
                              "srmd would have to " + describe(step) + ", but " + problem.message);
        }
        if (step.memmap_on_memory.value_or(false)) {
            if (!device.memmap_on_memory)
                return refuse("memmap-on-memory-unsupported",
                              "srmd would have to " + describe(step) +
                                  " with memmap_on_memory, but " + device.name +
                                  " has no memmap_on_memory attribute: this kernel (before 6.8) "
                                  "cannot put the memory map in the memory kmem hot-adds; remove "
                                  "memmap_on_memory from the rule");
            const std::string& param = facts_.snapshot.memory.memmap_on_memory_param;
            if (param == "N" || param == "n" || param == "0")
                return refuse("memmap-on-memory-unsupported",
                              "srmd would have to " + describe(step) +
                                  " with memmap_on_memory, but memory hotplug's memmap_on_memory "
                                  "is off (memory_hotplug.memmap_on_memory=" +
                                  param +
                                  "), so the kernel refuses it (EOPNOTSUPP); boot with "
                                  "memory_hotplug.memmap_on_memory=1, or remove memmap_on_memory "
                                  "from the rule");
        }
        std::uint64_t block = facts_.snapshot.memory.block_size;
        if (block > 0 && whole_blocks(device, block) == 0)
            return refuse("smaller-than-block", "srmd would have to " + describe(step) + ", but " +
                                                    device.name + " (" + human_size(device.size) +
                                                    ") holds no whole " + human_size(block) +
                                                    " memory block: kmem rejects it");
        return std::nullopt;
    }

    static std::uint64_t whole_blocks(const DaxDevice& device, std::uint64_t block) {
        std::uint64_t count = 0;
        auto add = [&](std::uint64_t start, std::uint64_t end_exclusive) {
            std::uint64_t first = (start + block - 1) / block;
            std::uint64_t last = end_exclusive / block;
            if (last > first)
                count += last - first;
        };
        for (const DaxMapping& mapping : device.mappings)
            if (mapping.end >= mapping.start)
                add(mapping.start, mapping.end + 1);
        if (device.mappings.empty() && device.resource)
            add(*device.resource, *device.resource + device.size);
        return count;
    }

    static Problem refuse(std::string code, std::string message) {
        return {std::move(code), std::move(message), RangeStatus::Ok};
    }

    const RangeFacts& facts_;
    std::vector<DeviceState> devices_;
    std::vector<std::size_t> index_;  // snapshot index of each device counted by count_memory
};

}  // namespace

RangePlan vet(const RangeFacts& facts, const RangeIntent& intent) {
    RangePlan plan;
    plan.range = facts.range.id;
    plan.problems = intent.problems;
    SafetyCheck check(facts);
    std::vector<int> groups;  // of the accepted steps
    for (std::size_t i = 0; i < intent.steps.size(); ++i) {
        const Intent& next = intent.steps[i];
        std::optional<Problem> refusal = check.refusal(next);
        if (!refusal) {
            check.apply(next.step);
            plan.steps.push_back(next.step);
            groups.push_back(next.group);
            continue;
        }
        // The whole group goes: what came before the refused step in it only prepared for it.
        std::size_t dropped = intent.steps.size() - i - 1;
        while (!groups.empty() && groups.back() == next.group) {
            groups.pop_back();
            plan.steps.pop_back();
            ++dropped;
        }
        if (dropped > 0)
            refusal->message += " (" + std::to_string(dropped) +
                                (dropped == 1 ? " other step" : " other steps") +
                                " for this range not planned either)";
        plan.problems.push_back(std::move(*refusal));
        // An offline that was refused leaves the memory online; say so for the unbind that
        // depended on it, which is what an operator doing it by hand would run into next.
        if (next.step.action == Action::OfflineMemory) {
            for (std::size_t j = i + 1; j < intent.steps.size(); ++j) {
                std::optional<Problem> unbind = check.unbind_refusal(intent.steps[j].step);
                if (unbind) {
                    plan.problems.push_back(std::move(*unbind));
                    break;
                }
            }
        }
        break;
    }
    return plan;
}

}  // namespace srmd::plan_detail
