#include "ownership/ownership.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "ownership/ownership-parts.hpp"

namespace srmd {

namespace {

Span span_from_inclusive(std::uint64_t start, std::uint64_t last) {
    // The very last byte of the address space cannot be expressed half-open; no memory lives there.
    std::uint64_t end = last == std::numeric_limits<std::uint64_t>::max() ? last : last + 1;
    return {start, end};
}

bool overlaps(Span a, Span b) {
    return a.start < b.end && b.start < a.end;
}
bool contains(Span outer, Span inner) {
    return outer.start <= inner.start && inner.end <= outer.end;
}

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
        if (!block.incomplete.empty())
            all[block.dax].incomplete.push_back(&block);
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

// What is left of `spans` outside every one of `holes`.
std::vector<Span> cut_out(const std::vector<Span>& spans, const std::vector<Span>& holes) {
    std::vector<Span> out = spans;
    for (Span hole : holes) {
        std::vector<Span> next;
        for (Span span : out) {
            if (!overlaps(span, hole)) {
                next.push_back(span);
                continue;
            }
            if (span.start < hole.start)
                next.push_back({span.start, hole.start});
            if (hole.end < span.end)
                next.push_back({hole.end, span.end});
        }
        out = std::move(next);
    }
    return out;
}

std::string range_id(std::uint64_t start) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "r%llx", static_cast<unsigned long long>(start));
    return buffer;
}

// Builds one Range at a time: its facts first, then the problems those facts show.
class RangeBuilder {
  public:
    RangeBuilder(const Snapshot& snapshot, const Evidence& evidence,
                 const std::vector<DaxFacts>& dax)
        : snapshot_(snapshot), evidence_(evidence), dax_(dax) {}

    Range build(Span span) {
        Range range = begin(span);
        for (Span sr : evidence_.soft_reserved)
            if (overlaps(sr, span))
                range.soft_reserved = true;

        find_claimants(range);
        range.kernel_owner = kernel_owner(range);
        find_dax(range);
        range.owner = owner();
        range.mode = mode(range);

        add_problems(snapshot_, parts_, range);
        attach_performance(snapshot_, parts_, range);
        attach_kernel_log(snapshot_, parts_, range);
        return range;
    }

    // A Dynamic Capacity region's Range: the region's span, CXL's by definition (its cxl driver
    // holds the extents), its dax devices those with capacity; the 0-size seed is in range.dc.
    Range build_dc(const CxlRegion& region) {
        Range range = begin(span_from_size(*region.start, region.size));
        find_claimants(range);
        range.kernel_owner = Owner::Cxl;
        for (const DaxFacts& facts : dax_) {
            const DaxDevice& device = *facts.device;
            if (device.parent_kind != DaxParentKind::Cxl || device.parent != region.name ||
                device.size == 0)
                continue;
            parts_.dax_in.push_back(&facts);
            range.dax.push_back(
                {device.name, device.driver, device.size, device.target_node, facts.memory});
        }
        range.owner = Owner::Cxl;
        range.mode = mode(range);
        range.dc = dc_facts(snapshot_, region, parts_.dax_in);

        add_problems(snapshot_, parts_, range);
        attach_performance(snapshot_, parts_, range);
        attach_kernel_log(snapshot_, parts_, range);
        return range;
    }

  private:
    Range begin(Span span) {
        parts_ = RangeParts{};
        parts_.span = span;

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
        return range;
    }

