// org.srmd1.Manager at /org/srmd1: the daemon's state as properties, the ranges and plans as
// JSON, and the methods that act. Reads answer at once from the last pass; methods that change
// something go through polkit first (bus-polkit.hpp) and refuse with Busy while srmd is stopping.
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "actors/competing-actors.hpp"
#include "dbus/bus-errors.hpp"
#include "dbus/bus-options.hpp"
#include "dbus/bus-service.hpp"
#include "plan/plan.hpp"
#include "policy/diagnostic.hpp"
#include "policy/policy-match.hpp"
#include "publish/log.hpp"
#include "publish/plan-json.hpp"
#include "srmd-config.h"

namespace srmd::bus {

namespace {

BusService& service_of(void* userdata) {
    return *static_cast<BusService*>(userdata);
}

std::string state_of(Daemon& daemon) {
    const Reconciler& reconciler = daemon.reconciler();
    const auto& last = reconciler.last_pass();
    if (!last)
        return "starting";
    if (!last->error.empty())
        return "unreadable";
    for (const Range& range : reconciler.ranges())
        if (range.status == RangeStatus::Degraded)
            return "degraded";
    return last->converged ? "converged" : "not-converged";
}

std::string auto_online_blocks(Daemon& daemon) {
    const Reconciler& reconciler = daemon.reconciler();
    return reconciler.has_snapshot() ? reconciler.snapshot().memory.auto_online_blocks : "";
}

void reply_text(sd_bus_message* call, const std::string& text) {
    check_bus(sd_bus_reply_method_return(call, "s", text.c_str()), "reply");
}

void reply_lines(sd_bus_message* call, const std::vector<std::string>& lines) {
    sd_bus_message* raw = nullptr;
    check_bus(sd_bus_message_new_method_return(call, &raw), "reply");
    MessageRef reply(raw);
    check_bus(sd_bus_message_open_container(reply.get(), 'a', "s"), "reply");
    for (const std::string& line : lines)
        check_bus(sd_bus_message_append(reply.get(), "s", line.c_str()), "reply");
    check_bus(sd_bus_message_close_container(reply.get()), "reply");
    check_bus(sd_bus_send(nullptr, reply.get(), nullptr), "reply");
}

void refuse_if_stopping(Daemon& daemon) {
    if (daemon.stop_pending())
        throw BusError(kErrorBusy, "srmd is stopping; nothing new is started");
}

// The range an argument names: its id, or an address inside it (0x... or decimal).
const Range& find_range_for(const Daemon& daemon, const std::string& what) {
    const std::vector<Range>& ranges = daemon.reconciler().ranges();
    for (const Range& range : ranges)
        if (range.id == what)
            return range;
    if (!what.empty() && what[0] >= '0' && what[0] <= '9') {
        char* end = nullptr;
        errno = 0;
        unsigned long long address = std::strtoull(what.c_str(), &end, 0);
        if (errno == 0 && end && *end == '\0')
            for (const Range& range : ranges)
                if (address >= range.start && address < range.end())
                    return range;
    }
    throw BusError(kErrorNoSuchRange, "no range '" + what +
                                          "' (ranges are named like r40000000, or "
                                          "given by an address inside them)");
}

void check_ranges_exist(const Daemon& daemon, const std::vector<std::string>& ids) {
    for (const std::string& id : ids) {
        bool known = false;
        for (const Range& range : daemon.reconciler().ranges())
            known = known || range.id == id;
        if (!known)
            throw BusError(kErrorNoSuchRange, "no range '" + id + "'");
    }
}

// ---- properties ----

int get_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*,
                sd_bus_error* error) {
    return guarded(error, [&] { return sd_bus_message_append(reply, "s", SRMD_VERSION); });
}

int get_root(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
             sd_bus_error* error) {
    return guarded(error, [&] {
        return sd_bus_message_append(reply, "s",
                                     service_of(userdata).daemon().options().root.c_str());
    });
}

int get_dry_run(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        return sd_bus_message_append(reply, "b", service_of(userdata).daemon().options().dry_run);
    });
}

