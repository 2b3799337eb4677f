// The kernel's own words on a range: the kernel log lines (read/kmsg.hpp) that name its address
// or a device behind it, and which of them explains each of its problems. On 7.x some of what
// went wrong (a dax region that lost a resource conflict, a failed hmem probe) shows nowhere
// else, so a problem quotes the line.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "ownership/ownership-parts.hpp"

namespace srmd {

namespace {

// The devices behind a range by the names the kernel log gives them.
std::set<std::string> device_names(const Snapshot& snapshot, const RangeParts& parts) {
    std::set<std::string> names;
    for (const CxlRegion* region : parts.regions) {
        names.insert(region->name);
        if (!region->dax_region.empty())
            names.insert(region->dax_region);
    }
    for (const HmemDevice* hmem : parts.hmems)
        names.insert(hmem->name);
    for (const DaxFacts* facts : parts.dax_in) {
        names.insert(facts->device->name);
        for (const DaxRegion& region : snapshot.dax_regions)
            if (region.id == facts->device->region_id)
                names.insert("dax_region" + std::to_string(region.id));
    }
    return names;
}

bool names_range(const KernelLogLine& line, Span span, const std::set<std::string>& devices) {
    if (line.start) {
        Span named{*line.start, line.end + 1 > line.end ? line.end + 1 : line.end};
        return overlap_bytes(named, span) > 0;
    }
    return !line.device.empty() && devices.count(line.device) > 0;
}

// The meanings that explain a problem, the best first.
std::vector<KernelLogMeaning> explaining(const std::string& code) {
    using M = KernelLogMeaning;
    if (code == "dax-region-conflict")
        return {M::DaxRegionConflict, M::ProbeFailed};
    if (code == "dax-unbound")
        return {M::KmemReserveFailed, M::DaxReserveFailed, M::ProbeFailed};
    if (code == "no-dax-device" || code == "hmem-without-dax" || code == "hmem-unbound")
        return {M::DaxRegionConflict, M::HmemFailed, M::ProbeFailed};
    if (code == "region-smaller-than-range" || code == "cxl-and-hmem" || code == "two-owners" ||
        code == "in-cxl-window-no-region" || code == "window-not-decoded" ||
        code == "not-decoded-refused" || code == "owner-differs-from-kernel-rule")
        return {M::HmemRegisters, M::CxlClaims, M::HmemDefersToCxl};
    if (code == "committed-region-in-the-way")
        return {M::DaxRegionConflict, M::HmemRegisters};
    if (code == "region-not-committed")
        return {M::RegionFailed};
    if (code == "memory-left-online")
        return {M::HotremoveFailed};
    return {};
}

}  // namespace

void attach_kernel_log(const Snapshot& snapshot, const RangeParts& parts, Range& range) {
    std::set<std::string> devices = device_names(snapshot, parts);
    for (const KernelLogLine& line : snapshot.kernel_log)
        if (names_range(line, parts.span, devices))
            range.kernel_log.push_back(line);
    if (range.kernel_log.size() > kMaxRangeKernelLog)
        range.kernel_log.erase(
            range.kernel_log.begin(),
            range.kernel_log.end() - static_cast<std::ptrdiff_t>(kMaxRangeKernelLog));
    link_problems_to_kernel_log(range);
}

void link_problems_to_kernel_log(Range& range) {
    for (Problem& problem : range.problems) {
        if (problem.kernel_seq)
            continue;
        for (KernelLogMeaning meaning : explaining(problem.code)) {
            auto line = std::find_if(
                range.kernel_log.rbegin(), range.kernel_log.rend(),
                [meaning](const KernelLogLine& each) { return each.meaning == meaning; });
            if (line == range.kernel_log.rend())
                continue;
            problem.kernel_seq = line->seq;
            problem.message += "; the kernel logged: \"" + line->message + "\"";
            break;
        }
    }
}

}  // namespace srmd
