#include <algorithm>
#include <string>

#include "ownership/managed-elsewhere.hpp"
#include "ownership/ownership-parts.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// What kmem keeps of a span after trimming both ends to whole memory blocks.
std::uint64_t block_aligned_bytes(Span span, std::uint64_t block_size) {
    std::uint64_t first = (span.start + block_size - 1) / block_size * block_size;
    std::uint64_t last = span.end / block_size * block_size;
    if (first < span.start)  // rounding up overflowed
        return 0;
    return last > first ? last - first : 0;
}

std::string describe(Span span) {
    return hex(span.start) + ", " + human_size(span.end - span.start);
}

bool is_kernel_memory_owner(DaxParentKind kind) {
    return kind == DaxParentKind::Cxl || kind == DaxParentKind::Hmem;
}

const DaxRegion* cxl_dax_region_of(const Snapshot& snapshot, const CxlRegion& region) {
    for (const DaxRegion& dax_region : snapshot.dax_regions)
        if (dax_region.parent_kind == DaxParentKind::Cxl && dax_region.parent == region.name)
            return &dax_region;
    return nullptr;
}

const DaxRegion* hmem_dax_region_of(const Snapshot& snapshot, const HmemDevice& hmem) {
    for (const DaxRegion& dax_region : snapshot.dax_regions)
        if (dax_region.parent_kind == DaxParentKind::Hmem && dax_region.parent == hmem.name)
            return &dax_region;
    return nullptr;
}

void add(Range& range, std::string code, std::string message, RangeStatus severity) {
    range.problems.push_back({std::move(code), std::move(message), severity});
}

// Reads one built Range's facts and parts and adds the problems they show.
class ProblemFinder {
  public:
    ProblemFinder(const Snapshot& snapshot, const RangeParts& parts)
        : snapshot_(snapshot), parts_(parts) {}

    void add_all(Range& range) {
        if (range.dc) {
            // Its memory is its extents: an empty seed, or no device yet, is how it starts.
            add_incomplete_blocks(range);
            add_left_online(range);
            add_unaligned(range);
            add_dc_problems(range);
            return;
        }
        add_conflicts(range);
        add_incomplete_blocks(range);
        add_partial_coverage(range);
        add_stranded(range);
        add_left_online(range);
        add_unaligned(range);
        add_notes(range);
    }

  private:
    const Claimant* committed_full_region(const Range& range) const {
        for (const Claimant& claimant : range.claimants)
            if (claimant.kind == Claimant::Kind::Cxl && claimant.committed && claimant.full)
                return &claimant;
        return nullptr;
    }

    std::string bound_list(DaxParentKind kind) const {
        std::string list;
        for (const DaxFacts* facts : parts_.dax_in) {
            const DaxDevice& device = *facts->device;
            if (device.driver.empty() || device.parent_kind != kind)
                continue;
            if (!list.empty())
                list += ", ";
            list += device.name + " of " + device.parent + " (" +
                    human_size(bytes_in(*facts, parts_.span)) + ", " + device.driver + ")";
        }
        return list;
    }

