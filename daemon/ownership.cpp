#include "ownership.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "format.hpp"

namespace srmd {

namespace {

// Half-open [start, end): the form every comparison below wants. The kernel prints inclusive ends.
struct Span {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
};

Span span_from_inclusive(std::uint64_t start, std::uint64_t last) {
    // The very last byte of the address space cannot be expressed half-open; no memory lives there.
    std::uint64_t end = last == std::numeric_limits<std::uint64_t>::max() ? last : last + 1;
    return {start, end};
}

Span span_from_size(std::uint64_t start, std::uint64_t size) {
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    return {start, size > max - start ? max : start + size};
}

bool overlaps(Span a, Span b) {
    return a.start < b.end && b.start < a.end;
}
bool contains(Span outer, Span inner) {
    return outer.start <= inner.start && inner.end <= outer.end;
}

std::uint64_t overlap_bytes(Span a, Span b) {
    std::uint64_t start = std::max(a.start, b.start);
    std::uint64_t end = std::min(a.end, b.end);
    return end > start ? end - start : 0;
}

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

// Everything about one dax device that ranges need, computed once.
struct DaxFacts {
    const DaxDevice* device = nullptr;
    std::vector<Span> spans;
    RangeMemory memory;
};

std::vector<Span> dax_spans(const DaxDevice& dax) {
    std::vector<Span> spans;
    for (const DaxMapping& mapping : dax.mappings)
        if (mapping.end >= mapping.start)
            spans.push_back(span_from_inclusive(mapping.start, mapping.end));
    // Kernels before 5.10 have no mappingN directories; a device is then one contiguous range.
    if (spans.empty() && dax.resource && dax.size > 0)
        spans.push_back(span_from_size(*dax.resource, dax.size));
    return spans;
}

std::uint64_t bytes_in(const DaxFacts& facts, Span range) {
    std::uint64_t bytes = 0;
    for (Span span : facts.spans)
        bytes += overlap_bytes(span, range);
    return bytes;
}

bool overlaps_any(const DaxFacts& facts, Span range) {
    for (Span span : facts.spans)
        if (overlaps(span, range))
            return true;
    return false;
}

// The zone of an online block as valid_zones shows it. An online block lists exactly the zone it
// is in; "none" means its pages straddle zones, which is as mixed as memory gets.
struct ZoneTally {
    bool movable = false;
    bool kernel = false;
    bool mixed = false;
};

void tally_zone(std::string_view valid_zones, ZoneTally& tally) {
    std::vector<std::string_view> words;
    size_t pos = 0;
    while (pos < valid_zones.size()) {
        size_t space = valid_zones.find_first_of(" \t\n", pos);
        if (space == std::string_view::npos)
            space = valid_zones.size();
        if (space > pos)
            words.push_back(valid_zones.substr(pos, space - pos));
        pos = space + 1;
    }
    // An empty file tells nothing about the zone; it neither confirms nor contradicts the others.
    if (words.empty())
        return;
    if (words.size() > 1 || words[0] == "none")
        tally.mixed = true;
    else if (words[0] == "Movable")
        tally.movable = true;
    else  // Normal, DMA32, DMA, HighMem: every other zone holds kernel allocations
        tally.kernel = true;
}

std::vector<DaxFacts> gather_dax(const Snapshot& snapshot) {
    std::vector<DaxFacts> all(snapshot.dax_devices.size());
    std::vector<ZoneTally> zones(snapshot.dax_devices.size());
    for (size_t i = 0; i < all.size(); ++i) {
        all[i].device = &snapshot.dax_devices[i];
        all[i].spans = dax_spans(snapshot.dax_devices[i]);
    }
    // One pass over the blocks, however many there are: the snapshot already tells each block's
    // dax device by index.
    for (const MemoryBlock& block : snapshot.memory.blocks) {
        if (block.dax < 0 || static_cast<size_t>(block.dax) >= all.size())
            continue;
        RangeMemory& memory = all[block.dax].memory;
        ++memory.blocks;
        if (block.state == "online") {
            ++memory.online;
            tally_zone(block.valid_zones, zones[block.dax]);
        }
    }
    for (size_t i = 0; i < all.size(); ++i) {
        const ZoneTally& tally = zones[i];
        if (tally.mixed || (tally.movable && tally.kernel))
            all[i].memory.zone = Zone::Mixed;
        else if (tally.movable)
            all[i].memory.zone = Zone::Movable;
        else if (tally.kernel)
            all[i].memory.zone = Zone::Normal;
    }
    return all;
}

// Where each piece of evidence for a Range came from.
struct Evidence {
    std::vector<Span> soft_reserved;  // iomem, firmware memmap, hmem devices
    std::vector<Span> regions;        // CXL ram regions (and those whose mode nothing tells)
};

Evidence gather_evidence(const Snapshot& snapshot) {
    Evidence evidence;
    for (const IomemNode& node : snapshot.iomem.nodes)
        if (node.has_name("Soft Reserved"))
            evidence.soft_reserved.push_back(span_from_inclusive(node.start, node.end));
    for (const FirmwareRange& range : snapshot.firmware_soft_reserved)
        if (range.end >= range.start)
            evidence.soft_reserved.push_back(span_from_inclusive(range.start, range.end));
    for (const HmemDevice& hmem : snapshot.hmem)
        if (hmem.start && hmem.size > 0)
            evidence.soft_reserved.push_back(span_from_size(*hmem.start, hmem.size));
    // 7.1 no longer inserts Soft Reserved for what CXL claims, so a ram region is evidence by
    // itself. A region of unknown mode may be ram; listing it costs less than missing it.
    for (const CxlRegion& region : snapshot.regions)
        if (region.start && region.size > 0 && (region.mode == "ram" || region.mode.empty()))
            evidence.regions.push_back(span_from_size(*region.start, region.size));
    return evidence;
}

// Merges overlapping spans; spans that only touch stay apart, since the firmware and the kernel
// reported them as separate ranges.
std::vector<Span> merge(std::vector<Span> spans) {
    std::sort(spans.begin(), spans.end(), [](Span a, Span b) {
        return a.start != b.start ? a.start < b.start : a.end < b.end;
    });
    std::vector<Span> merged;
    for (Span span : spans) {
        if (span.end <= span.start)
            continue;
        if (!merged.empty() && span.start < merged.back().end)
            merged.back().end = std::max(merged.back().end, span.end);
        else
            merged.push_back(span);
    }
    return merged;
}

// A Soft Reserved span crossing a window boundary becomes one Range per side, as the kernel's
// per-SRAT hmem ranges would be.
std::vector<Span> split_at_windows(const std::vector<Span>& spans,
                                   const std::vector<CxlWindow>& windows) {
    std::vector<std::uint64_t> cuts;
    for (const CxlWindow& window : windows) {
        Span w = span_from_size(window.start, window.size);
        cuts.push_back(w.start);
        cuts.push_back(w.end);
    }
    std::sort(cuts.begin(), cuts.end());
    std::vector<Span> out;
    for (Span span : spans) {
        std::uint64_t start = span.start;
        for (std::uint64_t cut : cuts) {
            if (cut > start && cut < span.end) {
                out.push_back({start, cut});
                start = cut;
            }
        }
        out.push_back({start, span.end});
    }
    return out;
}

std::string range_id(std::uint64_t start) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "r%llx", static_cast<unsigned long long>(start));
    return buffer;
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

// Builds one Range at a time: its facts first, then the problems those facts show.
class RangeBuilder {
  public:
    RangeBuilder(const Snapshot& snapshot, const Evidence& evidence,
                 const std::vector<DaxFacts>& dax)
        : snapshot_(snapshot), evidence_(evidence), dax_(dax) {}

