#include "act/executor.hpp"

#include <cctype>
#include <cstring>
#include <exception>

#include "act/step-checks.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

std::string errno_text(int error) {
    if (error == 0)
        return "";
    const char* name = strerrorname_np(error);
    return std::string(name ? name : std::to_string(error).c_str()) + " (" + std::strerror(error) +
           ")";
}

// --- running one step

struct Reading {
    std::optional<Snapshot> snapshot;
    Check error;  // why there is no snapshot
};

Reading read(const Observe& observe) {
    Reading reading;
    try {
        reading.snapshot = observe();
    } catch (const SystemError& e) {
        reading.error = fail_check(e.path(), std::string("cannot read the machine: ") + e.what());
    } catch (const std::exception& e) {
        reading.error = fail_check("", std::string("cannot read the machine: ") + e.what());
    }
    return reading;
}

AppliedStep run_step(const Step& step, bool rollback, const Snapshot& before, Actuator& actuator,
                     const Observe& observe, const ExecuteOptions& options,
                     std::optional<Snapshot>& after) {
    AppliedStep applied;
    applied.step = step;
    applied.rollback = rollback;
    after.reset();
    if (std::optional<Check> refused = refusal(step, before)) {
        applied.result = AppliedStep::Result::Refused;
        applied.path = refused->path;
        applied.message = refused->message;
        after = before;
        return applied;
    }
    if (options.before_step)
        options.before_step(step, rollback);
    StepOutcome outcome = actuator.execute(step);
    Reading reading = read(observe);
    after = std::move(reading.snapshot);
    if (!outcome.ok) {
        applied.result =
            outcome.timed_out ? AppliedStep::Result::TimedOut : AppliedStep::Result::Failed;
        applied.error = outcome.error;
        applied.path = outcome.path;
        applied.message = outcome.message;
        return applied;
    }
    Check check = after ? verify(step, *after) : reading.error;
    if (!check.ok) {
        applied.result = AppliedStep::Result::Unverified;
        applied.path = check.path;
        applied.message = check.message;
    }
    return applied;
}

std::string failure_text(const AppliedStep& a) {
    std::string text = step_text(a.step);
    switch (a.result) {
        case AppliedStep::Result::Ok:
            return text + " succeeded";
        case AppliedStep::Result::Refused:
            text += " was refused";
            break;
        case AppliedStep::Result::Unverified:
            text += " reported success but was not verified";
            break;
        case AppliedStep::Result::TimedOut:
            text += " timed out";
            break;
        case AppliedStep::Result::Failed:
            text += " failed";
            break;
    }
    if (a.error)
        text += ": " + errno_text(a.error);
    if (!a.path.empty())
        text += " at " + a.path;
    if (!a.message.empty())
        text += ": " + a.message;
    return text;
}

struct Done {
    Step step;
    Snapshot before;
};

}  // namespace

// --- the plan

Execution execute_plan(const Plan& plan, Actuator& actuator, const Observe& observe,
                       const ExecuteOptions& options) {
    Execution execution;
    auto stop_now = [&] {
        if (!execution.stopped && options.should_stop && options.should_stop())
            execution.stopped = true;
        return execution.stopped;
    };
    for (const RangePlan& range_plan : plan.ranges) {
        if (!range_plan.steps.empty() && stop_now())
            break;
        RangeExecution result;
        result.range = range_plan.range;
        if (range_plan.steps.empty()) {
            execution.ranges.push_back(result);
            continue;
        }

        std::optional<AppliedStep> failed;
        std::vector<Done> done;
        std::optional<Snapshot> now;
        std::optional<Snapshot> failed_before;
        std::string rolled_back;

        Reading first = read(observe);
        if (!first.snapshot) {
            AppliedStep a;
            a.step = range_plan.steps.front();
            a.result = AppliedStep::Result::Failed;
            a.path = first.error.path;
            a.message = first.error.message;
            execution.applied.push_back(a);
            failed = a;
        }
        now = std::move(first.snapshot);

        for (const Step& step : range_plan.steps) {
            if (failed || (&step != &range_plan.steps.front() && stop_now()))
                break;
            Snapshot before = *now;
            AppliedStep a = run_step(step, false, before, actuator, observe, options, now);
            execution.applied.push_back(a);
            if (a.result == AppliedStep::Result::Ok) {
                done.push_back({step, std::move(before)});
                continue;
            }
            failed = a;
            failed_before = std::move(before);
        }

        if (!failed) {
            execution.ranges.push_back(result);
            continue;
        }

        // Undo: the failed step first if it changed anything, then the finished steps backwards.
        std::vector<std::string> undone;
        std::string stopped;
        if (!now) {
            stopped = "the machine could not be read after the failure, so nothing was rolled back";
        } else {
            std::vector<Done> to_undo;
            if (failed_before &&
                target_state(failed->step, *failed_before) != target_state(failed->step, *now))
                to_undo.push_back({failed->step, *failed_before});
            for (auto it = done.rbegin(); it != done.rend(); ++it)
                to_undo.push_back(std::move(*it));
            for (const Done& d : to_undo) {
                if (!stopped.empty())
                    break;
                if (d.step.action == Action::DestroyRegion) {
                    stopped = step_text(d.step) + " cannot be undone";
                    break;
                }
                for (const Step& undo : inverse(d.step, d.before, *now)) {
                    Snapshot before = *now;
                    std::optional<Snapshot> after;
                    AppliedStep a = run_step(undo, true, before, actuator, observe, options, after);
                    execution.applied.push_back(a);
                    if (after)
                        now = std::move(after);
                    else
                        now = std::move(before);
                    if (a.result != AppliedStep::Result::Ok) {
                        stopped = "rollback stopped: " + failure_text(a);
                        break;
                    }
                    undone.push_back(step_text(undo));
                }
            }
        }

        result.degraded = true;
        auto previous = options.previous_failures.find(range_plan.range);
        result.attempt = (previous == options.previous_failures.end() ? 0 : previous->second) + 1;
        result.retry_after = backoff_delay(result.attempt, options.backoff);

        std::string message = failure_text(*failed) + ".";
        if (undone.empty())
            message += " Nothing was rolled back.";
        else {
            message += " Rolled back:";
            for (std::size_t i = 0; i < undone.size(); ++i)
                message += (i ? ", " : " ") + undone[i];
            message += ".";
        }
        if (!stopped.empty())
            message += " " + std::string(1, static_cast<char>(std::toupper(stopped[0]))) +
                       stopped.substr(1) + ".";
        message += " Attempt " + std::to_string(result.attempt) + "; retry in " +
                   std::to_string(result.retry_after.count()) + " s.";
        result.problem = Problem{"action-failed", message, RangeStatus::Degraded};
        execution.ranges.push_back(result);
    }
    return execution;
}
}  // namespace srmd