    void add_conflicts(Range& range) {
        const Claimant* region = committed_full_region(range);
        if (region) {
            for (const HmemDevice* hmem : parts_.hmems) {
                if (hmem->driver != "hmem" || !hmem->has_dax_region)
                    continue;
                add(range, "cxl-and-hmem",
                    region->device + " (" + hex(region->start) + ", " + human_size(region->size) +
                        ") is committed and contains this whole range, but " + hmem->name + " (" +
                        hex(*hmem->start) + ", " + human_size(hmem->size) +
                        ") holds it too: kernels before 7.1 do not coordinate the two drivers, "
                        "so both claim the same memory",
                    RangeStatus::Conflict);
            }
        }

        if (has_bound(parts_.dax_in, DaxParentKind::Cxl) &&
            has_bound(parts_.dax_in, DaxParentKind::Hmem)) {
            add(range, "two-owners",
                "dax devices of both CXL and hmem are bound in this range: " +
                    bound_list(DaxParentKind::Cxl) + "; " + bound_list(DaxParentKind::Hmem) + "; " +
                    to_string(range.owner) + " holds more and is taken as the owner",
                RangeStatus::Conflict);
        }

        for (const CxlRegion* region : parts_.regions) {
            if (region->dax_region.empty())
                continue;
            const DaxRegion* dax_region = cxl_dax_region_of(snapshot_, *region);
            bool empty = !dax_region || dax_region->devices.empty();
            if (region->dax_region_enabled && !empty)
                continue;
            std::string holder = other_holder(*region);
            if (holder.empty())
                continue;
            std::string what = !region->dax_region_enabled ? " is not bound to cxl_dax_region"
                                                           : " has no dax device";
            add(range, "dax-region-conflict",
                region->dax_region + " of " + region->name + what + " while " + holder +
                    " holds the range: the kernel allows one dax region per address range and "
                    "refuses a second without saying so (\"dax_region resource conflict\"), so " +
                    region->name + "'s " + human_size(region->size) + " cannot be used through CXL",
                RangeStatus::Conflict);
        }

        for (const HmemDevice* hmem : parts_.hmems) {
            std::string who =
                hmem->name + " (" + hex(*hmem->start) + ", " + human_size(hmem->size) + ")";
            const DaxRegion* dax_region = hmem_dax_region_of(snapshot_, *hmem);
            if (!hmem->has_dax_region && hmem->driver.empty()) {
                // Released (unbound from the hmem driver), by an operator or by srmd itself
                // on the way to another owner: nothing failed, the range waits for an owner.
                add(range, "hmem-unbound",
                    who +
                        " is not bound to the hmem driver, so it has no dax region: nothing "
                        "can use its range until hmem (or CXL) takes it",
                    RangeStatus::Stranded);
            } else if (!hmem->has_dax_region) {
                add(range, "hmem-without-dax",
                    who +
                        " has no dax region: its probe failed, most likely because another dax "
                        "region already covers these addresses",
                    RangeStatus::Conflict);
            } else if (dax_region && dax_region->devices.empty()) {
                add(range, "hmem-without-dax",
                    who +
                        " registered a dax region but has no dax device, so nothing can use "
                        "its range",
                    RangeStatus::Conflict);
            }
        }
    }

    // Who else holds the range, for a CXL region whose dax region came up empty: an hmem device
    // that registered its dax region, or a bound dax device of some other parent.
    std::string other_holder(const CxlRegion& region) const {
        for (const HmemDevice* hmem : parts_.hmems)
            if (hmem->driver == "hmem" && hmem->has_dax_region)
                return hmem->name;
        for (const DaxFacts* facts : parts_.dax_in) {
            const DaxDevice& device = *facts->device;
            if (!device.driver.empty() && is_kernel_memory_owner(device.parent_kind) &&
                device.parent != region.name)
                return device.name + " of " + device.parent;
        }
        return "";
    }

    // A block the reader could not read whole (snapshot.hpp) hides whether its memory is online
    // and in which zone, so nothing srmd would decide about that memory can be trusted.
    void add_incomplete_blocks(Range& range) {
        constexpr std::size_t kNamed = 4;
        for (const DaxFacts* facts : parts_.dax_in) {
            const std::vector<const MemoryBlock*>& blocks = facts->incomplete;
            if (blocks.empty())
                continue;
            std::string list;
            for (std::size_t i = 0; i < blocks.size() && i < kNamed; ++i)
                list += (i == 0 ? "" : "; ") + blocks[i]->incomplete;
            if (blocks.size() > kNamed)
                list += "; and " + std::to_string(blocks.size() - kNamed) + " more";
            add(range, "memory-block-incomplete",
                std::string(blocks.size() == 1 ? "a memory block" : "memory blocks") + " of " +
                    facts->device->name + " could not be read whole (" + list +
                    "): srmd cannot tell whether that memory is online, nor in which zone",
                RangeStatus::Conflict);
        }
    }

