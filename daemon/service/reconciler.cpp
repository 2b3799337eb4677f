#include "service/reconciler.hpp"

#include "service/created-regions.hpp"
#include "service/outside-changes.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>

#include "plan/gate.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-match.hpp"
#include "publish/kernel-log-journal.hpp"
#include "publish/log.hpp"
#include "publish/ranges-json.hpp"
#include "read/dc-events.hpp"
#include "util/error.hpp"

namespace srmd {

// How long a change srmd did not make stays on its range as a problem.
constexpr std::int64_t kOutsideChangeShown = 600;
// How long srmd keeps its hands off a range after a change it did not make: whoever acts on it
// (an operator's daxctl, a script) is not raced step for step. An operator's Apply or Reconcile
// does not wait.
constexpr std::int64_t kOutsideHold = 5;

namespace {

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t unix_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void add_blocks(Changes& changes, const Snapshot& snapshot, std::uint64_t start,
                std::uint64_t size) {
    std::uint64_t block = snapshot.memory.block_size;
    if (block == 0 || size == 0)
        return;
    for (std::uint64_t id = start / block; id <= (start + size - 1) / block; ++id)
        changes.blocks.insert(id);
}

bool all_converged(const Policy& policy, const std::vector<Range>& ranges,
                   const Snapshot& snapshot) {
    for (const Range& range : ranges)
        if (!converged(policy, range, snapshot))
            return false;
    return true;
}

// Problems are logged when they appear, not at every pass: a refusal that stands for days is one
// journal entry, and the bus always has the current list.
void log_new_problems(const std::vector<Range>& previous, const std::vector<Range>& now) {
    for (const Range& range : now) {
        auto before = std::find_if(previous.begin(), previous.end(),
                                   [&](const Range& r) { return r.id == range.id; });
        for (std::size_t i = 0; i < range.problems.size(); ++i) {
            const Problem& problem = range.problems[i];
            bool repeated = std::any_of(range.problems.begin(), range.problems.begin() + i,
                                        [&](const Problem& p) { return p.code == problem.code; });
            bool known =
                repeated || (before != previous.end() &&
                             std::any_of(before->problems.begin(), before->problems.end(),
                                         [&](const Problem& p) { return p.code == problem.code; }));
            // A refusal is a note (the range is fine, srmd will not do what the rule asks);
            // anything that gives the range a status is a warning.
            if (!known)
                log_problem(
                    problem.severity == RangeStatus::Ok ? LogLevel::Notice : LogLevel::Warning,
                    range, problem);
        }
    }
}

}  // namespace

Changes changes_for_step(const Step& step, const Snapshot& snapshot) {
    Changes changes;
    changes.dax = true;
    // Memory coming or going changes its node's has_memory and memory tier, and a node the kernel
    // made for a CPU-less range disappears with its last block; no event says so.
    changes.nodes = true;
    switch (step.action) {
        case Action::OfflineMemory:
        case Action::OnlineMemory:
        case Action::ReconfigureDax:
        case Action::DisableDax:
        case Action::EnableDax:
            if (const DaxDevice* dax = snapshot.dax_device(step.target))
                for (const DaxMapping& m : dax->mappings)
                    add_blocks(changes, snapshot, m.start, m.end - m.start + 1);
            break;
        case Action::DisableRegion:
        case Action::EnableRegion:
        case Action::DestroyRegion:
            changes.cxl = true;
            if (const CxlRegion* region = snapshot.region(step.target); region && region->start)
                add_blocks(changes, snapshot, *region->start, region->size);
            break;
        case Action::ClaimDcCapacity:
        case Action::DestroyDax:
            // Extents (under the CXL dax region) change hands, and a dax device comes or goes.
            changes.cxl = true;
            if (const DaxDevice* dax = snapshot.dax_device(step.target))
                for (const DaxMapping& m : dax->mappings)
                    add_blocks(changes, snapshot, m.start, m.end - m.start + 1);
            break;
        case Action::CreateRegion:
            changes.cxl = true;
            changes.dax = true;
            if (step.create)
                add_blocks(changes, snapshot, step.create->start, step.create->size);
            break;
        case Action::ReleaseHmem:
        case Action::ClaimHmem:
            if (const HmemDevice* hmem = snapshot.hmem_device(step.target); hmem && hmem->start)
                add_blocks(changes, snapshot, *hmem->start, hmem->size);
            break;
    }
    return changes;
}

Reconciler::Reconciler(RootReader reader, Actuator& actuator, ReconcilerSettings settings)
    : reader_(std::move(reader)), actuator_(actuator), settings_(std::move(settings)) {}

std::string Reconciler::load_state() {
    if (settings_.state_path.empty())
        return "";
    StateLoad load = srmd::load_state(settings_.state_path);
    state_ = std::move(load.state);
    std::string boot_id =
        reader_.read_attr_optional("/proc/sys/kernel/random/boot_id").value_or("");
    if (state_.in_progress) {
        interrupted_ = state_.in_progress;
        interrupted_range_ = state_.in_progress_range;
        StepRecord record = *state_.in_progress;
        record.result = "interrupted";
        remember_step(state_, state_.in_progress_range, record);
        state_.in_progress.reset();
    }
    if (state_.boot_id != boot_id) {
        // A reboot cleared whatever made steps fail; the history stays for operators.
        for (auto& [id, record] : state_.ranges) {
            record.failures = 0;
            record.retry_after = 0;
        }
        // Regions srmd created do not outlive the boot, and their names are the old boot's;
        // neither do Dynamic Capacity extents, nor the trace file a tree's device appends to.
        state_.created_regions.clear();
        state_.dc_release_requests.clear();
        state_.dc_trace_offset = 0;
        state_.boot_id = boot_id;
    }
    // Values srmd never writes (a hand edit, a bug) must not overflow a count or park a range
    // for good: each is brought within bounds, with a warning.
    std::string warning = load.warning;
    for (const std::string& problem : validate_state(state_, unix_seconds(), settings_.backoff.cap))
        warning += (warning.empty() ? "" : "; ") + settings_.state_path + ": " + problem;
    save();
    return warning;
}

void Reconciler::set_policy(Policy policy) {
    policy_ = std::move(policy);
    policy_changed_ = true;
}

void Reconciler::save() {
    if (settings_.state_path.empty())
        return;
    try {
        save_state(settings_.state_path, state_);
    } catch (const SystemError& e) {
        log_error(std::string("cannot save the state: ") + e.what(),
                  {{"SRMD_PATH", e.path()}, {"ERRNO", std::to_string(e.error_number())}});
    }
}

Snapshot Reconciler::read(const Changes& changes, const Snapshot* previous) {
    Snapshot snapshot = changes.full || !previous ? read_snapshot(reader_)
                                                  : refresh_snapshot(*previous, reader_, changes);
    // Dynamic Capacity release requests: the trace events since the last read, against what the
    // machine holds now (a request whose extents are gone was granted). Kept in the state file:
    // the kernel shows each request once.
    DcTraceRead trace = read_dc_trace(reader_, state_.dc_trace_offset);
    state_.dc_trace_offset = trace.next_offset;
    state_.dc_release_requests =
        update_release_requests(snapshot, std::move(state_.dc_release_requests), trace.events,
                                static_cast<std::uint64_t>(unix_micros()));
    snapshot.dc_release_requests = state_.dc_release_requests;
    return snapshot;
}

Plan Reconciler::plan_for(const Snapshot& snapshot, const std::vector<Range>& ranges) const {
    return make_plan(snapshot, ranges, desired_for_ranges(policy_, ranges, snapshot));
}

Plan Reconciler::plan_now() const {
    if (!snapshot_)
        return {};
    return plan_for(*snapshot_, compute_ranges(*snapshot_));
}

Json Reconciler::ranges_json() const {
    Json json = ranges_to_json(ranges_);
    if (snapshot_)
        add_policy_to_ranges_json(json, ranges_, policy_, *snapshot_);
    return json;
}

std::optional<std::int64_t> Reconciler::next_retry() const {
    // Only what is still to come: a time already past would wake the loop at once, forever.
    std::int64_t now = unix_seconds();
    std::optional<std::int64_t> earliest;
    for (const auto& [id, record] : state_.ranges)
        if (record.retry_after > now && (!earliest || record.retry_after < *earliest))
            earliest = record.retry_after;
    // A range held while another hand acts on it is looked at again when the hold ends.
    for (const auto& [id, record] : outside_) {
        std::int64_t until = record.last + kOutsideHold;
        if (until > now && (!earliest || until < *earliest))
            earliest = until;
    }
    return earliest;
}

void Reconciler::record_step(const Step& step, bool rollback) {
    last_step_ = step;
    StepRecord record;
    record.time = unix_seconds();
    record.pass = state_.passes;
    record.action = to_string(step.action);
    record.target = step.target;
    record.reason = step.reason;
    record.result = "started";
    record.rollback = rollback;
    state_.in_progress = record;
    state_.in_progress_range = step.range;
    log_info(std::string(rollback ? "rolling back: " : "") + to_string(step.action) + " " +
                 step.target + ": " + step.reason,
             {{"SRMD_RANGE", step.range},
              {"SRMD_DEVICE", step.target},
              {"SRMD_ACTION", to_string(step.action)}});
    // Written before the kernel is touched: a crash from here on is known to have been here.
    save();
}

void Reconciler::record_outcome(const Execution& execution) {
    state_.in_progress.reset();
    for (const AppliedStep& a : execution.applied) {
        StepRecord record;
        record.time = unix_seconds();
        record.pass = state_.passes;
        record.action = to_string(a.step.action);
        record.target = a.step.target;
        record.reason = a.step.reason;
        record.result = to_string(a.result);
        record.rollback = a.rollback;
        record.error = a.error;
        record.message = a.message;
        remember_step(state_, a.step.range, record);
        if (a.result != AppliedStep::Result::Ok)
            log_warning(std::string(to_string(a.step.action)) + " " + a.step.target + " " +
                            record.result + (a.error ? ": " + errno_name(a.error) : "") +
                            (a.path.empty() ? "" : " at " + a.path) +
                            (a.message.empty() ? "" : ": " + a.message),
                        {{"SRMD_RANGE", a.step.range},
                         {"SRMD_DEVICE", a.step.target},
                         {"SRMD_ACTION", to_string(a.step.action)},
                         {"SRMD_PATH", a.path},
                         {"ERRNO", a.error ? std::to_string(a.error) : ""}});
    }
    for (const RangeExecution& r : execution.ranges) {
        if (!r.degraded && !state_.ranges.count(r.range))
            continue;
        RangeRecord& record = state_.ranges[r.range];
        if (r.degraded) {
            record.failures = std::min(r.attempt, kMaxFailures);
            record.retry_after = unix_seconds() + r.retry_after.count();
            if (r.problem)
                log_error(r.problem->message, {{"SRMD_RANGE", r.range}});
        } else {
            record.failures = 0;
            record.retry_after = 0;
        }
    }
}

PassSummary Reconciler::pass(const Changes& changes, const std::string& trigger,
                             std::uint64_t events, const PassOptions& pass_options) {
    const std::vector<std::string>& only = pass_options.only;
    PassSummary summary;
    summary.number = ++state_.passes;
    summary.trigger = trigger;
    summary.events = events;
    summary.started = unix_micros();
    summary.full_read = changes.full || !snapshot_;
    auto began = std::chrono::steady_clock::now();
    reader_.reset_counters();

    try {
        snapshot_ = read(changes, snapshot_ ? &*snapshot_ : nullptr);
    } catch (const std::exception& e) {
        summary.error = std::string("cannot read the machine: ") + e.what();
        // What we had may be stale: the next pass reads everything.
        snapshot_.reset();
        log_error(summary.error);
    }
    if (snapshot_ && (summary.full_read || policy_changed_)) {
        try {
            take_control();
            policy_changed_ = false;
        } catch (const std::exception& e) {
            log_error(std::string("cannot look at competing actors: ") + e.what());
        }
    }
    summary.files = reader_.files_opened() + reader_.dirs_listed();

    if (snapshot_) {
        std::vector<Range> ranges = compute_ranges(*snapshot_);
        note_outside_changes(ranges);
        Plan plan;       // every round's steps, for the summary
        Plan last_plan;  // the last round's: its refusals are what still holds
        Execution execution;
        // A Dynamic Capacity claim makes the dax device the next steps are for, so the planner
        // sees them only once it exists. The pass plans again on what its claims left, so that
        // extents that arrived together are placed (claimed, bound, onlined) within this pass.
        for (int round = 0; round < kMaxPlanRounds; ++round) {
            if (round > 0)
                ranges = compute_ranges(*snapshot_);
            Plan round_plan = plan_for(*snapshot_, ranges);
            if (!pass_options.retry_now)
                hold_for_other_hand(round_plan);

            // Which steps may run now: ranges left out by `only` and ranges waiting for their
            // retry time are held back; a range that needs nothing any more forgets its failures.
            std::map<std::string, RetryRecord> records;
            for (const auto& [id, record] : state_.ranges)
                records[id] = RetryRecord{record.failures, record.retry_after};
            GatedPlan gated = gate_plan(std::move(round_plan), records,
                                        GateOptions{unix_seconds(), only, pass_options.retry_now});
            round_plan = std::move(gated.plan);
            summary.waiting = static_cast<int>(gated.waiting.size());
            for (const std::string& id : gated.reset) {
                state_.ranges[id].failures = 0;
                state_.ranges[id].retry_after = 0;
            }

            Execution round_execution;
            if (settings_.act && !round_plan.empty())
                round_execution = carry_out(round_plan, std::move(gated.previous_failures),
                                            pass_options, summary);
            bool again = snapshot_ && wants_another_round(round_execution);
            plan.ranges.insert(plan.ranges.end(), round_plan.ranges.begin(),
                               round_plan.ranges.end());
            last_plan = std::move(round_plan);
            append_execution(execution, std::move(round_execution));
            if (!again)
                break;
        }
        summary.stopped = execution.stopped;
        for (const AppliedStep& a : execution.applied) {
            ++summary.steps;
            if (a.result != AppliedStep::Result::Ok)
                ++summary.failed;
        }

        if (snapshot_) {
            std::vector<Range> previous = std::move(ranges_);
            ranges_ = summary.steps > 0 ? compute_ranges(*snapshot_) : std::move(ranges);
            orphans_ = merge_outcome(ranges_, last_plan, execution);
            add_outside_problems(ranges_);
            for (Range& range : ranges_)
                link_problems_to_kernel_log(range);  // the planner's refusals too
            log_new_kernel_lines(previous, ranges_);
            log_new_problems(previous, ranges_);
            summary.converged = all_converged(policy_, ranges_, *snapshot_);
        }
        summary.plan = std::move(plan);
        summary.execution = std::move(execution);
    }
    summary.duration = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - began)
                           .count();
    save();
    last_ = summary;
    return summary;
}

