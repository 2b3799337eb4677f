// Planning a Dynamic Capacity range (EXPERIMENTAL, read/dcd-abi.hpp), by what the policy wants of
// each allocation (Desired::dc_tags):
//   1. releases first. The device asked for capacity back and the kernel ignores it while a dax
//      device uses the extents; srmd frees what it safely can (movable or offline kmem memory goes
//      offline, the device is unbound and destroyed) so that the device's next request succeeds,
//      and refuses what it cannot (devdax, a driver it does not manage, ZONE_NORMAL memory).
//      The device asks for these steps, not the policy: allow_teardown does not gate them, the
//      safety rules in plan-refusals.cpp still do (Intent::device_release);
//   2. one claim of unclaimed capacity a tag's rule wants in use: the claim is written to the
//      region's seed, which becomes the allocation's device, and the kernel makes a new seed;
//      so one claim a plan. The pass plans again once the claim made its device
//      (act/executor.hpp, wants_another_round), and that plan brings the new device to its mode
//      and claims the next tag (or untagged extent);
//   3. every device that exists (and is not being released) brought to its tag's mode with
//      plan_device_mode, the tag's rule standing in for the range's.
#include <algorithm>

#include "ownership/dc-extents.hpp"
#include "ownership/managed-elsewhere.hpp"
#include "ownership/usable.hpp"
#include "plan/plan-parts.hpp"
#include "util/format.hpp"

namespace srmd::plan_detail {

namespace {

const RangeDax* dax_of(const Range& range, const std::string& device) {
    for (const RangeDax& dax : range.dax)
        if (dax.device == device)
            return &dax;
    return nullptr;
}

// The tag of the capacity a device holds: its extents', else what the kernel says of it.
std::string tag_of(const RangeFacts& facts, const std::string& device) {
    for (const RangeDcExtent& extent : facts.range.dc->extents)
        if (extent.device == device)
            return extent.tag;
    const DaxDevice* dax = facts.snapshot.dax_device(device);
    return dax && dax->dc_tag ? *dax->dc_tag : std::string();
}

// The Desired a tag's wish amounts to, for the helpers that plan one device.
Desired desired_of(const Desired::Tag& wish) {
    Desired desired;
    desired.owner = Owner::Cxl;
    desired.mode = wish.mode;
    desired.zone = wish.zone;
    desired.allow_teardown = wish.allow_teardown;
    desired.only_unusable = wish.only_unusable;
    desired.rule = wish.rule;
    desired.memmap_on_memory = wish.memmap_on_memory;
    return desired;
}

const Desired::Tag* wish_for(const Desired& desired, const std::string& tag) {
    for (const Desired::Tag& wish : desired.dc_tags)
        if (wish.tag == tag)
            return &wish;
    return nullptr;
}

class DcPlanner {
  public:
    DcPlanner(const RangeFacts& facts, RangeIntent& intent)
        : facts_(facts), dc_(*facts.range.dc), intent_(intent) {}

    void plan() {
        plan_releases();
        plan_claim();
        plan_modes();
    }

  private:
    // The request's words: "the device asked for tag X (1 GiB at offset 0x0 of region0) back".
    std::string request_words(const DcReleaseRequest& request) const {
        return "the device asked for " + dc_tag_words(request.tag) + " (" +
               human_size(request.length) + " at offset " + hex(request.offset) + " of " +
               dc_.region + ") back";
    }

    void add_release_step(int group, Action action, const std::string& device, std::string why) {
        intent_.add(group, action, device, facts_.range.id, std::move(why));
        intent_.steps.back().device_release = true;
    }

    void plan_releases() {
        for (const DcReleaseRequest& request : dc_.release_requests) {
            for (const std::string& holder : release_holders(dc_, request)) {
                if (std::find(released_.begin(), released_.end(), holder) != released_.end())
                    continue;
                released_.push_back(holder);
                if (const RangeDax* dax = dax_of(facts_.range, holder))
                    plan_release(request, *dax);
            }
        }
    }

