// Which planned steps a pass may carry out now. The planner says what each range needs; the gate
// holds some of it back:
//   - ranges left out of `only` (an operator acting on some ranges) are planned and reported but
//     get no steps;
//   - a range whose last attempt failed waits for its retry time, with a "retry-waiting" problem
//     that keeps it degraded meanwhile, unless the pass is an operator's (retry_now);
//   - a range that needs no step any more (someone else fixed it, or the policy changed) has
//     nothing left to retry: its failure record is to be forgotten, so that no retry timer is
//     left behind to wake the daemon for nothing.
// Pure: the caller brings the records and the time, and applies the resets to its state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace srmd {

// What the gate needs to know of a range's failures (the daemon keeps it in its state file).
struct RetryRecord {
    int failures = 0;              // failed attempts in a row
    std::int64_t retry_after = 0;  // unix seconds; no wait once it has passed
};

struct GateOptions {
    std::int64_t now = 0;           // unix seconds
    std::vector<std::string> only;  // when not empty, act on these range ids alone
    bool retry_now = false;         // an operator's pass: failed ranges do not wait
};

struct GatedPlan {
    // The plan with the same ranges, in the same order; the steps held back are removed, and a
    // waiting range has its "retry-waiting" problem added.
    Plan plan;
    std::vector<std::string> waiting;  // ranges held back until their retry time, in plan order
    std::vector<std::string> reset;    // ranges whose failure record is to be forgotten, sorted
    // Failed attempts so far of the ranges that still need steps: the executor's backoff grows
    // with them (ExecuteOptions::previous_failures).
    std::map<std::string, int> previous_failures;
};

GatedPlan gate_plan(Plan plan, const std::map<std::string, RetryRecord>& records,
                    const GateOptions& options);

}  // namespace srmd