    Range build(Span span) {
        span_ = span;
        regions_.clear();
        hmems_.clear();
        dax_in_.clear();

        Range range;
        range.id = range_id(span.start);
        range.start = span.start;
        range.size = span.end - span.start;
        for (const CxlWindow& window : snapshot_.windows) {
            if (span.start >= window.start && span.start - window.start < window.size) {
                range.window = window.name;
                break;
            }
        }
        for (Span sr : evidence_.soft_reserved)
            if (overlaps(sr, span))
                range.soft_reserved = true;

        find_claimants(range);
        range.kernel_owner = kernel_owner(range);
        find_dax(range);
        range.owner = owner();
        range.mode = mode(range);

        add_problems(range);
        for (const Problem& problem : range.problems)
            range.status = std::max(range.status, problem.severity);
        return range;
    }

  private:
    void find_claimants(Range& range) {
        for (const CxlRegion& region : snapshot_.regions) {
            if (!region.start || region.size == 0)
                continue;
            Span r = span_from_size(*region.start, region.size);
            if (!overlaps(r, span_))
                continue;
            regions_.push_back(&region);
            range.claimants.push_back({Claimant::Kind::Cxl, region.name, r.start, region.size,
                                       region.committed, contains(r, span_)});
        }
        for (const HmemDevice& hmem : snapshot_.hmem) {
            if (!hmem.start || hmem.size == 0)
                continue;
            Span h = span_from_size(*hmem.start, hmem.size);
            if (!overlaps(h, span_))
                continue;
            hmems_.push_back(&hmem);
            bool holds = hmem.driver == "hmem" && hmem.has_dax_region;
            range.claimants.push_back(
                {Claimant::Kind::Hmem, hmem.name, h.start, hmem.size, holds, contains(h, span_)});
        }
        std::sort(range.claimants.begin(), range.claimants.end(),
                  [](const Claimant& a, const Claimant& b) {
                      return a.start != b.start ? a.start < b.start : a.device < b.device;
                  });
    }

