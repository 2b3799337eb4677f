// Giving a range to CXL when no region holds it (issue 14, part 1).
//
// hmem holds a Soft Reserved range inside a CXL window because no region covered it at boot (the
// kernel's own choice, "CXL did not claim resource, registering"). With `owner: cxl` srmd hands
// it over: it takes hmem's memory offline, unbinds its dax device, releases the hmem device (its
// dax region goes, which frees the address), and creates a ram region there through sysfs. The
// next pass gives the region's new dax device the policy's mode.
//
// The kernel places a new region itself, at the lowest free address of the window that fits, so
// the planner predicts that address and refuses when it is not the range's: a region elsewhere
// would back other addresses than the firmware's range. The step checks it again on the machine.
//
// The other case here is seed [4]: hmem registered the whole Soft Reserved range while a
// committed region decodes part of it, and the region's dax region lost the resource conflict.
// Releasing hmem lets the region's dax region probe again; the rest of the range stays unusable.
#include <algorithm>
#include <cstdio>

#include "plan/plan-parts.hpp"
#include "read/sysfs-values.hpp"
#include "util/format.hpp"

namespace srmd::plan_detail {

namespace {

// The kernel sizes and places regions in units of 256 MiB per interleave way.
constexpr std::uint64_t kRegionAlign = 256ULL << 20;

bool is_holder(const std::vector<const HmemDevice*>& holders, const std::string& name) {
    for (const HmemDevice* hmem : holders)
        if (hmem->name == name)
            return true;
    return false;
}

// Where the kernel would place a region of `size` in `window` once the holders are released:
// the lowest aligned address after everything else that occupies the window.
std::optional<std::uint64_t> predicted_start(const Snapshot& snapshot, const CxlWindow& window,
                                             std::uint64_t size, std::uint64_t align,
                                             const std::vector<const HmemDevice*>& holders) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> taken;  // start, end exclusive
    for (const CxlRegion& region : snapshot.regions)
        if (region.window == window.name && region.start && region.size > 0)
            taken.emplace_back(*region.start, *region.start + region.size);
    for (const HmemDevice& hmem : snapshot.hmem)
        if (hmem.has_dax_region && hmem.start && hmem.size > 0 && !is_holder(holders, hmem.name) &&
            *hmem.start < window.start + window.size && window.start < *hmem.start + hmem.size)
            taken.emplace_back(*hmem.start, *hmem.start + hmem.size);
    std::sort(taken.begin(), taken.end());
    std::uint64_t at = (window.start + align - 1) / align * align;
    for (const auto& [start, end] : taken) {
        if (at + size <= start)
            break;
        if (end > at)
            at = (end + align - 1) / align * align;
    }
    if (at + size > window.start + window.size)
        return std::nullopt;
    return at;
}

// The memdev's endpoint decoder a new region can take: the first one attached to no region,
// programmed for nothing and not locked, with every lower decoder of the memdev in use (the
// kernel hands out device address space in decoder order). `free` is the ram capacity left.
struct Candidate {
    const CxlEndpointDecoder* decoder = nullptr;
    const CxlMemdev* memdev = nullptr;
    std::uint64_t free = 0;
};

std::vector<Candidate> candidates(const Snapshot& snapshot, const CxlWindow& window) {
    std::vector<Candidate> found;
    std::string root = std::string(dir_name(window.path)) + "/";
    for (const CxlMemdev& memdev : snapshot.memdevs) {
        std::vector<const CxlEndpointDecoder*> decoders;
        for (const CxlEndpointDecoder& decoder : snapshot.endpoint_decoders)
            if (decoder.memdev == memdev.name && decoder.path.rfind(root, 0) == 0)
                decoders.push_back(&decoder);
        if (decoders.empty())
            continue;
        std::sort(decoders.begin(), decoders.end(), [](const auto* a, const auto* b) {
            return trailing_number(a->name) < trailing_number(b->name);
        });
        std::uint64_t used = 0;
        const CxlEndpointDecoder* pick = nullptr;
        for (const CxlEndpointDecoder* decoder : decoders) {
            bool in_use = !decoder->region.empty() || decoder->size > 0 || decoder->locked;
            if (in_use) {
                if (decoder->mode == "ram")
                    used += decoder->dpa_size;
                if (pick)
                    break;  // a later decoder in use: the picked one cannot be allocated
                continue;
            }
            if (!pick)
                pick = decoder;
        }
        if (pick && memdev.ram_size > used)
            found.push_back({pick, &memdev, memdev.ram_size - used});
    }
    return found;
}

}  // namespace

