#include "service/daemon.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include "policy/diagnostic.hpp"
#include "publish/log.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

// How long a due pass waits for udev to finish handling events, and how often it looks.
constexpr std::chrono::milliseconds kSettleWait{5000};
constexpr std::chrono::milliseconds kSettlePoll{100};

std::uint64_t to_usec(MonotonicTime t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

MonotonicTime now() {
    return std::chrono::steady_clock::now();
}

// The stop signals and the ones sd-event handles for us.
int reload_signal() {
    return SIGHUP;
}
int debug_signal() {
    return SIGRTMIN + 22;
}
int info_signal() {
    return SIGRTMIN + 23;
}

std::string default_state_dir(const std::string& root) {
    // systemd's StateDirectory= may list several; srmd asks for one.
    if (const char* env = std::getenv("STATE_DIRECTORY"); env && *env) {
        std::string dirs = env;
        return dirs.substr(0, dirs.find(':'));
    }
    return (root == "/" ? "" : root) + "/var/lib/srmd";
}

void check(int r, const char* what) {
    if (r < 0)
        throw SystemError(what, -r);
}

std::string pass_words(const PassSummary& s) {
    std::string words = "pass " + std::to_string(s.number) + " (" + s.trigger + ", " +
                        std::to_string(s.events) + " events, " +
                        (s.full_read ? "full read, " : "") + std::to_string(s.files) + " files, " +
                        std::to_string(s.duration / 1000) + " ms): ";
    if (!s.error.empty())
        return words + s.error;
    words += std::to_string(s.steps) + " steps";
    if (s.failed)
        words += ", " + std::to_string(s.failed) + " failed";
    if (s.waiting)
        words += ", " + std::to_string(s.waiting) + " waiting to retry";
    if (s.stopped)
        words += ", stopped between steps";
    words += s.converged ? "; converged" : "; not converged";
    return words;
}

}  // namespace

std::uint64_t realtime_usec(std::int64_t unix_seconds) {
    constexpr std::uint64_t per_second = 1000000;
    if (unix_seconds <= 0)
        return 0;
    auto seconds = static_cast<std::uint64_t>(unix_seconds);
    return seconds >= UINT64_MAX / per_second ? UINT64_MAX : seconds * per_second;
}

Daemon::Daemon(DaemonOptions options, std::unique_ptr<Actuator> actuator,
               std::unique_ptr<EventSource> source)
    : options_(std::move(options)),
      actuator_(std::move(actuator)),
      source_(std::move(source)),
      coalescer_(options_.coalesce) {
    if (!options_.metrics_file.empty())
        metrics_.emplace(options_.metrics_file);
}

Daemon::~Daemon() = default;

