// The Range of a Dynamic Capacity region (EXPERIMENTAL, read/dcd-abi.hpp): its extents, which dax
// device holds each, the seed a claim is written to, the device's pending release requests, and
// the two notes only such a range has (dc-extent-unused, dc-release-pending). A DC region is its
// own Range over its whole span; the memory in it is only what its extents cover, so the problems
// of an ordinary range (no dax device, dax unbound) mean nothing here and ownership.cpp leaves
// them out.
#include <algorithm>
#include <map>
#include <string>

#include "ownership/dc-extents.hpp"
#include "ownership/ownership-parts.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

bool contains_point(Span span, std::uint64_t point) {
    return span.start <= point && point < span.end;
}

}  // namespace

bool is_dc_region(const CxlRegion& region) {
    return region.dynamic && region.start && region.size > 0;
}

RangeDc dc_facts(const Snapshot& snapshot, const CxlRegion& region,
                 const std::vector<const DaxFacts*>& dax_in) {
    RangeDc dc;
    dc.region = region.name;
    dc.dax_region = region.dax_region;
    for (const DaxRegion& dax_region : snapshot.dax_regions)
        if (dax_region.parent_kind == DaxParentKind::Cxl && dax_region.parent == region.name)
            dc.available_size = dax_region.available_size;
    // The seed: the region's dax device without capacity (the first, should there be several).
    for (const DaxDevice& device : snapshot.dax_devices)
        if (device.parent_kind == DaxParentKind::Cxl && device.parent == region.name &&
            device.size == 0) {
            dc.seed = device.name;
            break;
        }
    for (const DcReleaseRequest& request : snapshot.dc_release_requests)
        if (request.region == region.name)
            dc.release_requests.push_back(request);

    for (const DcExtent& extent : region.extents) {
        RangeDcExtent out;
        out.name = extent.name;
        out.offset = extent.offset;
        out.length = extent.length;
        out.tag = extent.tag;
        std::uint64_t address = *region.start + extent.offset;
        for (const DaxFacts* facts : dax_in) {
            bool holds = std::any_of(facts->spans.begin(), facts->spans.end(),
                                     [&](Span span) { return contains_point(span, address); });
            if (holds) {
                out.device = facts->device->name;
                break;
            }
        }
        for (const DcReleaseRequest& request : dc.release_requests)
            if (requested(request, out))
                out.release_requested = true;
        dc.extents.push_back(std::move(out));
    }
    std::stable_sort(
        dc.extents.begin(), dc.extents.end(),
        [](const RangeDcExtent& a, const RangeDcExtent& b) { return a.offset < b.offset; });
    return dc;
}

void add_dc_problems(Range& range) {
    if (!range.dc)
        return;
    const RangeDc& dc = *range.dc;

    // Extents nobody claimed, by tag in the order they first appear (untagged ones each named).
    std::vector<std::string> order;
    std::map<std::string, std::pair<int, std::uint64_t>> unused;  // tag -> count, bytes
    std::string untagged;
    for (const RangeDcExtent& extent : dc.extents) {
        if (!extent.device.empty() || extent.release_requested)
            continue;
        if (extent.tag.empty()) {
            untagged += (untagged.empty() ? "" : ", ") + extent.name + " (" +
                        human_size(extent.length) + ")";
            continue;
        }
        auto [it, added] = unused.try_emplace(extent.tag, 0, 0);
        if (added)
            order.push_back(extent.tag);
        ++it->second.first;
        it->second.second += extent.length;
    }
    std::string list;
    for (const std::string& tag : order) {
        const auto& [count, bytes] = unused[tag];
        list += (list.empty() ? "" : "; ") + dc_tag_words(tag) + ": " + std::to_string(count) +
                (count == 1 ? " extent, " : " extents, ") + human_size(bytes);
    }
    if (!untagged.empty())
        list += (list.empty() ? "" : "; ") + std::string("untagged: ") + untagged;
    if (!list.empty())
        range.problems.push_back(
            {"dc-extent-unused",
             "the device added capacity to " + dc.region + " that no dax device holds (" + list +
                 "): it is not memory anyone can use until a dax device claims it",
             RangeStatus::Ok});

    // Release requests the kernel could not grant: a dax device still holds their extents.
    for (const DcReleaseRequest& request : dc.release_requests) {
        std::vector<std::string> holders = release_holders(dc, request);
        if (holders.empty())
            continue;
        std::string who;
        for (const std::string& holder : holders)
            who += (who.empty() ? "" : ", ") + holder;
        range.problems.push_back(
            {"dc-release-pending",
             "the device asked for " + human_size(request.length) + " at offset " +
                 hex(request.offset) + " of " + dc.region + " (" + dc_tag_words(request.tag) +
                 ") back, since " + utc_time(request.since) + ", but " + who +
                 (holders.size() == 1 ? " still holds" : " still hold") +
                 " it: the kernel ignores the request until no dax device uses the extents, "
                 "and the device must ask again after that",
             RangeStatus::Ok});
    }
}

}  // namespace srmd
