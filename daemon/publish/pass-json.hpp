// What one reconcile pass did, as the daemon reports it: the journal's STATUS, the bus's
// LastReconcile and ReconcileFinished, and srmctl status read this summary.
#pragma once

#include <cstdint>
#include <string>

#include "act/executor.hpp"
#include "plan/plan.hpp"
#include "util/json.hpp"

namespace srmd {

struct PassSummary {
    std::uint64_t number = 0;
    std::string trigger;        // "coldplug", "events", "reload", "request", "retry"
    bool full_read = false;     // the whole machine was read, not just what changed
    std::uint64_t events = 0;   // events this pass consumed
    std::uint64_t files = 0;    // files opened and directories listed while reading
    std::int64_t started = 0;   // unix microseconds
    std::int64_t duration = 0;  // microseconds
    int steps = 0;              // steps run, rollbacks included
    int failed = 0;             // steps that did not succeed
    int waiting = 0;            // ranges left alone while their retry time has not come
    bool stopped = false;       // asked to stop between two steps
    bool converged = false;     // every range with a rule is what the rule wants
    std::string error;          // the machine could not be read: nothing was planned
    Plan plan;
    Execution execution;
};

// {"number", "trigger", "full_read", "events", "files", "started", "duration_us", "steps",
//  "failed", "waiting", "stopped", "converged", "error"}.
Json pass_to_json(const PassSummary& pass);

}  // namespace srmd