void Daemon::setup() {
    sd_event* event = nullptr;
    check(sd_event_new(&event), "sd-event");
    event_.reset(event);

    // sd-event takes signals through a signalfd, which needs them blocked; blocked signals stay
    // pending while a pass runs, which is what lets a pass see a SIGTERM between its steps.
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig : {SIGTERM, SIGINT, reload_signal(), debug_signal(), info_signal()})
        sigaddset(&mask, sig);
    if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0)
        throw SystemError("sigprocmask", errno);
    for (int sig : {SIGTERM, SIGINT, reload_signal(), debug_signal(), info_signal()}) {
        sd_event_source* source = nullptr;
        check(sd_event_add_signal(event_.get(), &source, sig, &Daemon::on_signal, this),
              "signal source");
        // Before anything else the loop has ready: a storm of events must not delay a stop.
        sd_event_source_set_priority(source, SD_EVENT_PRIORITY_IMPORTANT);
        signals_.emplace_back(source);
    }
    // Pings WATCHDOG=1 from the loop at half of WatchdogSec= when systemd asks for it, while the
    // health check holds (set_health_check).
    std::uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
        watchdog_period_ = watchdog_usec / 2;
        sd_event_source* watchdog = nullptr;
        check(sd_event_add_time_relative(event_.get(), &watchdog, CLOCK_MONOTONIC, watchdog_period_,
                                         watchdog_period_ / 8, &Daemon::on_watchdog, this),
              "watchdog timer");
        watchdog_timer_.reset(watchdog);
        watchdog_ = true;
    }

    policy_dirs_ = options_.policy_dirs.empty() ? default_policy_dirs() : options_.policy_dirs;
    state_path_ =
        (options_.state_dir.empty() ? default_state_dir(options_.root) : options_.state_dir) +
        "/state.json";
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(state_path_).parent_path(), ec);
    if (ec)
        log_warning("cannot create " + std::filesystem::path(state_path_).parent_path().string() +
                    ": " + ec.message() + "; state will not be kept");

    ReconcilerSettings settings;
    settings.state_path = ec ? "" : state_path_;
    settings.act = !options_.dry_run;
    settings.backoff = options_.backoff;
    settings.kmem_hook = options_.kmem_hook;
    reconciler_ = std::make_unique<Reconciler>(RootReader(options_.root), *actuator_, settings);

    std::string warning = reconciler_->load_state();
    if (!warning.empty())
        log_warning(warning, {{"SRMD_PATH", state_path_}});
    if (const auto& step = reconciler_->interrupted())
        log_warning("the previous run stopped during " + step->action + " " + step->target +
                        " (pass " + std::to_string(step->pass) +
                        "); the machine is read afresh and the plan made again from there",
                    {{"SRMD_RANGE", reconciler_->interrupted_range()},
                     {"SRMD_DEVICE", step->target},
                     {"SRMD_ACTION", step->action}});

    PolicyLoad load = reload_policy();
    if (!load.policy)
        log_error(
            "no valid policy: srmd watches and reports, and changes nothing until a "
            "valid policy is loaded (fix the files, then reload)");

    sd_event_source* io = nullptr;
    check(sd_event_add_io(event_.get(), &io, source_->fd(), EPOLLIN, &Daemon::on_source, this),
          "event source");
    source_io_.reset(io);
    sd_event_source* timer = nullptr;
    check(sd_event_add_time(event_.get(), &timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                            &Daemon::on_timer, this),
          "timer");
    timer_.reset(timer);
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
    sd_event_source* retry = nullptr;
    check(sd_event_add_time(event_.get(), &retry, CLOCK_REALTIME, UINT64_MAX, 1000000,
                            &Daemon::on_retry, this),
          "retry timer");
    retry_timer_.reset(retry);
    sd_event_source_set_enabled(retry_timer_.get(), SD_EVENT_OFF);
    dc_watcher_.emplace(event_.get(), RootReader(options_.root), options_.backoff, [this] {
        changes_.cxl = true;
        changes_.dax = true;
        request_pass("dynamic-capacity", false);
    });

    log_notice(std::string("watching ") + source_->name() + " events" +
               (options_.root != "/" ? " on " + options_.root : "") +
               (options_.dry_run ? " (dry run: nothing is changed)" : ""));
    request_pass("coldplug", true);
}

int Daemon::loop() {
    int r = sd_event_loop(event_.get());
    sd_notify(0, "STOPPING=1\nSTATUS=Stopped");
    if (r < 0) {
        log_error(std::string("event loop failed: ") + std::strerror(-r));
        return 1;
    }
    return r;
}

void Daemon::on_pass(std::function<void(const PassSummary&)> observer) {
    observers_.push_back(std::move(observer));
}

void Daemon::request_pass(const std::string& trigger, bool full) {
    if (full)
        changes_.full = true;
    trigger_ = trigger;
    coalescer_.urgent(now());
    arm_timer();
}

void Daemon::drain_sources() {
    std::uint64_t count = source_->drain(changes_);
    coalescer_.events(now(), count);
    if (changes_.full && !coalescer_.pending())
        coalescer_.urgent(now());
}

void Daemon::arm_timer() {
    std::optional<MonotonicTime> deadline = coalescer_.deadline();
    if (!deadline) {
        sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
        return;
    }
    if (reread_at_ && *reread_at_ > *deadline)
        deadline = reread_at_;
    sd_event_source_set_time(timer_.get(), to_usec(*deadline));
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
}