Execution Reconciler::carry_out(const Plan& plan, std::map<std::string, int> previous_failures,
                                const PassOptions& pass_options, PassSummary& summary) {
    ExecuteOptions options;
    options.backoff = settings_.backoff;
    options.previous_failures = std::move(previous_failures);
    options.before_step = [this](const Step& step, bool rollback) { record_step(step, rollback); };
    options.should_stop = pass_options.should_stop;
    last_step_.reset();
    Observe observe = [this]() -> Snapshot {
        if (!last_step_)
            return *snapshot_;
        Changes after = changes_for_step(*last_step_, *snapshot_);
        snapshot_ = refresh_snapshot(*snapshot_, reader_, after);
        return *snapshot_;
    };
    Execution execution;
    try {
        execution = execute_plan(plan, actuator_, observe, options);
    } catch (const std::exception& e) {
        // execute_plan reports failures as results; this is a bug or an allocation failure, and
        // the picture of the machine can no longer be trusted.
        summary.error = std::string("the plan could not be carried out: ") + e.what();
        log_error(summary.error);
        snapshot_.reset();
    }
    record_outcome(execution);
    note_created_regions(state_, execution, snapshot_ ? &*snapshot_ : nullptr, unix_seconds());
    return execution;
}

void Reconciler::note_outside_changes(const std::vector<Range>& now) {
    for (const OutsideChange& change : outside_changes(ranges_, now)) {
        log_warning(change.device + " changed outside srmd: " + change.what +
                        " (an operator, another tool or a udev rule acts on this range)",
                    {{"SRMD_RANGE", change.range},
                     {"SRMD_DEVICE", change.device},
                     {"SRMD_PROBLEM", "changed-outside-srmd"}});
        OutsideRecord& record = outside_[change.range];
        if (unix_seconds() - record.last > kOutsideChangeShown)
            record.count = 0;  // the count is of the changes still shown
        ++record.count;
        record.what = change.device + ": " + change.what;
        record.last = unix_seconds();
    }
}

