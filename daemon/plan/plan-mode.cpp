// Mode steps: bringing the wanted owner's dax devices to system-ram (in a zone), devdax or
// offline, and whether they already are.
#include "ownership/managed-elsewhere.hpp"
#include "ownership/usable.hpp"
#include "plan/plan-parts.hpp"
#include "util/format.hpp"

namespace srmd::plan_detail {

namespace {

const char* zone_name(Zone zone) {
    switch (zone) {
        case Zone::Movable:
            return "ZONE_MOVABLE";
        case Zone::Normal:
            return "ZONE_NORMAL";
        case Zone::Mixed:
            break;
    }
    return "more than one zone";
}

// The zone the rule asks for; nullopt when the kernel may choose. Mixed is no zone one can ask
// for, so it counts as no wish.
std::optional<Zone> wanted_zone(const Desired& desired) {
    if (desired.mode != Desired::Mode::SystemRam || !desired.zone || *desired.zone == Zone::Mixed)
        return std::nullopt;
    return desired.zone;
}

// Online memory that sits in another zone than the rule wants.
bool in_wrong_zone(const RangeDax& dax, const Desired& desired) {
    std::optional<Zone> zone = wanted_zone(desired);
    return zone && dax.memory.online > 0 && dax.memory.zone && *dax.memory.zone != *zone;
}

// "dax0.0 is system RAM (kmem, 16 of 16 memory blocks online in ZONE_MOVABLE)"
std::string state_words(const RangeDax& dax) {
    if (dax.driver.empty())
        return dax.device + " has no driver";
    if (dax.driver != "kmem")
        return dax.device + " is bound to " + dax.driver;
    std::string words = dax.device + " is system RAM (kmem, " + std::to_string(dax.memory.online) +
                        " of " + std::to_string(dax.memory.blocks) + " memory blocks online";
    if (dax.memory.online > 0 && dax.memory.zone)
        words += std::string(" in ") + zone_name(*dax.memory.zone);
    return words + ")";
}

std::string wants(const RangeFacts& facts) {
    return rule_words(facts.desired) + " wants " + mode_words(facts.desired);
}

void plan_system_ram(const RangeFacts& facts, const RangeDax& dax, int group, RangeIntent& intent) {
    const std::string& id = facts.range.id;
    std::optional<Zone> zone = wanted_zone(facts.desired);
    std::string why = state_words(dax) + " but " + wants(facts);
    if (dax.driver.empty()) {
        intent.add_bind(group, Action::EnableDax, dax.device, id, DaxMode::SystemRam,
                        why + ": bind it to kmem, which hot-adds its memory");
        intent.steps.back().step.memmap_on_memory = facts.desired.memmap_on_memory;
        intent.add_online(
            group, dax.device, id, zone,
            "bring the memory kmem hot-adds for " + dax.device + " online, as " + wants(facts));
    } else if (dax.driver == "device_dax") {
        intent.add_bind(group, Action::ReconfigureDax, dax.device, id, DaxMode::SystemRam,
                        why + ": rebind it from device_dax to kmem");
        intent.steps.back().step.memmap_on_memory = facts.desired.memmap_on_memory;
        intent.add_online(
            group, dax.device, id, zone,
            "bring the memory kmem hot-adds for " + dax.device + " online, as " + wants(facts));
    } else if (in_wrong_zone(dax, facts.desired)) {
        // Memory changes zone only by going offline and coming back online.
        intent.add(group, Action::OfflineMemory, dax.device, id,
                   why + ": memory changes zone only by going offline and coming back");
        intent.add_online(group, dax.device, id, zone,
                          "bring " + dax.device + "'s memory back online in " + zone_name(*zone));
    } else if (dax.memory.online < dax.memory.blocks) {
        intent.add_online(group, dax.device, id, zone, why);
    }
}

void plan_devdax(const RangeFacts& facts, const RangeDax& dax, int group, RangeIntent& intent) {
    const std::string& id = facts.range.id;
    std::string why = state_words(dax) + " but " + wants(facts);
    if (dax.driver.empty()) {
        intent.add_bind(group, Action::EnableDax, dax.device, id, DaxMode::Devdax,
                        why + ": bind it to device_dax");
    } else if (dax.driver == "kmem") {
        if (dax.memory.online > 0)
            intent.add(group, Action::OfflineMemory, dax.device, id,
                       why + ": its memory goes offline before kmem lets go of it");
        intent.add_bind(group, Action::ReconfigureDax, dax.device, id, DaxMode::Devdax,
                        why + ": rebind it from kmem to device_dax");
    }
}

void plan_offline(const RangeFacts& facts, const RangeDax& dax, int group, RangeIntent& intent) {
    const std::string& id = facts.range.id;
    std::string why = state_words(dax) + " but " + wants(facts);
    if (dax.driver == "kmem" && dax.memory.online > 0) {
        // kmem stays bound: the memory remains hot-added but offline, which is all "offline"
        // asks for, and bringing it back later is one online step with no rebind.
        intent.add(group, Action::OfflineMemory, dax.device, id,
                   why +
                       ": take its memory offline (kmem stays bound, so the memory stays "
                       "hot-added and can come back online without a rebind)");
    } else if (dax.driver == "device_dax") {
        intent.add(group, Action::DisableDax, dax.device, id,
                   why + ": unbind it from device_dax so that nothing can map it");
    }
}

// The owner holds no dax device in the range: what makes it create one.
void plan_bring_up(const RangeFacts& facts, RangeIntent& intent) {
    if (facts.want == Owner::Cxl) {
        const CxlRegion* region = containing_region(facts);
        if (!region) {
            intent.refuse("no-region-for-cxl",
                          rule_words(facts.desired) +
                              " wants cxl, but no committed CXL region contains the whole range: "
                              "the kernel gives a range to CXL only then, and srmd does not "
                              "assemble regions");
            return;
        }
        plan_region_probe(facts, *region, intent.new_group(),
                          "no dax device of " + region->name + " covers the range", intent);
        return;
    }
    const HmemDevice* hmem = covering_hmem(facts);
    if (!hmem) {
        refuse_needs_global(facts, intent);
        return;
    }
    int group = intent.new_group();
    std::string why = rule_words(facts.desired) + " wants hmem to hold the range";
    if (hmem->driver != "hmem") {
        intent.add(group, Action::ClaimHmem, hmem->name, facts.range.id,
                   why + " but " + hmem->name +
                       " is not bound: binding it registers its dax region and device, whose "
                       "mode the next pass plans once the device exists");
        return;
    }
    // Bound but without a device for the range: its probe lost a race that is over now; a
    // fresh probe creates the device.
    intent.add(group, Action::ReleaseHmem, hmem->name, facts.range.id,
               why + " but " + hmem->name + " has no dax device for it: unbind it to probe again");
    intent.add(group, Action::ClaimHmem, hmem->name, facts.range.id,
               "bind " + hmem->name +
                   " again so that it creates its dax device; the next pass plans the device's "
                   "mode once it exists");
}

}  // namespace

bool converged(const RangeFacts& facts) {
    if (facts.range.dc)
        return dc_converged(facts);
    const Desired& desired = facts.desired;
    if (desired.mode == Desired::Mode::Ignore)
        return true;
    if (desired.only_unusable && usable(facts.range))
        return true;
    if (facts.want == Owner::None)
        // Nobody should hold it and nobody does: only "offline" is already true of it.
        return desired.mode == Desired::Mode::Offline;
    if (ownership_change_needed(facts))
        return false;
    if (desired.mode == Desired::Mode::Offline) {
        // Nothing in use, whoever's device it is.
        for (const RangeDax& dax : facts.range.dax)
            if (dax.memory.online > 0 || dax.driver == "device_dax" ||
                managed_elsewhere(dax.driver))
                return false;
        return true;
    }
    std::vector<const RangeDax*> devices = devices_of(facts, side_of(facts.want));
    if (devices.empty())
        return false;
    for (const RangeDax* dax : devices) {
        if (desired.only_unusable && usable_dax(*dax))
            continue;
        if (desired.mode == Desired::Mode::Devdax) {
            if (dax->driver != "device_dax")
                return false;
            continue;
        }
        if (dax->driver != "kmem" || dax->memory.blocks == 0 ||
            dax->memory.online < dax->memory.blocks || in_wrong_zone(*dax, desired))
            return false;
    }
    return true;
}

void plan_device_mode(const RangeFacts& facts, const RangeDax& dax, int group,
                      RangeIntent& intent) {
    if (managed_elsewhere(dax.driver)) {
        // fsdev_dax and whatever comes next: someone chose it on purpose, and srmd does not know
        // what unbinding it would break (managed-elsewhere.hpp).
        intent.refuse("managed-elsewhere-refused",
                      managed_elsewhere_words(dax.device, dax.driver) +
                          ": whoever bound it manages it, and srmd never touches it; " +
                          wants(facts) + ", so change it by hand if that is right");
        return;
    }
    if (dax.driver == "kmem" && dax.memory.blocks == 0 &&
        facts.desired.mode == Desired::Mode::SystemRam) {
        intent.refuse("no-memory-blocks",
                      dax.device +
                          " is bound to kmem but no memory block belongs to it: "
                          "there is nothing to bring online");
        return;
    }
    switch (facts.desired.mode) {
        case Desired::Mode::SystemRam:
            plan_system_ram(facts, dax, group, intent);
            break;
        case Desired::Mode::Devdax:
            plan_devdax(facts, dax, group, intent);
            break;
        case Desired::Mode::Offline:
            plan_offline(facts, dax, group, intent);
            break;
        case Desired::Mode::Ignore:
            break;
    }
}

void plan_modes(const RangeFacts& facts, RangeIntent& intent) {
    if (facts.want == Owner::None) {
        intent.refuse("no-owner", rule_words(facts.desired) + " wants " +
                                      mode_words(facts.desired) +
                                      " but leaves the owner to the kernel, whose rule gives this "
                                      "range to nobody (no committed CXL region contains it and "
                                      "it is not Soft Reserved): nothing can bring it up");
        return;
    }
    std::vector<const RangeDax*> devices = devices_of(facts, side_of(facts.want));
    if (devices.empty()) {
        // Offline asks for nothing in use, which a range without devices already is.
        if (facts.desired.mode != Desired::Mode::Offline)
            plan_bring_up(facts, intent);
        return;
    }
    // One group per device: a refusal for one device does not undo what was planned for the
    // devices before it, which is independent of it.
    for (const RangeDax* dax : devices) {
        if (facts.desired.only_unusable && usable_dax(*dax))
            continue;  // in use as it is, which is all the rule asks of it
        plan_device_mode(facts, *dax, intent.new_group(), intent);
    }
}

}  // namespace srmd::plan_detail