    void add_partial_coverage(Range& range) {
        for (const Claimant& claimant : range.claimants) {
            if (claimant.kind != Claimant::Kind::Cxl || claimant.full)
                continue;
            Span r = span_from_size(claimant.start, claimant.size);
            add(range, "region-smaller-than-range",
                claimant.device + " (" + describe(r) + ") covers " +
                    human_size(overlap_bytes(r, parts_.span)) + " of this " +
                    human_size(range.size) +
                    " range: the kernel leaves a range to CXL only when one region contains all "
                    "of it, so it gives the whole range to hmem",
                RangeStatus::PartialCoverage);
        }
    }

    // kmem unbound while its memory could not be removed: the kernel keeps the blocks online
    // ("cannot be hotremoved until the next reboot") and kmem cannot take the device again.
    void add_left_online(Range& range) {
        for (const RangeDax& dax : range.dax) {
            if (dax.driver == "kmem" || dax.memory.online == 0)
                continue;
            add(range, "memory-left-online",
                std::to_string(dax.memory.online) + " of " + dax.device +
                    "'s memory blocks are online but kmem no longer holds " + dax.device +
                    ": it was unbound while the kernel could not take the memory back, so the "
                    "kernel keeps it online until reboot, and neither kmem nor device_dax can "
                    "take " +
                    dax.device + " before then",
                RangeStatus::Stranded);
        }
    }

    // Online blocks in the range that no dax device accounts for: its device went away (a region
    // disabled, a memdev removed) while the kernel could not take the memory back.
    int orphan_online_blocks() const {
        std::uint64_t size = snapshot_.memory.block_size;
        if (size == 0)
            return 0;
        int online = 0;
        for (const MemoryBlock& block : snapshot_.memory.blocks)
            if (block.dax < 0 && block.state == "online" &&
                overlap_bytes(parts_.span, span_from_size(block.id * size, size)) > 0)
                ++online;
        return online;
    }

    void add_stranded(Range& range) {
        int orphans = range.dax.empty() ? orphan_online_blocks() : 0;
        if (orphans > 0) {
            add(range, "memory-left-online",
                std::to_string(orphans) +
                    " memory blocks of this range are online with no dax device left behind "
                    "them: the device went away (its region disabled or its memdev removed) "
                    "while the kernel could not take the memory back, so the kernel keeps it "
                    "online until reboot",
                RangeStatus::Stranded);
        } else if (range.dax.empty()) {
            add(range, "no-dax-device",
                "no dax device covers this " + human_size(range.size) +
                    " range: nobody can use the memory",
                RangeStatus::Stranded);
        } else if (range.mode == RangeMode::Unbound) {
            std::string list;
            for (const RangeDax& dax : range.dax)
                list += (list.empty() ? "" : ", ") + dax.device + " (" + human_size(dax.size) + ")";
            add(range, "dax-unbound",
                list + (range.dax.size() == 1 ? " has" : " have") +
                    " no driver: the memory is neither system RAM (kmem) nor a devdax device",
                RangeStatus::Stranded);
        }
        for (const DaxFacts* facts : parts_.dax_in) {
            const DaxDevice& device = *facts->device;
            // kmem would only be asked to take an unbound device; nd ones are pmem namespaces.
            if (device.target_node >= 0 || !device.driver.empty() ||
                device.parent_kind == DaxParentKind::Nd)
                continue;
            add(range, "invalid-target-node",
                device.name + " has target_node " + std::to_string(device.target_node) +
                    ": kmem refuses a device without a valid NUMA node, so its " +
                    human_size(device.size) + " cannot become system RAM",
                RangeStatus::Stranded);
        }
    }

    void add_unaligned(Range& range) {
        std::uint64_t block = snapshot_.memory.block_size;
        if (block == 0)  // unknown: nothing to say about alignment
            return;
        if (range.start % block != 0 || range.size % block != 0) {
            std::uint64_t kept = block_aligned_bytes(parts_.span, block);
            add(range, "unaligned-range",
                "the range (" + describe(parts_.span) + ") is not aligned to the " +
                    human_size(block) + " memory block size: kmem would trim " +
                    human_size(range.size - kept) + " of it",
                RangeStatus::Unaligned);
        }
        for (const DaxFacts* facts : parts_.dax_in) {
            const DaxDevice& device = *facts->device;
            // pmem namespaces are not Soft Reserved memory; a 0-size seed device holds nothing.
            if (device.parent_kind == DaxParentKind::Nd || device.size == 0)
                continue;
            std::uint64_t kept = 0;
            for (Span span : facts->spans)
                kept += block_aligned_bytes(span, block);
            if (kept > 0)
                continue;
            add(range, "smaller-than-block",
                device.name + " (" + human_size(device.size) + ") holds no whole " +
                    human_size(block) + " memory block: kmem would reject it",
                RangeStatus::Unaligned);
        }
    }

