#include "executor.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>

#include "error.hpp"

namespace srmd {

namespace {

// --- reading what a step concerns

const DaxDevice* find_dax(const Snapshot& snapshot, const std::string& name) {
    return snapshot.dax_device(name);
}

int dax_index(const Snapshot& snapshot, const std::string& name) {
    for (std::size_t i = 0; i < snapshot.dax_devices.size(); ++i)
        if (snapshot.dax_devices[i].name == name)
            return static_cast<int>(i);
    return -1;
}

std::string block_state_path(const MemoryBlock& block) {
    return "/sys/devices/system/memory/memory" + std::to_string(block.id) + "/state";
}

bool block_movable(const MemoryBlock& block) {
    return block.valid_zones.substr(0, block.valid_zones.find(' ')) == "Movable";
}

struct DaxMemory {
    int blocks = 0;
    int online = 0;
    int movable = 0;  // of the online ones
    const MemoryBlock* first_online = nullptr;
    const MemoryBlock* first_offline = nullptr;
};

DaxMemory memory_of(const Snapshot& snapshot, const std::string& name) {
    DaxMemory memory;
    int index = dax_index(snapshot, name);
    if (index < 0)
        return memory;
    for (const MemoryBlock& block : snapshot.memory.blocks) {
        if (block.dax != index)
            continue;
        ++memory.blocks;
        if (block.state == "online") {
            ++memory.online;
            memory.movable += block_movable(block) ? 1 : 0;
            if (!memory.first_online)
                memory.first_online = &block;
        } else if (!memory.first_offline) {
            memory.first_offline = &block;
        }
    }
    return memory;
}

// The dax devices below a CXL region or an hmem device.
std::vector<std::string> dax_devices_of(const Snapshot& snapshot, DaxParentKind kind,
                                        const std::string& parent) {
    std::vector<std::string> names;
    for (const DaxDevice& dax : snapshot.dax_devices)
        if (dax.parent_kind == kind && dax.parent == parent)
            names.push_back(dax.name);
    return names;
}

bool is_dax_action(Action action) {
    return action == Action::OfflineMemory || action == Action::OnlineMemory ||
           action == Action::ReconfigureDax || action == Action::DisableDax ||
           action == Action::EnableDax;
}

bool is_region_action(Action action) {
    return action == Action::DisableRegion || action == Action::EnableRegion ||
           action == Action::DestroyRegion;
}

const char* driver_for(DaxMode mode) {
    return mode == DaxMode::SystemRam ? "kmem" : "device_dax";
}

std::string describe(const Step& step) {
    std::string text = std::string(to_string(step.action)) + " " + step.target;
    if (step.mode)
        text += std::string(" ") + to_string(*step.mode);
    if (step.zone)
        text += std::string(" ") + to_string(*step.zone);
    return text;
}

std::string errno_text(int error) {
    if (error == 0)
        return "";
    const char* name = strerrorname_np(error);
    return std::string(name ? name : std::to_string(error).c_str()) + " (" + std::strerror(error) +
           ")";
}

// --- what a step must have done

struct Check {
    bool ok = true;
    std::string path;
    std::string message;
};

Check pass() {
    return {};
}
Check fail_check(std::string path, std::string message) {
    return {false, std::move(path), std::move(message)};
}

Check verify(const Step& step, const Snapshot& s) {
    const std::string& t = step.target;
    if (is_dax_action(step.action)) {
        const DaxDevice* dax = find_dax(s, t);
        if (!dax)
            return fail_check("/sys/bus/dax/devices/" + t, t + " is gone");
        DaxMemory memory = memory_of(s, t);
        switch (step.action) {
            case Action::OfflineMemory:
                if (memory.online > 0)
                    return fail_check(block_state_path(*memory.first_online),
                                      std::to_string(memory.online) + " of " +
                                          std::to_string(memory.blocks) + " memory blocks of " + t +
                                          " are still online");
                return pass();
            case Action::OnlineMemory:
                if (memory.blocks == 0)
                    return fail_check(dax->path, t + " has no memory blocks");
                if (memory.first_offline)
                    return fail_check(block_state_path(*memory.first_offline),
                                      std::to_string(memory.blocks - memory.online) + " of " +
                                          std::to_string(memory.blocks) + " memory blocks of " + t +
                                          " are still offline");
                if (step.zone == Zone::Movable && memory.movable != memory.online)
                    return fail_check(dax->path, std::to_string(memory.online - memory.movable) +
                                                     " memory blocks of " + t +
                                                     " are online outside ZONE_MOVABLE");
                if (step.zone == Zone::Normal && memory.movable != 0)
                    return fail_check(dax->path, std::to_string(memory.movable) +
                                                     " memory blocks of " + t +
                                                     " are online in ZONE_MOVABLE");
                return pass();
            case Action::EnableDax:
            case Action::ReconfigureDax: {
                std::string want = step.mode ? driver_for(*step.mode) : "";
                if (dax->driver != want)
                    return fail_check(
                        dax->path + "/driver",
                        t + " is " + (dax->driver.empty() ? "unbound" : "bound to " + dax->driver) +
                            ", not bound to " + want);
                return pass();
            }
            case Action::DisableDax:
                if (!dax->driver.empty())
                    return fail_check(dax->path + "/driver",
                                      t + " is still bound to " + dax->driver);
                return pass();
            default:
                return pass();
        }
    }
    if (is_region_action(step.action)) {
        const CxlRegion* region = s.region(t);
        if (step.action == Action::DestroyRegion)
            return region ? fail_check(region->path, t + " still exists") : pass();
        if (!region)
            return fail_check("/sys/bus/cxl/devices/" + t, t + " is gone");
        bool want = step.action == Action::EnableRegion;
        if (region->enabled != want)
            return fail_check(region->path + "/driver",
                              t + (want ? " is not enabled" : " is still enabled"));
        return pass();
    }
    const HmemDevice* hmem = s.hmem_device(t);
    if (!hmem)
        return fail_check("/sys/bus/platform/devices/" + t, t + " is gone");
    bool want = step.action == Action::ClaimHmem;
    if ((hmem->driver == "hmem") != want)
        return fail_check(hmem->path + "/driver",
                          t + (want ? " is not bound to hmem" : " is still bound to hmem"));
    return pass();
}

// --- what a step must never do

std::optional<Check> refusal(const Step& step, const Snapshot& s) {
    auto online_in = [&](const std::vector<std::string>& devices) -> std::optional<Check> {
        for (const std::string& name : devices) {
            DaxMemory memory = memory_of(s, name);
            if (memory.online > 0)
                return fail_check(block_state_path(*memory.first_online),
                                  "refused: " + name + " has " + std::to_string(memory.online) +
                                      " online memory blocks, which would leak until reboot");
        }
        return std::nullopt;
    };
    switch (step.action) {
        case Action::DisableDax:
            return online_in({step.target});
        case Action::ReconfigureDax: {
            const DaxDevice* dax = find_dax(s, step.target);
            if (dax && step.mode && dax->driver == driver_for(*step.mode))
                return std::nullopt;  // nothing is unbound
            return online_in({step.target});
        }
        case Action::DisableRegion:
            return online_in(dax_devices_of(s, DaxParentKind::Cxl, step.target));
        case Action::ReleaseHmem:
            return online_in(dax_devices_of(s, DaxParentKind::Hmem, step.target));
        case Action::DestroyRegion: {
            const CxlRegion* region = s.region(step.target);
            if (!region)
                return std::nullopt;
            const CxlWindow* window = s.window(region->window);
            if (region->locked.value_or(false) || (window && window->locked))
                return fail_check(region->path, "refused: " + step.target + " is locked");
            if (region->enabled)
                return fail_check(region->path + "/driver",
                                  "refused: " + step.target + " is enabled and may be in use");
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

// --- undoing

// What the target of a step looks like, to tell whether a failed step changed anything.
std::string target_state(const Step& step, const Snapshot& s) {
    const std::string& t = step.target;
    if (is_dax_action(step.action)) {
        const DaxDevice* dax = find_dax(s, t);
        if (!dax)
            return "absent";
        DaxMemory memory = memory_of(s, t);
        return dax->driver + " " + std::to_string(memory.blocks) + " " +
               std::to_string(memory.online) + " " + std::to_string(memory.movable);
    }
    if (is_region_action(step.action)) {
        const CxlRegion* region = s.region(t);
        if (!region)
            return "absent";
        return std::string(region->enabled ? "enabled " : "disabled ") +
               (region->committed ? "committed " : "reset ") + region->dax_region;
    }
    const HmemDevice* hmem = s.hmem_device(t);
    if (!hmem)
        return "absent";
    return hmem->driver + (hmem->has_dax_region ? " dax" : "");
}

Step make_step(Action action, const Step& of, std::optional<DaxMode> mode = std::nullopt,
               std::optional<Zone> zone = std::nullopt, std::string target = "") {
    Step step;
    step.action = action;
    step.target = target.empty() ? of.target : target;
    step.range = of.range;
    step.reason = "roll back " + describe(of);
    step.mode = mode;
    step.zone = zone;
    return step;
}

std::optional<DaxMode> mode_of_driver(const std::string& driver) {
    if (driver == "kmem")
        return DaxMode::SystemRam;
    if (driver == "device_dax")
        return DaxMode::Devdax;
    return std::nullopt;
}

// Memory of these devices that is online now must go offline before they can be unbound.
void offline_first(std::vector<Step>& steps, const Step& of,
                   const std::vector<std::string>& devices, const Snapshot& now) {
    for (const std::string& name : devices)
        if (memory_of(now, name).online > 0)
            steps.push_back(make_step(Action::OfflineMemory, of, std::nullopt, std::nullopt, name));
}

// The steps that undo `step`, given the machine before it and now. Empty when there is nothing
// to undo or it cannot be undone.
std::vector<Step> inverse(const Step& step, const Snapshot& before, const Snapshot& now) {
    std::vector<Step> steps;
    const std::string& t = step.target;
    switch (step.action) {
        case Action::OfflineMemory: {
            DaxMemory was = memory_of(before, t);
            if (was.online == 0)
                break;
            std::optional<Zone> zone;
            if (was.movable == was.online)
                zone = Zone::Movable;
            else if (was.movable == 0)
                zone = Zone::Normal;
            steps.push_back(make_step(Action::OnlineMemory, step, std::nullopt, zone));
            break;
        }
        case Action::OnlineMemory:
            if (memory_of(now, t).online > memory_of(before, t).online)
                steps.push_back(make_step(Action::OfflineMemory, step));
            break;
        case Action::EnableDax:
        case Action::DisableDax:
        case Action::ReconfigureDax: {
            const DaxDevice* was = find_dax(before, t);
            if (!was)
                break;
            std::optional<DaxMode> previous = mode_of_driver(was->driver);
            if (step.mode && was->driver == driver_for(*step.mode))
                break;  // it was already so: the step changed nothing
            if (step.action == Action::DisableDax) {
                if (previous)
                    steps.push_back(make_step(Action::EnableDax, step, previous));
                break;
            }
            offline_first(steps, step, {t}, now);
            if (previous)
                steps.push_back(make_step(Action::ReconfigureDax, step, previous));
            else if (was->driver.empty())
                steps.push_back(make_step(Action::DisableDax, step));
            break;
        }
        case Action::DisableRegion: {
            const CxlRegion* was = before.region(t);
            if (was && was->enabled)
                steps.push_back(make_step(Action::EnableRegion, step));
            break;
        }
        case Action::EnableRegion: {
            const CxlRegion* was = before.region(t);
            if (was && !was->enabled) {
                offline_first(steps, step, dax_devices_of(now, DaxParentKind::Cxl, t), now);
                steps.push_back(make_step(Action::DisableRegion, step));
            }
            break;
        }
        case Action::DestroyRegion:
            break;  // decoders reset and the region deleted: nothing brings it back
        case Action::ReleaseHmem: {
            const HmemDevice* was = before.hmem_device(t);
            if (was && was->driver == "hmem")
                steps.push_back(make_step(Action::ClaimHmem, step));
            break;
        }
        case Action::ClaimHmem: {
            const HmemDevice* was = before.hmem_device(t);
            if (was && was->driver != "hmem") {
                offline_first(steps, step, dax_devices_of(now, DaxParentKind::Hmem, t), now);
                steps.push_back(make_step(Action::ReleaseHmem, step));
            }
            break;
        }
    }
    return steps;
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
    } catch (const ReadError& e) {
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
    std::string text = describe(a.step);
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
                    stopped = describe(d.step) + " cannot be undone";
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
                    undone.push_back(describe(undo));
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

std::vector<Problem> merge_outcome(std::vector<Range>& ranges, const Plan& plan,
                                   const Execution& execution) {
    std::vector<Problem> orphans;
    for (const RangePlan& range_plan : plan.ranges) {
        auto range = std::find_if(ranges.begin(), ranges.end(),
                                  [&](const Range& r) { return r.id == range_plan.range; });
        for (const Problem& problem : range_plan.problems) {
            if (range == ranges.end()) {
                orphans.push_back(problem);
                continue;
            }
            range->problems.push_back(problem);
            range->status = std::max(range->status, problem.severity);
        }
    }
    std::vector<Problem> lost = merge_execution(ranges, execution);
    orphans.insert(orphans.end(), lost.begin(), lost.end());
    return orphans;
}

bool Execution::ok() const {
    return std::none_of(ranges.begin(), ranges.end(),
                        [](const RangeExecution& r) { return r.degraded; });
}

std::vector<Problem> Execution::problems_for(const std::string& range) const {
    std::vector<Problem> problems;
    for (const RangeExecution& r : ranges)
        if (r.range == range && r.problem)
            problems.push_back(*r.problem);
    return problems;
}

std::vector<Problem> merge_execution(std::vector<Range>& ranges, const Execution& execution) {
    std::vector<Problem> orphans;
    for (const RangeExecution& r : execution.ranges) {
        if (!r.problem)
            continue;
        auto range = std::find_if(ranges.begin(), ranges.end(),
                                  [&](const Range& candidate) { return candidate.id == r.range; });
        if (range == ranges.end()) {
            orphans.push_back(*r.problem);
            continue;
        }
        range->problems.push_back(*r.problem);
        range->status = std::max(range->status, r.problem->severity);
    }
    return orphans;
}

const char* to_string(AppliedStep::Result result) {
    switch (result) {
        case AppliedStep::Result::Ok:
            return "ok";
        case AppliedStep::Result::Failed:
            return "failed";
        case AppliedStep::Result::TimedOut:
            return "timed-out";
        case AppliedStep::Result::Unverified:
            return "unverified";
        case AppliedStep::Result::Refused:
            return "refused";
    }
    return "failed";
}

Json applied_step_to_json(const AppliedStep& applied) {
    Json json = step_to_json(applied.step);
    json.set("outcome", to_string(applied.result));
    json.set("rollback", applied.rollback);
    if (applied.result != AppliedStep::Result::Ok) {
        const char* name = applied.error ? strerrorname_np(applied.error) : nullptr;
        json.set("errno", name ? Json(name) : Json());
        json.set("path", applied.path);
        json.set("message", applied.message);
    }
    return json;
}

Json applied_to_json(const Execution& execution) {
    Json list = Json::array();
    for (const AppliedStep& applied : execution.applied)
        list.push(applied_step_to_json(applied));
    return list;
}

}  // namespace srmd
