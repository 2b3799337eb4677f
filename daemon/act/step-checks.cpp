#include "act/step-checks.hpp"

#include "read/dcd-abi.hpp"

namespace srmd {

namespace {

// --- reading what a step concerns

const DaxDevice* find_dax(const Snapshot& snapshot, const std::string& name) {
    return snapshot.dax_device(name);
}

int dax_index(const Snapshot& snapshot, const std::string& name) {
    for (std::size_t i = 0; i < snapshot.dax_devices.size(); ++i)
        if (snapshot.dax_devices[i].name == name)
            return static_cast<int>(i);
    return -1;
}

std::string block_state_path(const MemoryBlock& block) {
    return "/sys/devices/system/memory/memory" + std::to_string(block.id) + "/state";
}

bool block_movable(const MemoryBlock& block) {
    return block.valid_zones.substr(0, block.valid_zones.find(' ')) == "Movable";
}

struct DaxMemory {
    int blocks = 0;
    int online = 0;
    int movable = 0;  // of the online ones
    const MemoryBlock* first_online = nullptr;
    const MemoryBlock* first_offline = nullptr;
};

DaxMemory memory_of(const Snapshot& snapshot, const std::string& name) {
    DaxMemory memory;
    int index = dax_index(snapshot, name);
    if (index < 0)
        return memory;
    for (const MemoryBlock& block : snapshot.memory.blocks) {
        if (block.dax != index)
            continue;
        ++memory.blocks;
        if (block.state == "online") {
            ++memory.online;
            memory.movable += block_movable(block) ? 1 : 0;
            if (!memory.first_online)
                memory.first_online = &block;
        } else if (!memory.first_offline) {
            memory.first_offline = &block;
        }
    }
    return memory;
}

// The dax devices below a CXL region or an hmem device.
std::vector<std::string> dax_devices_of(const Snapshot& snapshot, DaxParentKind kind,
                                        const std::string& parent) {
    std::vector<std::string> names;
    for (const DaxDevice& dax : snapshot.dax_devices)
        if (dax.parent_kind == kind && dax.parent == parent)
            names.push_back(dax.name);
    return names;
}

bool is_dax_action(Action action) {
    return action == Action::OfflineMemory || action == Action::OnlineMemory ||
           action == Action::ReconfigureDax || action == Action::DisableDax ||
           action == Action::EnableDax;
}

bool is_region_action(Action action) {
    return action == Action::DisableRegion || action == Action::EnableRegion ||
           action == Action::DestroyRegion;
}

// The region a create-region step made (or was to make): the one under its root decoder at the
// address the spec names.
const CxlRegion* created_region(const Step& step, const Snapshot& snapshot) {
    if (!step.create)
        return nullptr;
    for (const CxlRegion& region : snapshot.regions)
        if (region.window == step.create->root_decoder && region.start &&
            *region.start == step.create->start)
            return &region;
    return nullptr;
}

// Regions under the step's root decoder that `before` did not have: what a create-region step
// left behind, wherever the kernel placed it.
std::vector<const CxlRegion*> new_regions(const Step& step, const Snapshot& before,
                                          const Snapshot& now) {
    std::vector<const CxlRegion*> found;
    for (const CxlRegion& region : now.regions)
        if (region.window == step.target && !before.region(region.name))
            found.push_back(&region);
    return found;
}

const char* driver_for(DaxMode mode) {
    return mode == DaxMode::SystemRam ? "kmem" : "device_dax";
}

}  // namespace

std::string step_text(const Step& step) {
    std::string text = std::string(to_string(step.action)) + " " + step.target;
    if (step.mode)
        text += std::string(" ") + to_string(*step.mode);
    if (step.zone)
        text += std::string(" ") + to_string(*step.zone);
    return text;
}

// --- what a step must have done

namespace {

Check pass() {
    return {};
}

}  // namespace

Check fail_check(std::string path, std::string message) {
    return {false, std::move(path), std::move(message)};
}

Check verify(const Step& step, const Snapshot& s) {
    const std::string& t = step.target;
    if (is_dax_action(step.action)) {
        const DaxDevice* dax = find_dax(s, t);
        if (!dax)
            return fail_check("/sys/bus/dax/devices/" + t, t + " is gone");
        DaxMemory memory = memory_of(s, t);
        switch (step.action) {
            case Action::OfflineMemory:
                if (memory.online > 0)
                    return fail_check(block_state_path(*memory.first_online),
                                      std::to_string(memory.online) + " of " +
                                          std::to_string(memory.blocks) + " memory blocks of " + t +
                                          " are still online");
                return pass();
            case Action::OnlineMemory:
                if (memory.blocks == 0)
                    return fail_check(dax->path, t + " has no memory blocks");
                if (memory.first_offline)
                    return fail_check(block_state_path(*memory.first_offline),
                                      std::to_string(memory.blocks - memory.online) + " of " +
                                          std::to_string(memory.blocks) + " memory blocks of " + t +
                                          " are still offline");
                if (step.zone == Zone::Movable && memory.movable != memory.online)
                    return fail_check(dax->path, std::to_string(memory.online - memory.movable) +
                                                     " memory blocks of " + t +
                                                     " are online outside ZONE_MOVABLE");
                if (step.zone == Zone::Normal && memory.movable != 0)
                    return fail_check(dax->path, std::to_string(memory.movable) +
                                                     " memory blocks of " + t +
                                                     " are online in ZONE_MOVABLE");
                return pass();
            case Action::EnableDax:
            case Action::ReconfigureDax: {
                std::string want = step.mode ? driver_for(*step.mode) : "";
                if (dax->driver != want)
                    return fail_check(
                        dax->path + "/driver",
                        t + " is " + (dax->driver.empty() ? "unbound" : "bound to " + dax->driver) +
                            ", not bound to " + want);
                return pass();
            }
            case Action::DisableDax:
                if (!dax->driver.empty())
                    return fail_check(dax->path + "/driver",
                                      t + " is still bound to " + dax->driver);
                return pass();
            default:
                return pass();
        }
    }
    if (step.action == Action::ClaimDcCapacity) {
        // The seed now holds the tag's capacity (read/dcd-abi.hpp): a size, and the tag.
        const DaxDevice* dax = find_dax(s, t);
        if (!dax)
            return fail_check("/sys/bus/dax/devices/" + t, t + " is gone");
        if (dax->size == 0)
            return fail_check(dax->path + "/size", t + " claimed no capacity");
        const std::string want = step.dc_tag.value_or("");
        if (dax->dc_tag.value_or("") != want)
            return fail_check(dax->path + "/" + std::string(dcd_abi::kDaxTag),
                              t + " holds capacity tagged '" + dax->dc_tag.value_or("") +
                                  "', not '" + want + "'");
        return pass();
    }
    if (step.action == Action::DestroyDax) {
        // Deleted, or (the region's first device, which the kernel keeps) back to size 0.
        const DaxDevice* dax = find_dax(s, t);
        if (dax && dax->size > 0)
            return fail_check(dax->path + "/size", t + " still holds its capacity");
        return pass();
    }
    if (step.action == Action::CreateRegion) {
        if (!step.create)
            return fail_check("/sys/bus/cxl/devices/" + t, "create-region step without a spec");
        const RegionSpec& spec = *step.create;
        const CxlRegion* region = created_region(step, s);
        if (!region)
            return fail_check("/sys/bus/cxl/devices/" + t,
                              "no region starts at the expected address under " + t);
        if (region->size != spec.size)
            return fail_check(region->path + "/size", region->name + " has the wrong size");
        if (!region->committed)
            return fail_check(region->path + "/commit", region->name + " is not committed");
        if (!region->enabled)
            return fail_check(region->path + "/driver",
                              region->name + " is not bound to cxl_region");
        if (!region->dax_region_enabled)
            return fail_check(region->path + "/" + region->dax_region,
                              region->name + "'s dax region did not come up");
        return pass();
    }
    if (is_region_action(step.action)) {
        const CxlRegion* region = s.region(t);
        if (step.action == Action::DestroyRegion)
            return region ? fail_check(region->path, t + " still exists") : pass();
        if (!region)
            return fail_check("/sys/bus/cxl/devices/" + t, t + " is gone");
        bool want = step.action == Action::EnableRegion;
        if (region->enabled != want)
            return fail_check(region->path + "/driver",
                              t + (want ? " is not enabled" : " is still enabled"));
        return pass();
    }
    const HmemDevice* hmem = s.hmem_device(t);
    if (!hmem)
        return fail_check("/sys/bus/platform/devices/" + t, t + " is gone");
    bool want = step.action == Action::ClaimHmem;
    if ((hmem->driver == "hmem") != want)
        return fail_check(hmem->path + "/driver",
                          t + (want ? " is not bound to hmem" : " is still bound to hmem"));
    return pass();
}

// --- what a step must never do

std::optional<Check> refusal(const Step& step, const Snapshot& s) {
    auto online_in = [&](const std::vector<std::string>& devices) -> std::optional<Check> {
        for (const std::string& name : devices) {
            DaxMemory memory = memory_of(s, name);
            if (memory.online > 0)
                return fail_check(block_state_path(*memory.first_online),
                                  "refused: " + name + " has " + std::to_string(memory.online) +
                                      " online memory blocks, which would leak until reboot");
        }
        return std::nullopt;
    };
    switch (step.action) {
        case Action::DisableDax:
            return online_in({step.target});
        case Action::ReconfigureDax: {
            const DaxDevice* dax = find_dax(s, step.target);
            if (dax && step.mode && dax->driver == driver_for(*step.mode))
                return std::nullopt;  // nothing is unbound
            return online_in({step.target});
        }
        case Action::DestroyDax: {
            // Giving capacity back takes it from whoever maps it: never online memory, never a
            // bound device.
            if (std::optional<Check> online = online_in({step.target}))
                return online;
            const DaxDevice* dax = find_dax(s, step.target);
            if (dax && !dax->driver.empty())
                return fail_check(dax->path + "/driver",
                                  "refused: " + step.target + " is bound to " + dax->driver);
            return std::nullopt;
        }
        case Action::DisableRegion:
            return online_in(dax_devices_of(s, DaxParentKind::Cxl, step.target));
        case Action::ReleaseHmem:
            return online_in(dax_devices_of(s, DaxParentKind::Hmem, step.target));
        case Action::DestroyRegion: {
            const CxlRegion* region = s.region(step.target);
            if (!region)
                return std::nullopt;
            const CxlWindow* window = s.window(region->window);
            if (region->locked.value_or(false) || (window && window->locked))
                return fail_check(region->path, "refused: " + step.target + " is locked");
            if (region->enabled)
                return fail_check(region->path + "/driver",
                                  "refused: " + step.target + " is enabled and may be in use");
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

// --- undoing

// What the target of a step looks like, to tell whether a failed step changed anything.
std::string target_state(const Step& step, const Snapshot& s) {
    const std::string& t = step.target;
    if (is_dax_action(step.action)) {
        const DaxDevice* dax = find_dax(s, t);
        if (!dax)
            return "absent";
        DaxMemory memory = memory_of(s, t);
        return dax->driver + " " + std::to_string(memory.blocks) + " " +
               std::to_string(memory.online) + " " + std::to_string(memory.movable);
    }
    if (step.action == Action::CreateRegion) {
        std::string state;
        for (const CxlRegion& region : s.regions)
            if (region.window == t)
                state +=
                    region.name + (region.enabled ? "+" : "-") + (region.committed ? "c " : "r ");
        return state.empty() ? "absent" : state;
    }
    if (is_region_action(step.action)) {
        const CxlRegion* region = s.region(t);
        if (!region)
            return "absent";
        return std::string(region->enabled ? "enabled " : "disabled ") +
               (region->committed ? "committed " : "reset ") + region->dax_region;
    }
    if (step.action == Action::ClaimDcCapacity || step.action == Action::DestroyDax) {
        const DaxDevice* dax = find_dax(s, t);
        if (!dax)
            return "absent";
        return dax->driver + " " + std::to_string(dax->size) + " " + dax->dc_tag.value_or("");
    }
    const HmemDevice* hmem = s.hmem_device(t);
    if (!hmem)
        return "absent";
    return hmem->driver + (hmem->has_dax_region ? " dax" : "");
}

namespace {

Step make_step(Action action, const Step& of, std::optional<DaxMode> mode = std::nullopt,
               std::optional<Zone> zone = std::nullopt, std::string target = "") {
    Step step;
    step.action = action;
    step.target = target.empty() ? of.target : target;
    step.range = of.range;
    step.reason = "roll back " + step_text(of);
    step.mode = mode;
    step.zone = zone;
    return step;
}

std::optional<DaxMode> mode_of_driver(const std::string& driver) {
    if (driver == "kmem")
        return DaxMode::SystemRam;
    if (driver == "device_dax")
        return DaxMode::Devdax;
    return std::nullopt;
}

// Memory of these devices that is online now must go offline before they can be unbound.
void offline_first(std::vector<Step>& steps, const Step& of,
                   const std::vector<std::string>& devices, const Snapshot& now) {
    for (const std::string& name : devices)
        if (memory_of(now, name).online > 0)
            steps.push_back(make_step(Action::OfflineMemory, of, std::nullopt, std::nullopt, name));
}

}  // namespace

// The steps that undo `step`, given the machine before it and now. Empty when there is nothing
// to undo or it cannot be undone.
std::vector<Step> inverse(const Step& step, const Snapshot& before, const Snapshot& now) {
    std::vector<Step> steps;
    const std::string& t = step.target;
    switch (step.action) {
        case Action::OfflineMemory: {
            DaxMemory was = memory_of(before, t);
            if (was.online == 0)
                break;
            std::optional<Zone> zone;
            if (was.movable == was.online)
                zone = Zone::Movable;
            else if (was.movable == 0)
                zone = Zone::Normal;
            steps.push_back(make_step(Action::OnlineMemory, step, std::nullopt, zone));
            break;
        }
        case Action::OnlineMemory:
            if (memory_of(now, t).online > memory_of(before, t).online)
                steps.push_back(make_step(Action::OfflineMemory, step));
            break;
        case Action::EnableDax:
        case Action::DisableDax:
        case Action::ReconfigureDax: {
            const DaxDevice* was = find_dax(before, t);
            if (!was)
                break;
            std::optional<DaxMode> previous = mode_of_driver(was->driver);
            if (step.mode && was->driver == driver_for(*step.mode))
                break;  // it was already so: the step changed nothing
            if (step.action == Action::DisableDax) {
                if (previous)
                    steps.push_back(make_step(Action::EnableDax, step, previous));
                break;
            }
            offline_first(steps, step, {t}, now);
            if (previous)
                steps.push_back(make_step(Action::ReconfigureDax, step, previous));
            else if (was->driver.empty())
                steps.push_back(make_step(Action::DisableDax, step));
            break;
        }
        case Action::DisableRegion: {
            const CxlRegion* was = before.region(t);
            if (was && was->enabled)
                steps.push_back(make_step(Action::EnableRegion, step));
            break;
        }
        case Action::EnableRegion: {
            const CxlRegion* was = before.region(t);
            if (was && !was->enabled) {
                offline_first(steps, step, dax_devices_of(now, DaxParentKind::Cxl, t), now);
                steps.push_back(make_step(Action::DisableRegion, step));
            }
            break;
        }
        case Action::DestroyRegion:
            break;  // decoders reset and the region deleted: nothing brings it back
        case Action::ReleaseHmem: {
            const HmemDevice* was = before.hmem_device(t);
            if (was && was->driver == "hmem")
                steps.push_back(make_step(Action::ClaimHmem, step));
            break;
        }
        case Action::CreateRegion:
            // A region srmd created that did not come up whole, or a later step failed: it was
            // never memory anyone used, so it goes again (disabled first: destroy refuses an
            // enabled region).
            for (const CxlRegion* region : new_regions(step, before, now)) {
                if (region->enabled) {
                    offline_first(steps, step,
                                  dax_devices_of(now, DaxParentKind::Cxl, region->name), now);
                    steps.push_back(make_step(Action::DisableRegion, step, std::nullopt,
                                              std::nullopt, region->name));
                }
                steps.push_back(make_step(Action::DestroyRegion, step, std::nullopt, std::nullopt,
                                          region->name));
            }
            break;
        case Action::ClaimHmem: {
            const HmemDevice* was = before.hmem_device(t);
            if (was && was->driver != "hmem") {
                offline_first(steps, step, dax_devices_of(now, DaxParentKind::Hmem, t), now);
                steps.push_back(make_step(Action::ReleaseHmem, step));
            }
            break;
        }
        case Action::ClaimDcCapacity:
            // A claim that a later step could not use gives its extents back: the device it
            // made (the seed it was written to) is destroyed again, unbound first.
            if (const DaxDevice* claimed = find_dax(now, t); claimed && claimed->size > 0) {
                const DaxDevice* was = find_dax(before, t);
                if (!was || was->size == 0) {
                    offline_first(steps, step, {t}, now);
                    if (!claimed->driver.empty())
                        steps.push_back(make_step(Action::DisableDax, step));
                    steps.push_back(make_step(Action::DestroyDax, step));
                }
            }
            break;
        case Action::DestroyDax:
            break;  // the extents went back to the region: the device that held them is gone
    }
    return steps;
}

}  // namespace srmd