int get_state(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
              sd_bus_error* error) {
    return guarded(error, [&] {
        return sd_bus_message_append(reply, "s", state_of(service_of(userdata).daemon()).c_str());
    });
}

int get_policy_files(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                     void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        check_bus(sd_bus_message_open_container(reply, 'a', "s"), "PolicyFiles");
        for (const std::string& file : service_of(userdata).daemon().reconciler().policy().files)
            check_bus(sd_bus_message_append(reply, "s", file.c_str()), "PolicyFiles");
        return sd_bus_message_close_container(reply);
    });
}

int get_policy_valid(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                     void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        return sd_bus_message_append(reply, "b", service_of(userdata).daemon().policy_valid());
    });
}

int get_exclusive_onlining(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                           void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const Policy& policy = service_of(userdata).daemon().reconciler().policy();
        return sd_bus_message_append(reply, "b", policy.settings.exclusive_onlining);
    });
}

int get_auto_online_blocks(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                           void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        return sd_bus_message_append(reply, "s",
                                     auto_online_blocks(service_of(userdata).daemon()).c_str());
    });
}

// The reconciler's list, found by the last full read or policy change: the bus does not read the
// rules files a second time.
int get_competing_actors(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                         void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const std::vector<CompetingActor>& actors =
            service_of(userdata).daemon().reconciler().competing_actors();
        check_bus(sd_bus_message_open_container(reply, 'a', "(sssb)"), "CompetingActors");
        for (const CompetingActor& actor : actors) {
            std::string where =
                actor.line > 0 ? actor.path + ":" + std::to_string(actor.line) : actor.path;
            check_bus(sd_bus_message_append(reply, "(sssb)", to_string(actor.kind), where.c_str(),
                                            actor.what.c_str(), actor.can_take_over),
                      "CompetingActors");
        }
        return sd_bus_message_close_container(reply);
    });
}

int get_boot_hook(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                  void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        return sd_bus_message_append(
            reply, "s", to_string(service_of(userdata).daemon().reconciler().boot_hook()));
    });
}

int get_last_reconcile(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                       void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const auto& last = service_of(userdata).daemon().reconciler().last_pass();
        check_bus(sd_bus_message_open_container(reply, 'a', "{sv}"), "LastReconcile");
        if (last) {
            auto u64 = [&](const char* key, std::uint64_t value) {
                check_bus(sd_bus_message_append(reply, "{sv}", key, "t", value), key);
            };
            auto u32 = [&](const char* key, int value) {
                check_bus(sd_bus_message_append(reply, "{sv}", key, "u",
                                                static_cast<std::uint32_t>(value)),
                          key);
            };
            auto flag = [&](const char* key, bool value) {
                check_bus(sd_bus_message_append(reply, "{sv}", key, "b", value), key);
            };
            u64("number", last->number);
            check_bus(sd_bus_message_append(reply, "{sv}", "trigger", "s", last->trigger.c_str()),
                      "trigger");
            u64("started", static_cast<std::uint64_t>(last->started));
            u64("duration_us", static_cast<std::uint64_t>(last->duration));
            u64("events", last->events);
            u64("files", last->files);
            u32("steps", last->steps);
            u32("failed", last->failed);
            u32("waiting", last->waiting);
            flag("stopped", last->stopped);
            flag("converged", last->converged);
            check_bus(sd_bus_message_append(reply, "{sv}", "error", "s", last->error.c_str()),
                      "error");
        }
        return sd_bus_message_close_container(reply);
    });
}

// ---- methods that read ----

int method_get_ranges(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        read_options(call, {});
        reply_text(call, service_of(userdata).daemon().reconciler().ranges_json().dump());
        return 1;
    });
}