bool plan_create_for_cxl(const RangeFacts& facts, RangeIntent& intent) {
    const Range& range = facts.range;
    for (const Claimant& claimant : range.claimants)
        if (claimant.kind == Claimant::Kind::Cxl)
            return false;  // a region exists: not a creation (the callers refuse or re-probe)
    if (!range.window)
        return false;
    std::vector<const HmemDevice*> holders = hmem_holders(facts);
    const HmemDevice* hmem = covering_hmem(facts);
    if (holders.empty() || !hmem || !hmem->start)
        return false;
    const CxlWindow* window = facts.snapshot.window(*range.window);
    if (!window)
        return false;
    std::string wants = rule_words(facts.desired) + " wants cxl, but ";
    // hmem's device must cover exactly this range: releasing it frees its addresses, and the
    // region srmd creates takes all of them.
    if (*hmem->start != range.start || hmem->size != range.size) {
        intent.refuse("create-region-refused",
                      wants + hmem->name + " holds " + human_size(hmem->size) + " at " +
                          hex(*hmem->start) + ", not exactly this range: srmd creates a region " +
                          "only over the addresses hmem lets go of");
        return true;
    }
    if (!window->can_create_ram) {
        intent.refuse("create-region-refused",
                      wants + "no region exists for the range and " + window->name +
                          " cannot create ram regions (no ram capability or no "
                          "create_ram_region attribute on this kernel)");
        return true;
    }
    if (window->interleave_ways > 1) {
        intent.refuse("create-region-refused",
                      wants + "no region exists for the range and " + window->name +
                          " interleaves " + std::to_string(window->interleave_ways) +
                          " host bridges: srmd creates only regions of one memdev in this "
                          "version");
        return true;
    }
    int ways = 1;
    std::uint64_t align = kRegionAlign * static_cast<std::uint64_t>(ways);
    if (range.start % align != 0 || range.size % align != 0) {
        intent.refuse("create-region-refused",
                      wants + "the kernel creates regions only in whole " + human_size(align) +
                          " units at " + human_size(align) + " boundaries, and this range (" +
                          hex(range.start) + ", " + human_size(range.size) + ") is not one");
        return true;
    }
    const Candidate* chosen = nullptr;
    std::vector<Candidate> found = candidates(facts.snapshot, *window);
    for (const Candidate& candidate : found)
        if (candidate.free >= range.size) {
            chosen = &candidate;
            break;
        }
    if (!chosen) {
        intent.refuse("create-region-refused",
                      wants + "no memdev below " + window->name + " has a free endpoint decoder " +
                          "and " + human_size(range.size) +
                          " of ram capacity left to back a region over the range: releasing " +
                          hmem->name +
                          " would leave the memory to nobody, so srmd keeps it "
                          "with hmem");
        return true;
    }
    std::optional<std::uint64_t> start =
        predicted_start(facts.snapshot, *window, range.size, align, holders);
    if (!start || *start != range.start) {
        intent.refuse("create-region-refused",
                      wants + "the kernel places a new region at the lowest free address of " +
                          window->name + ", which would be " +
                          (start ? hex(*start) : std::string("nowhere (the window is full)")) +
                          ", not the range's " + hex(range.start) +
                          ": another region or device holds the addresses before it");
        return true;
    }

    RegionSpec spec;
    spec.root_decoder = window->name;
    spec.endpoint_decoders = {chosen->decoder->name};
    spec.memdevs = {chosen->memdev->name};
    spec.start = range.start;
    spec.size = range.size;
    spec.interleave_granularity = window->interleave_granularity;
    spec.interleave_ways = ways;

    int group = intent.new_group();
    std::string why = hmem->name + " holds this range but " + rule_words(facts.desired) +
                      " wants cxl, and no region exists for it";
    for (const HmemDevice* holder : holders) {
        plan_release_devices(facts, holder->name, why, group, intent);
        if (holder->driver == "hmem")
            intent.add(group, Action::ReleaseHmem, holder->name, range.id,
                       why + ": releasing " + holder->name +
                           " removes its dax region and frees the addresses for a region");
    }
    intent.add(group, Action::CreateRegion, window->name, range.id,
               "create a ram region of " + human_size(range.size) + " at " + hex(range.start) +
                   " in " + window->name + " from " + chosen->memdev->name + " (" +
                   chosen->decoder->name +
                   "); once its dax device exists, the next pass plans "
                   "what " +
                   rule_words(facts.desired) + " wants of it (" + mode_words(facts.desired) + ")");
    intent.steps.back().step.create = std::move(spec);
    return true;
}

bool plan_partial_for_cxl(const RangeFacts& facts, RangeIntent& intent) {
    const Range& range = facts.range;
    const Claimant* partial = nullptr;
    for (const Claimant& claimant : range.claimants)
        if (claimant.kind == Claimant::Kind::Cxl && claimant.committed && !claimant.full)
            partial = &claimant;
    if (!partial)
        return false;
    const CxlRegion* region = facts.snapshot.region(partial->device);
    std::vector<const HmemDevice*> holders = hmem_holders(facts);
    if (!region || holders.empty() || (region->enabled && region->dax_region_enabled))
        return false;
    // Releasing an hmem device takes all of its devices; one reaching outside the range would
    // take memory no rule here speaks for.
    for (const HmemDevice* hmem : holders)
        for (const DaxDevice& device : facts.snapshot.dax_devices)
            if (device.parent == hmem->name && !device.driver.empty() &&
                !overlaps_range(device, range)) {
                intent.refuse("hmem-beyond-range", rule_words(facts.desired) +
                                                       " wants cxl, but releasing " + hmem->name +
                                                       " would also take " + device.name +
                                                       ", which lies outside this range");
                return true;
            }

    int group = intent.new_group();
    std::string why = holders.front()->name + " registered the whole range, so " + region->name +
                      "'s dax region lost the resource conflict and " + rule_words(facts.desired) +
                      " wants cxl";
    for (const HmemDevice* hmem : holders) {
        plan_release_devices(facts, hmem->name, why, group, intent);
        if (hmem->driver == "hmem")
            intent.add(group, Action::ReleaseHmem, hmem->name, range.id,
                       why + ": releasing " + hmem->name + " removes its dax region, which keeps " +
                           region->name + "'s from registering");
    }
    plan_region_probe(facts, *region, group, "hmem has let go of the range", intent);

    std::uint64_t rest = range.size > partial->size ? range.size - partial->size : 0;
    intent.problems.push_back(
        {"rest-unusable",
         human_size(rest) + " of this " + human_size(range.size) +
             " range stays unusable: " + region->name + " decodes only " +
             human_size(partial->size) + " at " + hex(partial->start) +
             ", and no device memory backs the rest of the firmware's Soft Reserved range "
             "(no committed decoder maps it); only " +
             region->name + "'s part can be given to cxl",
         RangeStatus::Ok});
    return true;
}

}  // namespace srmd::plan_detail
