#include "service/created-regions.hpp"

#include <algorithm>

namespace srmd {

void note_created_regions(State& state, const Execution& execution, const Snapshot* snapshot,
                          std::int64_t now) {
    std::vector<CreatedRegion>& created = state.created_regions;
    for (const AppliedStep& a : execution.applied) {
        if (a.result != AppliedStep::Result::Ok)
            continue;
        if (a.step.action == Action::CreateRegion && a.step.create) {
            CreatedRegion c;
            c.root_decoder = a.step.create->root_decoder;
            c.start = a.step.create->start;
            c.size = a.step.create->size;
            c.range = a.step.range;
            c.time = now;
            created.push_back(std::move(c));
        } else if (a.step.action == Action::DestroyRegion) {
            created.erase(
                std::remove_if(created.begin(), created.end(),
                               [&](const CreatedRegion& c) { return c.name == a.step.target; }),
                created.end());
        }
    }
    if (!snapshot)
        return;
    for (CreatedRegion& c : created) {
        if (!c.name.empty())
            continue;
        for (const CxlRegion& region : snapshot->regions)
            if (region.window == c.root_decoder && region.start && *region.start == c.start)
                c.name = region.name;
    }
    // A created region that a rollback destroyed before it was named leaves no region at its
    // address: it is not there to remember.
    created.erase(std::remove_if(created.begin(), created.end(),
                                 [](const CreatedRegion& c) { return c.name.empty(); }),
                  created.end());
}

}  // namespace srmd