    void plan_release(const DcReleaseRequest& request, const RangeDax& dax) {
        std::string asked = request_words(request) + " and " + dax.device + " holds it";
        std::string again =
            "; the kernel ignores the request until no dax device uses the extents, so the "
            "device (or its fabric manager) must ask again after that";
        if (managed_elsewhere(dax.driver)) {
            intent_.refuse("dc-release-refused",
                           asked + ", but " + managed_elsewhere_words(dax.device, dax.driver) +
                               ": srmd never takes it away; whoever uses it must stop and unbind "
                               "it, and srmd then destroys " +
                               dax.device + again);
            return;
        }
        if (dax.driver == "device_dax") {
            intent_.refuse("dc-release-refused",
                           asked + ", but " + dax.device +
                               " is a devdax device (bound to device_dax): srmd cannot tell "
                               "whether a program maps it, so it does not take it away; stop "
                               "what uses it and unbind it (daxctl disable-device " +
                               dax.device + "), and srmd then destroys it" + again);
            return;
        }
        if (dax.driver == "kmem" && dax.memory.online > 0 && dax.memory.zone &&
            *dax.memory.zone != Zone::Movable) {
            intent_.refuse("dc-release-refused",
                           asked + ", but " +
                               (*dax.memory.zone == Zone::Normal ? "its" : "part of its") +
                               " memory is online in ZONE_NORMAL: the kernel puts unmovable "
                               "allocations there, so offlining it usually fails, and srmd never "
                               "gives back memory that is still online; the capacity can only be "
                               "released after a reboot that leaves it offline or movable");
            return;
        }
        int group = intent_.new_group();
        const std::string& name = dax.device;
        if (dax.driver == "kmem") {
            if (dax.memory.online > 0)
                add_release_step(group, Action::OfflineMemory, name,
                                 asked +
                                     ": take its memory offline (ZONE_MOVABLE) first, since "
                                     "srmd never gives back memory that is still online");
            add_release_step(group, Action::DisableDax, name,
                             "unbind " + name + " from kmem, which removes its memory");
        }
        add_release_step(group, Action::DestroyDax, name,
                         (dax.driver.empty() ? asked + ": destroy" : std::string("destroy")) + " " +
                             name + " so that its extents are unused" + again);
    }

    bool released(const std::string& device) const {
        return std::find(released_.begin(), released_.end(), device) != released_.end() ||
               std::any_of(dc_.extents.begin(), dc_.extents.end(), [&](const RangeDcExtent& e) {
                   return e.device == device && e.release_requested;
               });
    }

    void plan_claim() {
        for (const Desired::Tag& wish : facts_.desired.dc_tags) {
            if (wish.mode != Desired::Mode::SystemRam && wish.mode != Desired::Mode::Devdax)
                continue;  // offline and ignore leave the capacity unclaimed
            int count = 0;
            std::uint64_t bytes = 0;
            for (const RangeDcExtent& extent : dc_.extents)
                if (extent.tag == wish.tag && extent.device.empty() && !extent.release_requested) {
                    ++count;
                    bytes += extent.length;
                }
            if (count == 0)
                continue;
            std::string wants = "rule " + wish.rule + " wants " +
                                (wish.mode == Desired::Mode::Devdax ? "devdax" : "system-ram");
            std::string unclaimed = std::to_string(count) + (count == 1 ? " extent" : " extents") +
                                    " (" + dc_tag_words(wish.tag) + ", " + human_size(bytes) +
                                    ") of " + dc_.region + " no dax device claimed, and " + wants;
            if (dc_.seed.empty()) {
                intent_.refuse("dc-no-seed",
                               unclaimed + ", but " + dc_.dax_region +
                                   " has no 0-size seed dax device to claim it with: the kernel "
                                   "makes a new seed after each claim, so its dax region is not "
                                   "as the kernel leaves it");
                return;
            }
            if (claimed_)
                continue;  // the seed is taken by this plan's claim: the next plan claims this one
            claimed_ = true;
            std::string how =
                wish.tag.empty()
                    ? ": claim one of them with the seed " + dc_.seed +
                          " (each untagged extent is a dax device of its own, and each claim "
                          "takes the region's seed, so srmd plans again for the next one)"
                    : ": write the tag to the seed " + dc_.seed +
                          "'s uuid, which gives it every extent of the tag";
            intent_.add(intent_.new_group(), Action::ClaimDcCapacity, dc_.seed, facts_.range.id,
                        unclaimed + how +
                            "; srmd plans again once the new device exists and brings it to " +
                            (wish.mode == Desired::Mode::Devdax ? "devdax" : "system-ram"));
            intent_.steps.back().step.dc_tag = wish.tag;
        }
    }

    void plan_modes() {
        for (const RangeDax& dax : facts_.range.dax) {
            if (dax.size == 0 || released(dax.device))
                continue;
            const Desired::Tag* wish = wish_for(facts_.desired, tag_of(facts_, dax.device));
            if (!wish || wish->mode == Desired::Mode::Ignore)
                continue;
            if (wish->only_unusable && usable_dax(dax))
                continue;  // in use as it is, which is all the rule asks of it
            Desired desired = desired_of(*wish);
            RangeFacts facts{facts_.snapshot, facts_.range, desired, Owner::Cxl};
            std::size_t first = intent_.steps.size();
            plan_device_mode(facts, dax, intent_.new_group(), intent_);
            for (std::size_t i = first; i < intent_.steps.size(); ++i) {
                intent_.steps[i].allow_teardown = wish->allow_teardown;
                intent_.steps[i].rule = wish->rule;
            }
        }
    }

    const RangeFacts& facts_;
    const RangeDc& dc_;
    RangeIntent& intent_;
    std::vector<std::string> released_;  // devices this pass releases
    bool claimed_ = false;               // the seed is claimed this pass
};

}  // namespace

void plan_dc(const RangeFacts& facts, RangeIntent& intent) {
    if (!facts.range.dc)
        return;
    DcPlanner(facts, intent).plan();
}

bool dc_converged(const RangeFacts& facts) {
    RangeIntent intent;
    plan_dc(facts, intent);
    return intent.steps.empty() && intent.problems.empty();
}

}  // namespace srmd::plan_detail
