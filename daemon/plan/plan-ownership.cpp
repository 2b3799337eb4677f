// Ownership changes: handing a range from hmem to CXL or from CXL to hmem, as far as the kernel
// lets userspace do that one range at a time (kernel-interfaces.md §4).
//
// Which kernel generation we face is told by what the snapshot shows, not by the version alone:
// - An hmem device exists for a range inside a CXL window: the kernel let hmem register it, as
//   kernels before 7.1 do for any Soft Reserved range (they do not coordinate with CXL), and as
//   7.1 does for a range CXL did not claim at boot. Either way the device can be bound and
//   unbound, so the range can change hands by itself.
// - No hmem device exists for it: hmem never registered one (7.1 dropped it because CXL claimed
//   it; 6.3 and later deferred it to CXL). Nothing per range brings one back: only unloading
//   cxl_acpi removes the CXL windows so that hmem registers the range again, and that changes
//   every window at once. The kernel release (7.1 or later: the kernel coordinates) only decides
//   how the refusal explains it.
#include <cstdio>

#include "plan/plan-parts.hpp"
#include "util/format.hpp"

namespace srmd::plan_detail {

namespace {

// 7.1 and later give a range in a CXL window to CXL when a committed region contains it, and
// never register an hmem device for it after boot.
bool kernel_coordinates(const Snapshot& snapshot) {
    int major = 0;
    int minor = 0;
    if (std::sscanf(snapshot.kernel_release.c_str(), "%d.%d", &major, &minor) != 2)
        return false;
    return major > 7 || (major == 7 && minor >= 1);
}

const RangeDax* range_dax(const RangeFacts& facts, const std::string& name) {
    for (const RangeDax& dax : facts.range.dax)
        if (dax.device == name)
            return &dax;
    return nullptr;
}

}  // namespace

// Offline and unbind every bound dax device of `parent` (a region or an hmem device), so that
// unbinding the parent takes nothing that is still in use.
void plan_release_devices(const RangeFacts& facts, const std::string& parent,
                          const std::string& why, int group, RangeIntent& intent) {
    for (const DaxDevice& device : facts.snapshot.dax_devices) {
        if (device.parent != parent || device.driver.empty())
            continue;
        const RangeDax* dax = range_dax(facts, device.name);
        if (device.driver == "kmem" && dax && dax->memory.online > 0)
            intent.add(group, Action::OfflineMemory, device.name, facts.range.id,
                       why + ": " + device.name + "'s " + std::to_string(dax->memory.online) +
                           " online memory blocks go offline before " + parent +
                           " lets go of them");
        intent.add(group, Action::DisableDax, device.name, facts.range.id,
                   why + ": unbind " + device.name + " from " + device.driver + " before " +
                       parent + " lets go of it");
    }
}

// Every hmem device that holds something in the range: its dax region (which blocks CXL's) or a
// bound dax device.
std::vector<const HmemDevice*> hmem_holders(const RangeFacts& facts) {
    std::vector<const HmemDevice*> holders;
    auto add = [&](const std::string& name) {
        const HmemDevice* hmem = facts.snapshot.hmem_device(name);
        if (!hmem)
            return;
        for (const HmemDevice* known : holders)
            if (known == hmem)
                return;
        holders.push_back(hmem);
    };
    for (const Claimant& claimant : facts.range.claimants)
        if (claimant.kind == Claimant::Kind::Hmem && claimant.committed)
            add(claimant.device);
    for (const RangeDax* dax : devices_of(facts, DaxParentKind::Hmem))
        if (is_bound(*dax))
            add(facts.snapshot.dax_device(dax->device)->parent);
    return holders;
}

namespace {

// Whether `region` stands in hmem's way: it has bound devices, its dax region is registered
// (the kernel allows one dax region per address range), or it covers only part of the range, so
// that its resource makes hmem's whole-range device fail to reserve its memory.
bool blocks_hmem(const RangeFacts& facts, const Claimant& claimant, const CxlRegion& region) {
    if (!claimant.full)
        return true;
    if (region.enabled && region.dax_region_enabled)
        return true;
    for (const RangeDax* dax : devices_of(facts, DaxParentKind::Cxl))
        if (is_bound(*dax) && facts.snapshot.dax_device(dax->device)->parent == region.name)
            return true;
    return false;
}

void take_for_cxl(const RangeFacts& facts, RangeIntent& intent) {
    const CxlRegion* region = containing_region(facts);
    // No region holds the whole range: recover a committed region's part that lost to hmem (seed
    // case [4]), or create a region where hmem holds the range (plan-create.cpp).
    if (!region && plan_partial_for_cxl(facts, intent))
        return;
    if (!region && plan_create_for_cxl(facts, intent))
        return;
    if (!region) {
        intent.refuse("no-region-for-cxl",
                      rule_words(facts.desired) +
                          " wants cxl, but no committed CXL region contains the whole range: "
                          "releasing hmem would leave the memory to nobody, so srmd keeps it "
                          "with hmem");
        return;
    }
    std::vector<const HmemDevice*> holders = hmem_holders(facts);
    // Releasing an hmem device takes all of its devices; one reaching outside the range would
    // take memory no rule here speaks for.
    for (const HmemDevice* hmem : holders)
        for (const DaxDevice& device : facts.snapshot.dax_devices)
            if (device.parent == hmem->name && !device.driver.empty() &&
                !overlaps_range(device, facts.range)) {
                intent.refuse("hmem-beyond-range", rule_words(facts.desired) +
                                                       " wants cxl, but releasing " + hmem->name +
                                                       " would also take " + device.name +
                                                       ", which lies outside this range");
                return;
            }

    int group = intent.new_group();
    for (const HmemDevice* hmem : holders) {
        std::string why = hmem->name + " holds this range but " + rule_words(facts.desired) +
                          " wants cxl (" + region->name + " is committed and contains it)";
        plan_release_devices(facts, hmem->name, why, group, intent);
        if (hmem->driver == "hmem")
            intent.add(group, Action::ReleaseHmem, hmem->name, facts.range.id,
                       why + ": releasing " + hmem->name + " removes its dax region, which keeps " +
                           region->name + "'s from registering");
    }
    plan_region_probe(facts, *region, group, "hmem has let go of the range", intent);
}

void take_for_hmem(const RangeFacts& facts, RangeIntent& intent) {
    const HmemDevice* hmem = covering_hmem(facts);
    if (!hmem) {
        refuse_needs_global(facts, intent);
        return;
    }
    struct Blocking {
        const Claimant* claimant;
        const CxlRegion* region;
    };
    std::vector<Blocking> blocking;
    for (const Claimant& claimant : facts.range.claimants) {
        if (claimant.kind != Claimant::Kind::Cxl)
            continue;
        const CxlRegion* region = facts.snapshot.region(claimant.device);
        if (region && blocks_hmem(facts, claimant, *region))
            blocking.push_back({&claimant, region});
    }
    // Check what cannot be done before planning anything, so that nothing is torn down for a
    // handover that then stops halfway.
    for (const Blocking& block : blocking) {
        if (block.claimant->full)
            continue;
        // A region in the way of hmem's whole-range device can only go by being destroyed.
        // Destroying resets its decoders: a committed region's addresses would then be decoded
        // by nothing while hmem's device hands them out as memory. So only a region that never
        // committed (a failed assembly) may be destroyed, and a locked one never.
        if (block.region->locked.value_or(false)) {
            intent.refuse("locked-region",
                          rule_words(facts.desired) + " wants hmem, but " + block.region->name +
                              " covers only part of the range and would have to be destroyed "
                              "for " +
                              hmem->name +
                              "'s device to take the whole range; it is locked, and the kernel "
                              "refuses to reset decoders the firmware locked");
            return;
        }
        if (block.region->committed) {
            intent.refuse("committed-region-in-the-way",
                          rule_words(facts.desired) + " wants hmem, but committed " +
                              block.region->name + " decodes " + human_size(block.claimant->size) +
                              " of this " + human_size(facts.range.size) + " range; " + hmem->name +
                              "'s device could only take the whole range if the region were "
                              "destroyed, which resets the decoders behind that memory and "
                              "leaves hmem's device over addresses no device backs (which srmd "
                              "would then refuse to online). srmd never destroys a committed "
                              "region: give the range to cxl (srmd then recovers the region's "
                              "part), or change the firmware's layout");
            return;
        }
    }

    int group = intent.new_group();
    for (const Blocking& block : blocking) {
        const CxlRegion& region = *block.region;
        std::string why = rule_words(facts.desired) + " wants hmem (" + hmem->name +
                          ") to hold this range, but " + region.name + " stands in its way";
        plan_release_devices(facts, region.name, why, group, intent);
        if (region.enabled)
            intent.add(group, Action::DisableRegion, region.name, facts.range.id,
                       why + ": disabling " + region.name + " removes its dax region" +
                           (region.dax_region.empty() ? "" : " (" + region.dax_region + ")"));
        if (!block.claimant->full)
            // Only an uncommitted region gets here (see above): it decodes nothing.
            intent.add(group, Action::DestroyRegion, region.name, facts.range.id,
                       region.name + " never committed but holds " +
                           human_size(block.claimant->size) +
                           " of this range's addresses: it "
                           "must go before " +
                           hmem->name + "'s device can reserve the whole range");
    }
    if (hmem->driver != "hmem") {
        intent.add(group, Action::ClaimHmem, hmem->name, facts.range.id,
                   rule_words(facts.desired) + " wants hmem to hold this range: binding " +
                       hmem->name +
                       " registers its dax region and device, whose mode the next pass plans "
                       "once the device exists");
        return;
    }
    std::vector<const RangeDax*> devices = devices_of(facts, DaxParentKind::Hmem);
    if (devices.empty()) {
        intent.add(group, Action::ReleaseHmem, hmem->name, facts.range.id,
                   hmem->name +
                       " is bound but has no dax device for this range: unbind it to "
                       "probe again");
        intent.add(group, Action::ClaimHmem, hmem->name, facts.range.id,
                   "bind " + hmem->name +
                       " again so that it creates its dax device; the next pass plans the "
                       "device's mode once it exists");
        return;
    }
    // hmem's devices exist (they could not bind while CXL stood in the way): their mode belongs
    // to the same handover, so a refusal there keeps the CXL side as it is.
    for (const RangeDax* dax : devices)
        plan_device_mode(facts, *dax, group, intent);
}

}  // namespace

const CxlRegion* containing_region(const RangeFacts& facts) {
    for (const Claimant& claimant : facts.range.claimants)
        if (claimant.kind == Claimant::Kind::Cxl && claimant.committed && claimant.full)
            return facts.snapshot.region(claimant.device);
    return nullptr;
}

const HmemDevice* covering_hmem(const RangeFacts& facts) {
    for (const Claimant& claimant : facts.range.claimants)
        if (claimant.kind == Claimant::Kind::Hmem && claimant.full)
            return facts.snapshot.hmem_device(claimant.device);
    return nullptr;
}

bool ownership_change_needed(const RangeFacts& facts) {
    bool anything_bound = false;
    for (const RangeDax& dax : facts.range.dax)
        anything_bound = anything_bound || is_bound(dax);
    // "Offline" wants nothing in use; a range nobody uses already is that, whoever may hold it.
    if (facts.desired.mode == Desired::Mode::Offline && !anything_bound)
        return false;
    if (facts.want == Owner::Cxl) {
        for (const RangeDax* dax : devices_of(facts, DaxParentKind::Hmem))
            if (is_bound(*dax))
                return true;
        for (const Claimant& claimant : facts.range.claimants)
            if (claimant.kind == Claimant::Kind::Hmem && claimant.committed)
                return true;
        return false;
    }
    if (facts.want == Owner::Hmem) {
        for (const RangeDax* dax : devices_of(facts, DaxParentKind::Cxl))
            if (is_bound(*dax))
                return true;
        for (const Claimant& claimant : facts.range.claimants) {
            if (claimant.kind != Claimant::Kind::Cxl)
                continue;
            const CxlRegion* region = facts.snapshot.region(claimant.device);
            if (region && blocks_hmem(facts, claimant, *region))
                return true;
        }
    }
    return false;
}

void plan_ownership(const RangeFacts& facts, RangeIntent& intent) {
    if (facts.want == Owner::Cxl)
        take_for_cxl(facts, intent);
    else if (facts.want == Owner::Hmem)
        take_for_hmem(facts, intent);
}

void plan_region_probe(const RangeFacts& facts, const CxlRegion& region, int group,
                       const std::string& why, RangeIntent& intent) {
    std::string next = "once its dax device exists, the next pass plans what " +
                       rule_words(facts.desired) + " wants of it (" + mode_words(facts.desired) +
                       ")";
    if (!region.enabled) {
        intent.add(
            group, Action::EnableRegion, region.name, facts.range.id,
            why + ": enabling " + region.name + " creates its dax region and dax device; " + next);
        return;
    }
    plan_release_devices(facts, region.name, why, group, intent);
    intent.add(group, Action::DisableRegion, region.name, facts.range.id,
               why + ": " + region.name +
                   " is enabled but its dax region did not come up; disable it to probe again");
    intent.add(group, Action::EnableRegion, region.name, facts.range.id,
               "enable " + region.name + " again so that it creates its dax region and dax " +
                   "device; " + next);
}

void refuse_needs_global(const RangeFacts& facts, RangeIntent& intent) {
    std::string wants = rule_words(facts.desired) + " wants hmem to hold this range";
    if (!facts.range.window) {
        intent.refuse("no-hmem-device",
                      wants +
                          ", but no hmem device exists for it: the kernel creates them at "
                          "boot from the firmware's Soft Reserved ranges, and srmd cannot "
                          "create one");
        return;
    }
    std::string why;
    if (kernel_coordinates(facts.snapshot))
        why = "this kernel (" + facts.snapshot.kernel_release +
              ") leaves a range in a CXL window to CXL when a committed region contains it and "
              "never registers an hmem device for it afterwards";
    else
        why =
            "no hmem device exists for it (kernels since 6.3 leave ranges in a CXL window to "
            "CXL and register none for them)";
    std::string windows = std::to_string(facts.snapshot.windows.size());
    std::string message =
        wants + ", but " + why +
        ": the only way is to unload cxl_acpi, which removes every CXL window (" + windows +
        " on this machine) and so changes every CXL range at once, then reload dax_hmem. ";
    if (facts.desired.allow_global)
        message +=
            "The policy allows global changes, but srmd does not make this one by itself in "
            "this version: an operator has to, after taking the memory of every CXL range "
            "offline";
    else
        message += "srmd makes no global change unless the policy allows it";
    intent.refuse("needs-global-change", message);
}

}  // namespace srmd::plan_detail
