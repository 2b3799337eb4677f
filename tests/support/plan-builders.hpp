// Pieces of machines built in code for the planner's tests, what a rule wants, a plan in lines,
// and finding a problem in a plan: shared by every test that plans (test-plan.cpp, the every-tree
// tests in test-plan-trees.cpp, ...).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
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

// What a rule wants, as the planner gets it (zone only for system-ram).
inline Desired want(Owner owner, Desired::Mode mode, std::optional<Zone> zone = Zone::Movable,
                    bool teardown = false) {
    Desired d;
    d.owner = owner;
    d.mode = mode;
    d.zone = mode == Desired::Mode::SystemRam ? zone : std::nullopt;
    d.allow_teardown = teardown;
    d.rule = "50-test.yaml:4 test";
    return d;
}

inline const Desired::Mode SystemRam = Desired::Mode::SystemRam;
inline const Desired::Mode Devdax = Desired::Mode::Devdax;
inline const Desired::Mode Offline = Desired::Mode::Offline;

// Every step (action, target, mode or zone) and every refusal's code, one per line.
inline std::string render(const Plan& plan) {
    std::string out;
    for (const RangePlan& range : plan.ranges) {
        out += range.range + "\n";
        for (const Step& step : range.steps) {
            EXPECT_EQ(step.range, range.range);
            EXPECT_FALSE(step.reason.empty()) << to_string(step.action) << " " << step.target;
            out += std::string("  ") + to_string(step.action) + " " + step.target;
            if (step.mode)
                out += std::string(" ") + to_string(*step.mode);
            if (step.zone)
                out += std::string(" ") + to_string(*step.zone);
            out += "\n";
        }
        for (const Problem& problem : range.problems) {
            EXPECT_EQ(problem.severity, RangeStatus::Ok) << problem.code;
            out += "  ! " + problem.code + "\n";
        }
    }
    return out;
}

}  // namespace srmd::test
