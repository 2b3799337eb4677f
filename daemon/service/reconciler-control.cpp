// The Reconciler taking control of onlining and giving it back (exclusive_onlining,
// srmd.policy(5)): the competing actors it reports and masks, auto_online_blocks, and the boot
// hook, which lasts across boots and so is kept in the state file. The pass itself is in
// reconciler.cpp; this is the part that follows the policy's settings rather than its ranges.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "actors/boot-hook.hpp"
#include "actors/competing-actors.hpp"
#include "publish/log.hpp"
#include "service/reconciler.hpp"

namespace srmd {

// Rules files and boot parameters change without events; they are looked at again whenever the
// whole machine is read and whenever the policy changes, which is when taking control starts or
// ends.
void Reconciler::take_control() {
    std::vector<CompetingActor> previous = std::move(actors_);
    actors_ = find_competing_actors(reader_, *snapshot_);
    bool exclusive = policy_.settings.exclusive_onlining;
    for (const CompetingActor& actor : actors_) {
        bool known = std::any_of(previous.begin(), previous.end(), [&](const CompetingActor& a) {
            return a.kind == actor.kind && a.path == actor.path && a.line == actor.line;
        });
        if (known || actor.masked_by_srmd)
            continue;
        std::string where =
            actor.path.empty()
                ? ""
                : " (" + actor.path + (actor.line ? ":" + std::to_string(actor.line) : "") + ")";
        log(exclusive && actor.can_take_over ? LogLevel::Notice : LogLevel::Warning,
            std::string("competing actor: ") + actor.what + where,
            {{"SRMD_ACTOR", to_string(actor.kind)}, {"SRMD_PATH", actor.path}});
    }
    keep_boot_hook(exclusive);
    if (!settings_.act)
        return;
    ControlPlan plan = plan_take_control(actors_, exclusive, read_recorded_auto_online(reader_));
    ControlOutcome outcome = carry_out_control_plan(plan, actuator_, reader_.root());
    for (const std::string& done : outcome.done)
        log_notice(done, {{"SRMD_ACTION", exclusive ? "take-control" : "give-back-control"}});
    for (const std::string& error : outcome.errors)
        log_error(error, {{"SRMD_ACTION", exclusive ? "take-control" : "give-back-control"}});
    if (!outcome.done.empty()) {
        // What srmd just changed is part of the machine the plan starts from.
        snapshot_ = read_snapshot(reader_);
        actors_ = find_competing_actors(reader_, *snapshot_);
    }
}

// The boot hook follows the policy like the rest of taking control, but lasts across boots: what
// srmd wrote is recorded in the state file, so that it removes only its own file.
void Reconciler::keep_boot_hook(bool exclusive) {
    if (settings_.kmem_hook.empty())
        return;
    auto recorded_it =
        std::find_if(state_.installed_files.begin(), state_.installed_files.end(),
                     [](const InstalledFile& file) { return file.path == kBootHookPath; });
    std::optional<std::string> recorded;
    if (recorded_it != state_.installed_files.end())
        recorded = recorded_it->content;
    BootHookResult result =
        apply_boot_hook(reader_.root(), exclusive, settings_.kmem_hook, recorded, settings_.act);
    if (result.state == BootHookState::Foreign && boot_hook_ != BootHookState::Foreign)
        log(exclusive ? LogLevel::Warning : LogLevel::Notice,
            std::string(kBootHookPath) +
                " is not srmd's (written or edited by someone else): srmd leaves it as it is" +
                (exclusive ? "; without srmd's hook the kernel may online kmem's memory at boot "
                             "before srmd runs"
                           : ""),
            {{"SRMD_PATH", kBootHookPath}});
    boot_hook_ = result.state;
    for (const std::string& done : result.done)
        log_notice(done, {{"SRMD_ACTION", exclusive ? "take-control" : "give-back-control"},
                          {"SRMD_PATH", kBootHookPath}});
    for (const std::string& error : result.errors)
        log_error(error, {{"SRMD_ACTION", exclusive ? "take-control" : "give-back-control"},
                          {"SRMD_PATH", kBootHookPath}});
    if (!settings_.act || recorded == result.recorded)
        return;
    if (recorded_it != state_.installed_files.end())
        state_.installed_files.erase(recorded_it);
    if (result.recorded)
        state_.installed_files.push_back({kBootHookPath, *result.recorded});
    save();
}

}  // namespace srmd
