// Carrying out a plan, one range at a time, through an Actuator, and checking after every step
// that the machine really changed as the step said it would.
//
// A range's steps run in order. After each one the machine is read again (observe()) and the
// step's effect verified. When a step fails — the actuator reports an error or a timeout, or the
// fresh reading does not show the effect — the range's remaining steps are dropped, the steps
// already done are undone in reverse order where they can be (each undo verified too; destroying
// a region cannot be undone, which is why the planner puts it last), and the range is reported
// degraded, with what failed, where, and what was rolled back. Other ranges go on.
//
// The executor also refuses, without reaching the actuator, any step that would unbind memory
// that is online or destroy a region in use: the planner never plans those, and this is the last
// line of defence should the machine have changed under it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "act/actuator.hpp"
#include "act/backoff.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// Reads the machine afresh. May throw SystemError; a failed reading fails the step it follows.
using Observe = std::function<Snapshot()>;

struct AppliedStep {
    Step step;
    enum class Result {
        Ok,          // done and verified
        Failed,      // the actuator reported an error
        TimedOut,    // the actuator's write did not return in time
        Unverified,  // the actuator reported success but the machine does not show it
        Refused,     // a safety rule stopped it before the actuator
    };
    Result result = Result::Ok;
    bool rollback = false;  // an inverse step run to undo an earlier one
    int error = 0;          // errno, 0 when there is none (Unverified, Refused)
    std::string path;       // the file the failure concerns
    std::string message;
};

struct RangeExecution {
    std::string range;
    bool degraded = false;
    std::optional<Problem> problem;  // code "action-failed", severity Degraded
    int attempt = 0;                 // failed attempts so far, this one included
    std::chrono::seconds retry_after{0};
};

struct Execution {
    std::vector<AppliedStep> applied;    // every step run or refused, rollbacks included, in order
    std::vector<RangeExecution> ranges;  // one per RangePlan reached, in plan order
    // should_stop() said so: the plan ended between two steps, and the ranges after that point
    // (and the rest of the range it was in) were not reached.
    bool stopped = false;

    bool ok() const;
    // The problems of the range with this id ("action-failed" when it was degraded).
    std::vector<Problem> problems_for(const std::string& range) const;
};

struct ExecuteOptions {
    // Failed attempts before this one, by range id: the backoff grows with them.
    std::map<std::string, int> previous_failures;
    Backoff backoff;
    // Called before each step reaches the actuator, rollbacks included: the daemon records its
    // intent first, and learns what the next observe() has to read again.
    std::function<void(const Step&, bool rollback)> before_step;
    // Asked before each step of the plan (never in the middle of a rollback): true ends the plan
    // there. Every step leaves the machine in a state the planner can start from, so stopping
    // between steps needs no undo; the next pass plans the rest.
    std::function<bool()> should_stop;
};

Execution execute_plan(const Plan& plan, Actuator& actuator, const Observe& observe,
                       const ExecuteOptions& options = {});

// The planner's refusals and the executor's failures joined to the problems of the ranges they
// concern (raising their status); what concerns a range that no longer exists is returned.
std::vector<Problem> merge_outcome(std::vector<Range>& ranges, const Plan& plan,
                                   const Execution& execution);

// Adds each degraded range's problem to the Range with the same id and raises its status.
// Problems of ranges no longer present are returned, so that nothing is silently lost.
std::vector<Problem> merge_execution(std::vector<Range>& ranges, const Execution& execution);

// A Dynamic Capacity claim makes the dax device the next steps are for, so a planner sees those
// only once it exists: after an execution that claimed capacity, went well and was not stopped,
// the caller reads, plans and carries out again (the daemon within one pass, srmctl simulate
// --apply likewise), at most kMaxPlanRounds times in all: each round after the first follows a
// claim, so this bounds the allocations placed at once.
inline constexpr int kMaxPlanRounds = 32;
bool wants_another_round(const Execution& execution);
// `round`'s steps and ranges after those of `into`.
void append_execution(Execution& into, Execution round);

const char* to_string(AppliedStep::Result result);

}  // namespace srmd
