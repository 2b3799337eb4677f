// One reconcile pass: read the machine (again, or only what the events say changed), work out the
// Ranges, plan what the policy wants, carry the plan out, and remember what was done and why.
// The Reconciler holds the daemon's picture of the machine between passes; the bus reads it.
//
// It knows nothing of event loops or signals: the daemon decides when a pass runs and passes in
// what changed and whether to stop; tests call pass() directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "act/actuator.hpp"
#include "act/executor.hpp"
#include "actors/boot-hook.hpp"
#include "actors/competing-actors.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "policy/policy.hpp"
#include "publish/pass-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot-refresh.hpp"
#include "read/snapshot.hpp"
#include "service/state-store.hpp"
#include "util/json.hpp"

namespace srmd {

// How one pass goes, beyond what it reads.
struct PassOptions {
    std::function<bool()> should_stop;  // asked between steps
    std::vector<std::string> only;      // when not empty, act on these range ids alone
    // An operator asked for this pass (Apply, Reconcile): ranges waiting to retry after a
    // failure are tried now instead of being skipped until their time comes.
    bool retry_now = false;
};

struct ReconcilerSettings {
    std::string state_path;  // "" keeps no state (tests that do not care)
    bool act = true;         // false: plan and report, never touch the machine (--dry-run)
    Backoff backoff;
    // The program the boot hook names (SRMD_KMEM_HOOK); "" leaves /etc/modprobe.d alone (tests
    // that do not care). actors/boot-hook.hpp.
    std::string kmem_hook;
};

class Reconciler {
  public:
    Reconciler(RootReader reader, Actuator& actuator, ReconcilerSettings settings);

    // Loads the state file. Returns what went wrong with it, "" when nothing did. Also says,
    // through interrupted(), which step a previous run left unfinished.
    std::string load_state();
    const std::optional<StepRecord>& interrupted() const { return interrupted_; }
    const std::string& interrupted_range() const { return interrupted_range_; }

    void set_policy(Policy policy);
    const Policy& policy() const { return policy_; }

    // Runs a pass. Never throws: a machine that cannot be read is the summary's error. Ranges
    // left out by options.only are planned and reported, not touched.
    PassSummary pass(const Changes& changes, const std::string& trigger, std::uint64_t events,
                     const PassOptions& options = {});

    bool has_snapshot() const { return snapshot_.has_value(); }
    const Snapshot& snapshot() const { return *snapshot_; }
    // The Ranges of the last pass, with the planner's refusals and the executor's failures.
    const std::vector<Range>& ranges() const { return ranges_; }
    // What else onlines memory, as found by the last full read or policy change.
    const std::vector<CompetingActor>& competing_actors() const { return actors_; }
    // The boot hook as the last full read or policy change left it (actors/boot-hook.hpp).
    BootHookState boot_hook() const { return boot_hook_; }
    // Problems of ranges that went away during the last pass.
    const std::vector<Problem>& orphan_problems() const { return orphans_; }
    const std::optional<PassSummary>& last_pass() const { return last_; }
    const State& state() const { return state_; }

    // What a pass would do now, from the picture of the last pass (nothing is read).
    Plan plan_now() const;
    // The JSON contract of the Ranges, with "policy" and "converged" per range.
    Json ranges_json() const;
    // The earliest time a waiting range may be tried again (unix seconds), if any waits.
    std::optional<std::int64_t> next_retry() const;

  private:
    Snapshot read(const Changes& changes, const Snapshot* previous);
    Plan plan_for(const Snapshot& snapshot, const std::vector<Range>& ranges) const;
    // Carries out one round of a pass's plan, following the machine step by step; a plan that
    // could not be carried out at all is the summary's error.
    Execution carry_out(const Plan& plan, std::map<std::string, int> previous_failures,
                        const PassOptions& pass_options, PassSummary& summary);
    void record_step(const Step& step, bool rollback);
    void record_outcome(const Execution& execution);
    void save();
    void take_control();
    void keep_boot_hook(bool exclusive);
    void note_outside_changes(const std::vector<Range>& now);
    void add_outside_problems(std::vector<Range>& ranges) const;
    void hold_for_other_hand(Plan& plan) const;

    RootReader reader_;
    Actuator& actuator_;
    ReconcilerSettings settings_;
    Policy policy_;
    State state_;
    std::optional<StepRecord> interrupted_;
    std::string interrupted_range_;
    std::optional<Snapshot> snapshot_;
    std::vector<Range> ranges_;
    std::vector<Problem> orphans_;
    std::optional<PassSummary> last_;
    std::optional<Step> last_step_;  // the step the next observe() follows
    std::vector<CompetingActor> actors_;
    // Changes srmd did not make (outside-changes.hpp), by range: how many, the last, when.
    struct OutsideRecord {
        int count = 0;
        std::string what;
        std::int64_t last = 0;
    };
    std::map<std::string, OutsideRecord> outside_;
    bool policy_changed_ = true;  // the next pass looks at competing actors again
    BootHookState boot_hook_ = BootHookState::Off;
};

// What reading again must cover after `step` on a machine that looked like `snapshot`: its device
// and the memory blocks its range spans.
Changes changes_for_step(const Step& step, const Snapshot& snapshot);

}  // namespace srmd