    void find_claimants(Range& range) {
        for (const CxlRegion& region : snapshot_.regions) {
            if (!region.start || region.size == 0)
                continue;
            Span r = span_from_size(*region.start, region.size);
            if (!overlaps(r, parts_.span))
                continue;
            parts_.regions.push_back(&region);
            range.claimants.push_back({Claimant::Kind::Cxl, region.name, r.start, region.size,
                                       region.committed, contains(r, parts_.span)});
        }
        for (const HmemDevice& hmem : snapshot_.hmem) {
            if (!hmem.start || hmem.size == 0)
                continue;
            Span h = span_from_size(*hmem.start, hmem.size);
            if (!overlaps(h, parts_.span))
                continue;
            parts_.hmems.push_back(&hmem);
            bool holds = hmem.driver == "hmem" && hmem.has_dax_region;
            range.claimants.push_back({Claimant::Kind::Hmem, hmem.name, h.start, hmem.size, holds,
                                       contains(h, parts_.span)});
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
            if (!overlaps_any(facts, parts_.span))
                continue;
            parts_.dax_in.push_back(&facts);
            const DaxDevice& device = *facts.device;
            range.dax.push_back(
                {device.name, device.driver, device.size, device.target_node, facts.memory});
        }
    }

    // From the sysfs parent of what is bound, never from /proc/iomem nesting (§4.4.1).
    Owner owner() const {
        std::uint64_t cxl_bytes = 0;
        std::uint64_t hmem_bytes = 0;
        for (const DaxFacts* facts : parts_.dax_in) {
            if (facts->device->driver.empty())
                continue;
            if (facts->device->parent_kind == DaxParentKind::Cxl)
                cxl_bytes += bytes_in(*facts, parts_.span);
            else if (facts->device->parent_kind == DaxParentKind::Hmem)
                hmem_bytes += bytes_in(*facts, parts_.span);
        }
        bool cxl = has_bound(parts_.dax_in, DaxParentKind::Cxl);
        bool hmem = has_bound(parts_.dax_in, DaxParentKind::Hmem);
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

    RangeMode mode(const Range& range) const {
        if (range.dax.empty())
            return RangeMode::Absent;
        std::uint64_t bound = 0;
        std::uint64_t kmem = 0;
        for (const DaxFacts* facts : parts_.dax_in) {
            if (facts->device->driver.empty())
                continue;
            std::uint64_t bytes = bytes_in(*facts, parts_.span);
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

    const Snapshot& snapshot_;
    const Evidence& evidence_;
    const std::vector<DaxFacts>& dax_;

    RangeParts parts_;
};

}  // namespace

std::uint64_t bytes_in(const DaxFacts& facts, Span range) {
    std::uint64_t bytes = 0;
    for (Span span : facts.spans)
        bytes += overlap_bytes(span, range);
    return bytes;
}

bool has_bound(const std::vector<const DaxFacts*>& dax_in, DaxParentKind kind) {
    for (const DaxFacts* facts : dax_in)
        if (!facts->device->driver.empty() && facts->device->parent_kind == kind)
            return true;
    return false;
}

std::vector<Range> compute_ranges(const Snapshot& snapshot) {
    Evidence evidence = gather_evidence(snapshot);
    std::vector<Span> spans = evidence.soft_reserved;
    spans.insert(spans.end(), evidence.regions.begin(), evidence.regions.end());
    spans = split_at_windows(merge(std::move(spans)), snapshot.windows);
    // A Dynamic Capacity region is one Range of its own, whatever else marks its addresses.
    std::vector<Span> dc_spans;
    for (const CxlRegion& region : snapshot.regions)
        if (is_dc_region(region))
            dc_spans.push_back(span_from_size(*region.start, region.size));
    spans = cut_out(spans, dc_spans);

    std::vector<DaxFacts> dax = gather_dax(snapshot);
    RangeBuilder builder(snapshot, evidence, dax);
    std::vector<Range> ranges;
    ranges.reserve(spans.size() + dc_spans.size());
    for (Span span : spans)
        ranges.push_back(builder.build(span));
    for (const CxlRegion& region : snapshot.regions)
        if (is_dc_region(region))
            ranges.push_back(builder.build_dc(region));
    std::stable_sort(ranges.begin(), ranges.end(),
                     [](const Range& a, const Range& b) { return a.start < b.start; });
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
