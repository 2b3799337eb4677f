// The daemon: an sd-event loop that turns kernel events into reconcile passes, reloads the policy
// on SIGHUP, stops between steps on SIGTERM, and tells systemd how it is doing.
//
// Single-threaded: every callback runs on the loop, and a pass runs to its end inside one
// callback. The only other execution is the killable worker process each kernel step runs in.
// While a pass runs, the loop does not turn; signals stay pending (they are blocked for sd-event)
// and the pass asks between its steps whether SIGTERM or SIGINT is pending, so that a stop
// never cuts a step in half. Events that arrive meanwhile wait in the udev socket or the log.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "act/actuator.hpp"
#include "policy/policy-load.hpp"
#include "read/event-source.hpp"
#include "service/coalescer.hpp"
#include "service/dc-watcher.hpp"
#include "service/metrics-file.hpp"
#include "service/reconciler.hpp"
#include "util/c-handle.hpp"

namespace srmd {

struct DaemonOptions {
    std::string root = "/";                // what the reader reads; "/" is the machine itself
    std::vector<std::string> policy_dirs;  // empty: default_policy_dirs()
    std::string state_dir;                 // empty: $STATE_DIRECTORY, else the default
    CoalesceSettings coalesce;
    bool dry_run = false;          // plan and report, never act
    bool until_converged = false;  // exit once nothing is pending and a pass did nothing
    Backoff backoff;
    std::string kmem_hook;  // the boot hook's program (SRMD_KMEM_HOOK); "": no boot hook
    // Where the Prometheus metrics go after every pass (service/metrics-file.hpp); "": nowhere.
    std::string metrics_file;
};

// A source is disabled as well as released: it must not fire once its owner has gone.
using EventSourceRef = CHandle<sd_event_source, sd_event_source_disable_unref>;

// The CLOCK_REALTIME time sd-event wants, in microseconds, for a unix time in seconds, without
// wrapping: a time too far to express is UINT64_MAX (never), one before the epoch is 0. (2^62 s
// times 10^6 wrapped to a time long past, and the retry timer fired at once, for ever.)
std::uint64_t realtime_usec(std::int64_t unix_seconds);

class Daemon {
  public:
    // The actuator and the event source are the kernel's or the simulated kernel's: main chooses.
    Daemon(DaemonOptions options, std::unique_ptr<Actuator> actuator,
           std::unique_ptr<EventSource> source);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Sets everything up (the coldplug pass is due as soon as the loop runs). Throws SystemError.
    void setup();
    // Loops until told to stop. Returns the exit status: 0, or with until_converged 2 when the
    // machine did not converge and 1 as soon as a pass could not read it. Without
    // until_converged, a pass that could not read the machine is followed by a full re-read
    // after the backoff (options.backoff), growing with each failure in a row.
    int loop();

    sd_event* event() const { return event_.get(); }
    Reconciler& reconciler() { return *reconciler_; }
    const Reconciler& reconciler() const { return *reconciler_; }
    const DaemonOptions& options() const { return options_; }
    const std::vector<std::string>& policy_dirs() const { return policy_dirs_; }
    const std::string& state_path() const { return state_path_; }

    // A pass as soon as the loop is free; `full` reads the whole machine.
    void request_pass(const std::string& trigger, bool full);
    // Validates the policy directories and swaps the policy in only when the set has no error.
    // The diagnostics are logged with their positions either way.
    PolicyLoad reload_policy();
    // False when the last load or reload was refused (the policy before it stays in force).
    bool policy_valid() const { return policy_valid_; }
    // Runs a pass now, from inside a loop callback (a bus method): the caller waits for it.
    // `only`: act on these range ids alone (the others are read and planned, not touched).
    // An operator asked for it, so ranges waiting to retry after a failure are tried now.
    PassSummary pass_now(const std::string& trigger, bool full,
                         const std::vector<std::string>& only = {});
    // Whether SIGTERM or SIGINT waits: a caller about to start a long step should not.
    bool stop_pending() const;

    // Called after every pass, on the loop.
    void on_pass(std::function<void(const PassSummary&)> observer);
    // Whether what later stages attach to the loop works (the bus API: dbus/ sets it). systemd's
    // watchdog is fed only while it holds, so that systemd restarts a daemon that lost its API
    // and could not get it back. Unset: always healthy.
    void set_health_check(std::function<bool()> healthy);

  private:
    static int on_source(sd_event_source*, int fd, uint32_t revents, void* userdata);
    static int on_timer(sd_event_source*, uint64_t usec, void* userdata);
    static int on_retry(sd_event_source*, uint64_t usec, void* userdata);
    static int on_signal(sd_event_source*, const struct signalfd_siginfo* info, void* userdata);
    static int on_watchdog(sd_event_source*, uint64_t usec, void* userdata);
    void feed_watchdog() const;

    void drain_sources();
    void arm_timer();
    void arm_retry();
    PassSummary run_pass(std::string trigger, const std::vector<std::string>& only = {},
                         bool retry_now = false);
    void notify_status();
    void maybe_exit_converged();

    DaemonOptions options_;
    std::vector<std::string> policy_dirs_;
    std::string state_path_;
    CHandle<sd_event, sd_event_unref> event_;
    std::unique_ptr<Actuator> actuator_;
    std::unique_ptr<Reconciler> reconciler_;
    std::unique_ptr<EventSource> source_;
    EventSourceRef source_io_;
    EventSourceRef timer_;
    EventSourceRef retry_timer_;
    std::vector<EventSourceRef> signals_;
    Coalescer coalescer_;
    std::optional<MonotonicTime> settling_since_;  // a due pass waits for udev since then
    Changes changes_;
    std::string trigger_ = "events";
    std::vector<std::function<void(const PassSummary&)>> observers_;
    std::function<bool()> healthy_;
    EventSourceRef watchdog_timer_;
    std::uint64_t watchdog_period_ = 0;  // usec: half of WatchdogSec=
    bool watchdog_ = false;
    bool ready_ = false;
    bool policy_valid_ = false;
    int exit_status_ = 0;
    // Passes in a row that could not read the machine, and when the next may read it again
    // (the backoff); no pass runs before then but one an operator asks for (pass_now).
    int read_failures_ = 0;
    std::optional<MonotonicTime> reread_at_;
    std::optional<MetricsFile> metrics_;   // options_.metrics_file, when set
    std::optional<DcWatcher> dc_watcher_;  // looks for Dynamic Capacity changes (dc-watcher.hpp)
};

}  // namespace srmd