void Reconciler::add_outside_problems(std::vector<Range>& ranges) const {
    std::int64_t now = unix_seconds();
    for (Range& range : ranges) {
        auto it = outside_.find(range.id);
        if (it == outside_.end() || now - it->second.last > kOutsideChangeShown)
            continue;
        const OutsideRecord& record = it->second;
        range.problems.push_back(
            {"changed-outside-srmd",
             // No clock in the words: a message that changes every pass is a change signal.
             std::to_string(record.count) + " change(s) srmd did not make in the last " +
                 std::to_string(kOutsideChangeShown / 60) + " minutes, the last: " + record.what +
                 "; an operator, another tool or a udev rule acts on this range, and srmd "
                 "puts it back where the policy says",
             RangeStatus::Ok});
    }
}

void Reconciler::hold_for_other_hand(Plan& plan) const {
    std::int64_t now = unix_seconds();
    for (RangePlan& range_plan : plan.ranges) {
        auto it = outside_.find(range_plan.range);
        if (range_plan.steps.empty() || it == outside_.end() ||
            it->second.last + kOutsideHold <= now)
            continue;
        range_plan.steps.clear();
        range_plan.problems.push_back(
            {"held-for-other-hand",
             "something other than srmd changed this range moments ago (" + it->second.what +
                 "); srmd acts on it once it has been left alone for " +
                 std::to_string(kOutsideHold) + " s, or at once on srmctl apply or reconcile",
             RangeStatus::Ok});
    }
}

}  // namespace srmd