    // The 7.1 rule (cxl_region_contains_resource): one committed region must hold the whole range;
    // regions that only tile it together do not count.
    static Owner kernel_owner(const Range& range) {
        for (const Claimant& claimant : range.claimants)
            if (claimant.kind == Claimant::Kind::Cxl && claimant.committed && claimant.full)
                return Owner::Cxl;
        return range.soft_reserved ? Owner::Hmem : Owner::None;
    }

    void find_dax(Range& range) {
        // Snapshot order is by region id then device id, the order people read dax names in.
        for (const DaxFacts& facts : dax_) {
            if (!overlaps_any(facts, span_))
                continue;
            dax_in_.push_back(&facts);
            const DaxDevice& device = *facts.device;
            range.dax.push_back(
                {device.name, device.driver, device.size, device.target_node, facts.memory});
        }
    }

    // From the sysfs parent of what is bound, never from /proc/iomem nesting (§4.4.1).
    Owner owner() const {
        std::uint64_t cxl_bytes = 0;
        std::uint64_t hmem_bytes = 0;
        for (const DaxFacts* facts : dax_in_) {
            if (facts->device->driver.empty())
                continue;
            if (facts->device->parent_kind == DaxParentKind::Cxl)
                cxl_bytes += bytes_in(*facts, span_);
            else if (facts->device->parent_kind == DaxParentKind::Hmem)
                hmem_bytes += bytes_in(*facts, span_);
        }
        bool cxl = has_bound(DaxParentKind::Cxl);
        bool hmem = has_bound(DaxParentKind::Hmem);
        if (cxl && hmem)
            // Both hold part of it, which the two-owners problem reports. Whoever holds more is
            // the one an operator would name; on a tie CXL, which the kernel prefers (7.1 rule).
            return hmem_bytes > cxl_bytes ? Owner::Hmem : Owner::Cxl;
        if (cxl)
            return Owner::Cxl;
        if (hmem)
            return Owner::Hmem;
        return Owner::None;
    }

    bool has_bound(DaxParentKind kind) const {
        for (const DaxFacts* facts : dax_in_)
            if (!facts->device->driver.empty() && facts->device->parent_kind == kind)
                return true;
        return false;
    }

    RangeMode mode(const Range& range) const {
        if (range.dax.empty())
            return RangeMode::Absent;
        std::uint64_t bound = 0;
        std::uint64_t kmem = 0;
        for (const DaxFacts* facts : dax_in_) {
            if (facts->device->driver.empty())
                continue;
            std::uint64_t bytes = bytes_in(*facts, span_);
            bound += bytes;
            if (facts->device->driver == "kmem")
                kmem += bytes;
        }
        if (bound == 0)  // every device here overlaps the range, so bound bytes mean a driver
            return RangeMode::Unbound;
        // An even split counts as system-ram: half the range is already the kernel's memory,
        // which is what constrains what can be done with it.
        return kmem * 2 >= bound ? RangeMode::SystemRam : RangeMode::Devdax;
    }

    void add_problems(Range& range) {
        add_conflicts(range);
        add_partial_coverage(range);
        add_stranded(range);
        add_unaligned(range);
        add_notes(range);
    }

    const Claimant* committed_full_region(const Range& range) const {
        for (const Claimant& claimant : range.claimants)
            if (claimant.kind == Claimant::Kind::Cxl && claimant.committed && claimant.full)
                return &claimant;
        return nullptr;
    }

    std::string bound_list(DaxParentKind kind) const {
        std::string list;
        for (const DaxFacts* facts : dax_in_) {
            const DaxDevice& device = *facts->device;
            if (device.driver.empty() || device.parent_kind != kind)
                continue;
            if (!list.empty())
                list += ", ";
            list += device.name + " of " + device.parent + " (" +
                    human_size(bytes_in(*facts, span_)) + ", " + device.driver + ")";
        }
        return list;
    }

