// Pieces of machines built in code for the planner's tests, and finding a problem in a plan: the
// same assembled region and the same lookup serve every test that plans on such a machine.
#pragma once

#include <cstdint>
#include <string>

#include "plan/plan.hpp"
#include "read/snapshot.hpp"

namespace srmd::test {

// An assembled ram region in decoder0.0: committed, bound to cxl_region, its dax region bound.
inline CxlRegion assembled_region(int id, std::uint64_t start, std::uint64_t size) {
    CxlRegion r;
    r.name = "region" + std::to_string(id);
    r.window = "decoder0.0";
    r.start = start;
    r.size = size;
    r.mode = "ram";
    r.committed = true;
    r.enabled = true;
    r.dax_region = "dax_region" + std::to_string(id);
    r.dax_region_enabled = true;
    return r;
}

// The first problem with `code` that the plan gives any range; nullptr when none has it.
inline const Problem* plan_problem(const Plan& plan, const std::string& code) {
    for (const RangePlan& range : plan.ranges)
        for (const Problem& p : range.problems)
            if (p.code == code)
                return &p;
    return nullptr;
}

}  // namespace srmd::test