    void add_notes(Range& range) {
        for (const CxlRegion* region : parts_.regions) {
            if (region->committed)
                continue;
            std::string consequence = range.soft_reserved
                                          ? ", so the kernel leaves the range to hmem"
                                          : ", so it decodes nothing";
            add(range, "region-not-committed",
                region->name + " (" + hex(*region->start) + ", " + human_size(region->size) +
                    ") exists but its decoders are not committed: region assembly did not "
                    "finish" +
                    consequence,
                RangeStatus::Ok);
        }
        if (range.window && parts_.regions.empty()) {
            if (decoded(parts_.span))
                add(range, "in-cxl-window-no-region",
                    "the range lies in CXL window " + *range.window + " but no CXL region maps it",
                    RangeStatus::Ok);
            else
                add(range, "window-not-decoded",
                    "the range lies in CXL window " + *range.window +
                        ", but no CXL region maps it and no memdev's endpoint decoder is "
                        "programmed for it: as far as the kernel shows, no device memory backs "
                        "these addresses, so srmd does not online them (the first access could "
                        "fault); a region created over the range would back it",
                    RangeStatus::Stranded);
        }
        bool explained = std::any_of(range.problems.begin(), range.problems.end(),
                                     [](const Problem& p) { return p.severity > RangeStatus::Ok; });
        if (range.owner != range.kernel_owner && !explained) {
            std::string held = range.owner == Owner::None
                                   ? std::string("no CXL or hmem dax device is bound in the range")
                                   : std::string("the range is held by ") + to_string(range.owner);
            std::string rule = range.kernel_owner == Owner::None
                                   ? std::string("gives it to nobody")
                                   : std::string("gives it to ") + to_string(range.kernel_owner);
            add(range, "owner-differs-from-kernel-rule",
                held + ", but the kernel's ownership rule (7.1) " + rule, RangeStatus::Ok);
        }
    }

    // Whether committed endpoint decoders cover all of `span` (interleaved decoders overlap:
    // a sweep over them, sorted by start, not a sum).
    bool decoded(Span span) const {
        std::uint64_t reached = span.start;
        for (const CxlDecoded& d : snapshot_.decoded) {
            Span s = span_from_size(d.start, d.size);
            if (s.start > reached)
                break;
            reached = std::max(reached, s.end);
        }
        return reached >= span.end;
    }

    const Snapshot& snapshot_;
    const RangeParts& parts_;
};

}  // namespace

void add_problems(const Snapshot& snapshot, const RangeParts& parts, Range& range) {
    ProblemFinder(snapshot, parts).add_all(range);
    for (const RangeDax& dax : range.dax)
        if (managed_elsewhere(dax.driver))
            add(range, "managed-elsewhere",
                managed_elsewhere_words(dax.device, dax.driver) +
                    ": whoever bound it manages it, and srmd never touches it, whatever the "
                    "policy says",
                RangeStatus::Ok);
    for (const Problem& problem : range.problems)
        range.status = std::max(range.status, problem.severity);
}

const char* to_string(RangeStatus status) {
    switch (status) {
        case RangeStatus::Ok:
            return "ok";
        case RangeStatus::Unaligned:
            return "unaligned";
        case RangeStatus::Stranded:
            return "stranded";
        case RangeStatus::PartialCoverage:
            return "partial-coverage";
        case RangeStatus::Conflict:
            return "conflict";
        case RangeStatus::Degraded:
            return "degraded";
    }
    return "ok";
}

}  // namespace srmd