void Daemon::arm_retry() {
    std::optional<std::int64_t> at = reconciler_->next_retry();
    if (!at) {
        sd_event_source_set_enabled(retry_timer_.get(), SD_EVENT_OFF);
        return;
    }
    std::uint64_t usec = realtime_usec(*at);
    if (usec == UINT64_MAX) {
        sd_event_source_set_enabled(retry_timer_.get(), SD_EVENT_OFF);
        return;
    }
    sd_event_source_set_time(retry_timer_.get(), usec);
    sd_event_source_set_enabled(retry_timer_.get(), SD_EVENT_ONESHOT);
}

void Daemon::set_health_check(std::function<bool()> healthy) {
    healthy_ = std::move(healthy);
}

void Daemon::feed_watchdog() const {
    if (watchdog_ && (!healthy_ || healthy_()))
        sd_notify(0, "WATCHDOG=1");
}

int Daemon::on_watchdog(sd_event_source* source, uint64_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    self->feed_watchdog();
    sd_event_source_set_time_relative(source, self->watchdog_period_);
    sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
    return 0;
}

bool Daemon::stop_pending() const {
    // Between two steps of a long pass: keep systemd's watchdog fed too.
    feed_watchdog();
    sigset_t pending;
    if (sigpending(&pending) != 0)
        return false;
    return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

PassSummary Daemon::run_pass(std::string trigger, const std::vector<std::string>& only,
                             bool retry_now) {
    std::uint64_t events = coalescer_.take();
    Changes changes = std::exchange(changes_, Changes{});
    trigger_ = "events";
    sd_notify(0, ("STATUS=Reconciling (pass " + std::to_string(reconciler_->state().passes + 1) +
                  ", " + trigger + ")")
                     .c_str());
    PassSummary summary = reconciler_->pass(
        changes, trigger, events, PassOptions{[this] { return stop_pending(); }, only, retry_now});
    LogLevel level = !summary.error.empty() || summary.failed ? LogLevel::Warning
                     : summary.steps > 0                      ? LogLevel::Notice
                                                              : LogLevel::Info;
    log(level, pass_words(summary),
        {{"SRMD_PASS", std::to_string(summary.number)},
         {"SRMD_TRIGGER", summary.trigger},
         {"SRMD_EVENTS", std::to_string(summary.events)},
         {"SRMD_STEPS", std::to_string(summary.steps)}});
    if (summary.error.empty()) {
        read_failures_ = 0;
        reread_at_.reset();
    } else {
        // Nothing read can be trusted: the next pass reads everything. Not at once, though: a
        // machine that cannot be read now will most likely not be readable a millisecond later,
        // and reading it again and again would spin. It waits like any failure, with the backoff.
        changes_.full = true;
        read_failures_ = std::min(read_failures_ + 1, kMaxFailures);
        std::chrono::seconds delay = backoff_delay(read_failures_, options_.backoff);
        reread_at_ = now() + delay;
        trigger_ = "retry-read";
        coalescer_.urgent(now());
        log_notice("reading the machine again in " + std::to_string(delay.count()) +
                   " s (failed reads in a row: " + std::to_string(read_failures_) + ")");
    }
    notify_status();
    if (!ready_) {
        // Ready once the coldplug pass has placed the memory: units ordered after srmd find it
        // where the policy wants it.
        sd_notify(0, "READY=1");
        ready_ = true;
    }
    if (metrics_)
        metrics_->after_pass(*reconciler_, summary);
    dc_watcher_->after_pass(*reconciler_);
    for (const auto& observer : observers_)
        observer(summary);
    arm_retry();
    return summary;
}

PassSummary Daemon::pass_now(const std::string& trigger, bool full,
                             const std::vector<std::string>& only) {
    drain_sources();
    if (full)
        changes_.full = true;
    PassSummary summary = run_pass(trigger, only, true);
    arm_timer();
    return summary;
}

void Daemon::notify_status() {
    const auto& last = reconciler_->last_pass();
    if (!last)
        return;
    int problems = 0;
    for (const Range& range : reconciler_->ranges())
        if (range.status != RangeStatus::Ok)
            ++problems;
    std::string status = std::string(last->converged ? "Converged" : "Not converged") + ": " +
                         std::to_string(reconciler_->ranges().size()) + " ranges, " +
                         std::to_string(problems) + " with problems; " +
                         std::to_string(last->number) + " passes";
    sd_notify(0, ("STATUS=" + status).c_str());
}

void Daemon::maybe_exit_converged() {
    if (!options_.until_converged)
        return;
    const auto& last = reconciler_->last_pass();
    if (!last)
        return;
    // The machine could not be read: that is the verdict, whatever is still pending (a re-read
    // waits for its backoff, and would most likely fail the same way).
    if (!last->error.empty()) {
        exit_status_ = 1;
        sd_event_exit(event_.get(), 1);
        return;
    }
    // Our own steps' events are already in the log; take them before deciding.
    drain_sources();
    arm_timer();
    if (coalescer_.pending() || last->steps > 0)
        return;
    int status = last->converged ? 0 : 2;
    exit_status_ = status;
    sd_event_exit(event_.get(), status);
}

PolicyLoad Daemon::reload_policy() {
    // Before the coldplug pass this is the first load, not a reload: a READY=1 now would tell
    // systemd that srmd is up before the memory is where the policy wants it.
    if (ready_)
        sd_notify(0, "RELOADING=1");
    PolicyLoad load = load_policy_dirs(policy_dirs_);
    policy_valid_ = load.policy.has_value();
    for (const Diagnostic& d : load.diagnostics) {
        LogLevel level = d.severity == Severity::Error     ? LogLevel::Err
                         : d.severity == Severity::Warning ? LogLevel::Warning
                                                           : LogLevel::Info;
        log(level, format_diagnostic(d),
            {{"SRMD_POLICY_FILE", d.file},
             {"SRMD_POLICY_LINE", d.position.line ? std::to_string(d.position.line) : ""}});
    }
    if (load.policy) {
        std::size_t rules = load.policy->rules.size();
        std::size_t files = load.files.size();
        reconciler_->set_policy(std::move(*load.policy));
        load.policy = reconciler_->policy();
        log_notice("policy loaded: " + std::to_string(rules) + " rules from " +
                   std::to_string(files) + " files");
    } else {
        log_error("policy refused (" + std::to_string(load.errors()) +
                  " errors); the last good policy stays, with " +
                  std::to_string(reconciler_->policy().rules.size()) + " rules");
    }
    if (ready_)
        sd_notify(0, "READY=1");
    return load;
}

int Daemon::on_source(sd_event_source*, int, uint32_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    self->drain_sources();
    self->arm_timer();
    return 0;
}

int Daemon::on_timer(sd_event_source*, uint64_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    bool backing_off = self->reread_at_ && now() < *self->reread_at_;
    if (self->coalescer_.due(now()) && !backing_off) {
        // udev still handling events (a driver module loading for a new dax device, say): a
        // pass now would race the kernel's own probing. Wait for it, a little.
        if (self->source_->settling()) {
            MonotonicTime t = now();
            if (!self->settling_since_)
                self->settling_since_ = t;
            if (t - *self->settling_since_ < kSettleWait) {
                sd_event_source_set_time(self->timer_.get(), to_usec(t + kSettlePoll));
                sd_event_source_set_enabled(self->timer_.get(), SD_EVENT_ONESHOT);
                return 0;
            }
            log_debug(
                "udev is still busy after " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(kSettleWait).count()) +
                " ms; the pass runs anyway");
        }
        self->settling_since_.reset();
        self->run_pass(self->trigger_);
        self->maybe_exit_converged();
    }
    self->arm_timer();
    return 0;
}

int Daemon::on_retry(sd_event_source*, uint64_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    self->request_pass("retry", false);
    return 0;
}

int Daemon::on_signal(sd_event_source*, const struct signalfd_siginfo* info, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    int sig = static_cast<int>(info->ssi_signo);
    if (sig == SIGTERM || sig == SIGINT) {
        log_notice(std::string("stopping on ") + strsignal(sig));
        sd_notify(0, "STOPPING=1");
        sd_event_exit(self->event_.get(), self->exit_status_);
    } else if (sig == reload_signal()) {
        if (self->reload_policy().policy)
            self->request_pass("reload", false);
    } else if (sig == debug_signal()) {
        set_log_level(LogLevel::Debug);
        log_notice("log level set to debug");
    } else if (sig == info_signal()) {
        set_log_level(LogLevel::Info);
        log_notice("log level set to info");
    }
    return 0;
}

}  // namespace srmd