int method_get_range(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* id = nullptr;
        check_bus(sd_bus_message_read(call, "s", &id), "arguments");
        read_options(call, {});
        const Json* range = service_of(userdata).range(id);
        if (!range)
            throw BusError(kErrorNoSuchRange, std::string("no range '") + id + "'");
        reply_text(call, range->dump());
        return 1;
    });
}

int method_plan(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        read_options(call, {});
        reply_text(call,
                   plan_to_json(service_of(userdata).daemon().reconciler().plan_now()).dump());
        return 1;
    });
}

int method_explain(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* what = nullptr;
        check_bus(sd_bus_message_read(call, "s", &what), "arguments");
        read_options(call, {});
        const Daemon& daemon = service_of(userdata).daemon();
        if (!daemon.reconciler().has_snapshot())
            throw BusError(kErrorFailed, "the machine could not be read: nothing to explain");
        const Range& range = find_range_for(daemon, what);
        reply_lines(call,
                    explain(daemon.reconciler().policy(), range, daemon.reconciler().snapshot()));
        return 1;
    });
}

// ---- methods that act ----

int method_apply(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        Options options = read_options(call, {{"ranges", "as"}, {"full", "b"}});
        std::vector<std::string> only = options.list("ranges").value_or(std::vector<std::string>{});
        if (options.list("ranges") && only.empty())
            throw BusError(kErrorInvalidArgs, "option 'ranges' names no range");
        bool full = options.flag("full").value_or(false);
        Daemon& daemon = service_of(userdata).daemon();
        check_ranges_exist(daemon, only);
        return service_of(userdata).polkit().authorize(
            call, kActionManage,
            [&daemon, only, full](sd_bus_message* m) {
                refuse_if_stopping(daemon);
                check_ranges_exist(daemon, only);  // the machine may have changed meanwhile
                PassSummary pass = daemon.pass_now("apply", full, only);
                if (!pass.error.empty())
                    throw BusError(kErrorFailed, pass.error);
                Json result = Json::object();
                result.set("pass", pass_to_json(pass));
                result.set("plan", plan_to_json(pass.plan));
                result.set("applied", applied_to_json(pass.execution));
                // In dry-run mode the plan is made and nothing carried out: say so.
                result.set("dry_run", daemon.options().dry_run);
                reply_text(m, result.dump());
            },
            error);
    });
}

int method_reconcile(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        read_options(call, {});
        Daemon& daemon = service_of(userdata).daemon();
        return service_of(userdata).polkit().authorize(
            call, kActionManage,
            [&daemon](sd_bus_message* m) {
                refuse_if_stopping(daemon);
                PassSummary pass = daemon.pass_now("request", true);
                if (!pass.error.empty())
                    throw BusError(kErrorFailed, pass.error);
                reply_text(m, pass_to_json(pass).dump());
            },
            error);
    });
}

int method_reload_policy(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        Options options = read_options(call, {{"reconcile", "b"}});
        bool reconcile = options.flag("reconcile").value_or(true);
        Daemon& daemon = service_of(userdata).daemon();
        return service_of(userdata).polkit().authorize(
            call, kActionReload,
            [&daemon, reconcile](sd_bus_message* m) {
                refuse_if_stopping(daemon);
                PolicyLoad load = daemon.reload_policy();
                if (!load.policy) {
                    std::string message = "policy refused (" + std::to_string(load.errors()) +
                                          " errors); the last good policy stays:";
                    for (const Diagnostic& d : load.diagnostics)
                        message += "\n" + format_diagnostic(d);
                    throw BusError(kErrorPolicyInvalid, message);
                }
                // As SIGHUP does: the new policy is applied by a pass of its own. Without one
                // ("reconcile": false) an operator can look at Plan before calling Apply; events
                // until then are handled under the new policy all the same.
                if (reconcile)
                    daemon.request_pass("reload", false);
                reply_lines(m, daemon.reconciler().policy().files);
            },
            error);
    });
}