    void add_conflicts(Range& range) {
        const Claimant* region = committed_full_region(range);
        if (region) {
            for (const HmemDevice* hmem : hmems_) {
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

        if (has_bound(DaxParentKind::Cxl) && has_bound(DaxParentKind::Hmem)) {
            add(range, "two-owners",
                "dax devices of both CXL and hmem are bound in this range: " +
                    bound_list(DaxParentKind::Cxl) + "; " + bound_list(DaxParentKind::Hmem) + "; " +
                    to_string(range.owner) + " holds more and is taken as the owner",
                RangeStatus::Conflict);
        }

        for (const CxlRegion* region : regions_) {
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

        for (const HmemDevice* hmem : hmems_) {
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
        for (const HmemDevice* hmem : hmems_)
            if (hmem->driver == "hmem" && hmem->has_dax_region)
                return hmem->name;
        for (const DaxFacts* facts : dax_in_) {
            const DaxDevice& device = *facts->device;
            if (!device.driver.empty() && is_kernel_memory_owner(device.parent_kind) &&
                device.parent != region.name)
                return device.name + " of " + device.parent;
        }
        return "";
    }

    void add_partial_coverage(Range& range) {
        for (const Claimant& claimant : range.claimants) {
            if (claimant.kind != Claimant::Kind::Cxl || claimant.full)
                continue;
            Span r = span_from_size(claimant.start, claimant.size);
            add(range, "region-smaller-than-range",
                claimant.device + " (" + describe(r) + ") covers " +
                    human_size(overlap_bytes(r, span_)) + " of this " + human_size(range.size) +
                    " range: the kernel leaves a range to CXL only when one region contains all "
                    "of it, so it gives the whole range to hmem",
                RangeStatus::PartialCoverage);
        }
    }

    void add_stranded(Range& range) {
        if (range.dax.empty()) {
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
        for (const DaxFacts* facts : dax_in_) {
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
            std::uint64_t kept = block_aligned_bytes(span_, block);
            add(range, "unaligned-range",
                "the range (" + describe(span_) + ") is not aligned to the " + human_size(block) +
                    " memory block size: kmem would trim " + human_size(range.size - kept) +
                    " of it",
                RangeStatus::Unaligned);
        }
        for (const DaxFacts* facts : dax_in_) {
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
        for (const CxlRegion* region : regions_) {
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
        if (range.window && regions_.empty()) {
            add(range, "in-cxl-window-no-region",
                "the range lies in CXL window " + *range.window + " but no CXL region maps it",
                RangeStatus::Ok);
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

    const Snapshot& snapshot_;
    const Evidence& evidence_;
    const std::vector<DaxFacts>& dax_;

    Span span_;
    std::vector<const CxlRegion*> regions_;
    std::vector<const HmemDevice*> hmems_;
    std::vector<const DaxFacts*> dax_in_;
};

}  // namespace

std::vector<Range> compute_ranges(const Snapshot& snapshot) {
    Evidence evidence = gather_evidence(snapshot);
    std::vector<Span> spans = evidence.soft_reserved;
    spans.insert(spans.end(), evidence.regions.begin(), evidence.regions.end());
    spans = split_at_windows(merge(std::move(spans)), snapshot.windows);

    std::vector<DaxFacts> dax = gather_dax(snapshot);
    RangeBuilder builder(snapshot, evidence, dax);
    std::vector<Range> ranges;
    ranges.reserve(spans.size());
    for (Span span : spans)
        ranges.push_back(builder.build(span));
    return ranges;
}

const char* to_string(Owner owner) {
    switch (owner) {
        case Owner::Cxl:
            return "cxl";
        case Owner::Hmem:
            return "hmem";
        case Owner::None:
            return "none";
    }
    return "none";
}

const char* to_string(RangeMode mode) {
    switch (mode) {
        case RangeMode::SystemRam:
            return "system-ram";
        case RangeMode::Devdax:
            return "devdax";
        case RangeMode::Unbound:
            return "unbound";
        case RangeMode::Absent:
            return "absent";
    }
    return "absent";
}

const char* to_string(Zone zone) {
    switch (zone) {
        case Zone::Movable:
            return "movable";
        case Zone::Normal:
            return "normal";
        case Zone::Mixed:
            return "mixed";
    }
    return "mixed";
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

const char* to_string(Claimant::Kind kind) {
    switch (kind) {
        case Claimant::Kind::Cxl:
            return "cxl";
        case Claimant::Kind::Hmem:
            return "hmem";
    }
    return "cxl";
}

}  // namespace srmd
