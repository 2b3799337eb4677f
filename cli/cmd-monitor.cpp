// `srmctl monitor [--count N]`: follow the daemon live. Prints one line per ReconcileFinished,
// RangeChanged and ActionFailed signal (one JSON object per line with --json) until interrupted,
// or until N signals have been printed.
#include <signal.h>
#include <systemd/sd-event.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/monitor-lines.hpp"
#include "util/c-handle.hpp"

namespace srmctl {

namespace {

const char monitor_usage[] =
    "Usage: srmctl monitor [--count N] [--json] [--address ADDR]\n"
    "\n"
    "Follow srmd live: print a line for every reconcile pass that finishes, every range whose\n"
    "state changed and every step that failed, as srmd signals them on the bus, until\n"
    "interrupted (SIGINT, SIGTERM). Each line starts with the local time. With --json, one\n"
    "JSON object per line, with a \"signal\" member naming it and the \"time\" (UTC).\n"
    "\n"
    "  --count N  exit after N signals\n";

struct Monitor {
    bool json = false;
    std::uint64_t count = 0;  // 0: until interrupted
    std::uint64_t seen = 0;
    sd_event* event = nullptr;
    bool finished = false;  // N signals seen, or told to stop: anything else is a lost bus
    BusError failure;       // a signal that could not be read
};

void emit(Monitor& monitor, const MonitorEvent& event) {
    std::string line = monitor_line(event, monitor.json, std::chrono::system_clock::now()) + "\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
    if (monitor.count && ++monitor.seen >= monitor.count) {
        monitor.finished = true;
        sd_event_exit(monitor.event, 0);
    }
}

// Every handler reads its signal's arguments; a malformed one ends the monitor with an error
// rather than printing half a line.
int fail(Monitor& monitor, int r, const char* signal) {
    monitor.failure = errno_failure(r, std::string("reading ") + signal).error;
    sd_event_exit(monitor.event, kExitFailed);
    return 0;
}

int on_reconcile_finished(sd_bus_message* m, void* userdata, sd_bus_error*) {
    Monitor& monitor = *static_cast<Monitor*>(userdata);
    std::uint64_t number = 0;
    const char* trigger = nullptr;
    int converged = 0;
    std::uint32_t steps = 0;
    std::uint32_t failed = 0;
    int r = sd_bus_message_read(m, "tsbuu", &number, &trigger, &converged, &steps, &failed);
    if (r < 0)
        return fail(monitor, r, "ReconcileFinished");
    emit(monitor, reconcile_finished_event(number, trigger, converged != 0, steps, failed));
    return 0;
}

int on_range_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    Monitor& monitor = *static_cast<Monitor*>(userdata);
    const char* path = nullptr;
    const char* id = nullptr;
    const char* status = nullptr;
    int r = sd_bus_message_read(m, "oss", &path, &id, &status);
    if (r < 0)
        return fail(monitor, r, "RangeChanged");
    emit(monitor, range_changed_event(path, id, status));
    return 0;
}

int on_action_failed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    Monitor& monitor = *static_cast<Monitor*>(userdata);
    const char* range = nullptr;
    const char* action = nullptr;
    const char* target = nullptr;
    std::int32_t error = 0;
    const char* message = nullptr;
    int r = sd_bus_message_read(m, "sssis", &range, &action, &target, &error, &message);
    if (r < 0)
        return fail(monitor, r, "ActionFailed");
    emit(monitor, action_failed_event(range, action, target, error, message));
    return 0;
}

int on_stop_signal(sd_event_source* source, const struct signalfd_siginfo*, void* userdata) {
    static_cast<Monitor*>(userdata)->finished = true;
    sd_event_exit(sd_event_source_get_event(source), kExitOk);
    return 0;
}

bool parse_count(const std::string& text, std::uint64_t& count) {
    if (text.empty() || text[0] == '-')
        return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || value == 0)
        return false;
    count = value;
    return true;
}

int follow(const BusClient& client, Monitor& monitor) {
    // Blocked, the stop signals reach the loop through a signalfd, between two lines.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);

    sd_event* raw = nullptr;
    check_bus(sd_event_new(&raw), "creating the event loop");
    srmd::CHandle<sd_event, sd_event_unref> event(raw);
    monitor.event = raw;
    srmd::CHandle<sd_event_source, sd_event_source_unref> stops[2];
    for (int i = 0; i < 2; ++i) {
        sd_event_source* source = nullptr;
        check_bus(
            sd_event_add_signal(raw, &source, i == 0 ? SIGINT : SIGTERM, on_stop_signal, &monitor),
            "watching SIGINT and SIGTERM");
        stops[i].reset(source);
    }

    sd_bus* bus = client.bus();
    check_bus(sd_bus_attach_event(bus, raw, SD_EVENT_PRIORITY_NORMAL), "attaching the bus");
    // A bus that goes away ends the loop without `finished`. (Attached, sd-bus also closes the
    // connection when the loop exits, so it cannot be asked afterwards.)
    sd_bus_set_exit_on_disconnect(bus, 1);

    struct Match {
        const char* member;
        sd_bus_message_handler_t handler;
    };
    const Match matches[] = {
        {"ReconcileFinished", on_reconcile_finished},
        {"RangeChanged", on_range_changed},
        {"ActionFailed", on_action_failed},
    };
    std::vector<SlotRef> slots;
    for (const Match& match : matches) {
        sd_bus_slot* slot = nullptr;
        // Synchronous: once this returns, the bus daemon routes the signal to us.
        check_bus(sd_bus_match_signal(bus, &slot, srmd::bus::kBusName, srmd::bus::kManagerPath,
                                      srmd::bus::kManagerInterface, match.member, match.handler,
                                      &monitor),
                  std::string("subscribing to ") + match.member);
        slots.emplace_back(slot);
    }

    int r = sd_event_loop(raw);
    sd_bus_detach_event(bus);
    if (!monitor.failure.name.empty())
        throw BusFailure{monitor.failure};
    if (r < 0)
        throw errno_failure(r, "following the bus");
    if (!monitor.finished)
        throw BusFailure{
            {"org.freedesktop.DBus.Error.Disconnected", "the bus connection was closed"}};
    return kExitOk;
}

}  // namespace

int cmd_monitor(const Args& args) {
    CommandLine line;
    Monitor monitor;
    OwnOptions own{{{"count", true}}, [&](const Found& found, std::string& error) {
                       if (!found.value || (found.separate && found.value->rfind("--", 0) == 0))
                           error = "--count needs a number of signals";
                       else if (!parse_count(*found.value, monitor.count))
                           error = "--count needs a positive number of signals, not '" +
                                   *found.value + "'";
                   }};
    if (auto done = parse_command_line(args, "monitor", monitor_usage, 0, line, own))
        return *done;
    monitor.json = line.bus.json;
    return run_on_bus(line.bus, "monitor",
                      [&](const BusClient& client) { return follow(client, monitor); });
}

}  // namespace srmctl