int method_set_log_level(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* text = nullptr;
        check_bus(sd_bus_message_read(call, "s", &text), "arguments");
        read_options(call, {});
        LogLevel level;
        if (!parse_log_level(text, level))
            throw BusError(kErrorInvalidArgs, std::string("unknown log level '") + text +
                                                  "': err, warning, notice, info or debug");
        return service_of(userdata).polkit().authorize(
            call, kActionManage,
            [level](sd_bus_message* m) {
                set_log_level(level);
                log_notice(std::string("log level set to ") + to_string(level) + " over the bus");
                check_bus(sd_bus_reply_method_return(m, nullptr), "reply");
            },
            error);
    });
}

}  // namespace

// Every method is UNPRIVILEGED for sd-bus, which would otherwise demand CAP_SYS_ADMIN of callers
// on the system bus: reads are open to all, and polkit decides the rest.
const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Root", "s", get_root, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("DryRun", "b", get_dry_run, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("State", "s", get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("PolicyFiles", "as", get_policy_files, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("PolicyValid", "b", get_policy_valid, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ExclusiveOnlining", "b", get_exclusive_onlining, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("AutoOnlineBlocks", "s", get_auto_online_blocks, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("CompetingActors", "a(sssb)", get_competing_actors, 0, 0),
    SD_BUS_PROPERTY("LastReconcile", "a{sv}", get_last_reconcile, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("BootHook", "s", get_boot_hook, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

    SD_BUS_METHOD_WITH_ARGS("GetRanges", SD_BUS_ARGS("a{sv}", options),
                            SD_BUS_RESULT("s", ranges_json), method_get_ranges,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("GetRange", SD_BUS_ARGS("s", id, "a{sv}", options),
                            SD_BUS_RESULT("s", range_json), method_get_range,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Plan", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("s", plan_json),
                            method_plan, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Explain", SD_BUS_ARGS("s", range, "a{sv}", options),
                            SD_BUS_RESULT("as", lines), method_explain, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Apply", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("s", result_json),
                            method_apply, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Reconcile", SD_BUS_ARGS("a{sv}", options),
                            SD_BUS_RESULT("s", pass_json), method_reconcile,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ReloadPolicy", SD_BUS_ARGS("a{sv}", options),
                            SD_BUS_RESULT("as", files), method_reload_policy,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("SetLogLevel", SD_BUS_ARGS("s", level, "a{sv}", options),
                            SD_BUS_NO_RESULT, method_set_log_level, SD_BUS_VTABLE_UNPRIVILEGED),

    SD_BUS_SIGNAL_WITH_ARGS(
        "ReconcileFinished",
        SD_BUS_ARGS("t", number, "s", trigger, "b", converged, "u", steps, "u", failed), 0),
    SD_BUS_SIGNAL_WITH_ARGS("RangeChanged", SD_BUS_ARGS("o", path, "s", id, "s", status), 0),
    // Spelled out: "errno" as a macro argument would expand to the C library's errno.
    SD_BUS_SIGNAL_WITH_NAMES("ActionFailed", "sssis", "range\0action\0target\0errno\0message\0", 0),
    SD_BUS_VTABLE_END,
};

std::map<std::string, std::string> manager_property_texts(Daemon& daemon) {
    const Reconciler& reconciler = daemon.reconciler();
    std::map<std::string, std::string> texts;
    texts["State"] = state_of(daemon);
    std::string files;
    for (const std::string& file : reconciler.policy().files)
        files += file + "\n";
    texts["PolicyFiles"] = files;
    texts["PolicyValid"] = daemon.policy_valid() ? "1" : "0";
    texts["ExclusiveOnlining"] = reconciler.policy().settings.exclusive_onlining ? "1" : "0";
    texts["AutoOnlineBlocks"] = auto_online_blocks(daemon);
    texts["BootHook"] = to_string(reconciler.boot_hook());
    texts["LastReconcile"] =
        reconciler.last_pass() ? pass_to_json(*reconciler.last_pass()).dump() : "";
    return texts;
}

}  // namespace srmd::bus
