#include "dbus/bus-polkit.hpp"

#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "dbus/bus-errors.hpp"
#include "publish/log.hpp"

namespace srmd::bus {

namespace {

// The uid the bus daemon recorded for the caller's connection. Not read from /proc: the bus's
// word is what a peer cannot forge.
std::optional<uid_t> caller_uid(sd_bus_message* call) {
    sd_bus_creds* raw = nullptr;
    if (sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &raw) < 0)
        return std::nullopt;
    CredsRef creds(raw);
    uid_t uid = 0;
    if (sd_bus_creds_get_euid(creds.get(), &uid) >= 0)
        return uid;
    if (sd_bus_creds_get_uid(creds.get(), &uid) >= 0)
        return uid;
    return std::nullopt;
}

void reply_error(sd_bus_message* call, const char* name, const std::string& message) {
    int r = sd_bus_reply_method_errorf(call, name, "%s", message.c_str());
    if (r < 0)
        log_warning(std::string("cannot send an error reply: ") + std::strerror(-r));
}

}  // namespace

void run_and_reply(sd_bus_message* call, const AuthorizedWork& work) {
    try {
        work(call);
    } catch (const BusError& e) {
        reply_error(call, e.name(), e.what());
    } catch (const std::exception& e) {
        reply_error(call, kErrorFailed, e.what());
    } catch (...) {
        reply_error(call, kErrorFailed, "unexpected failure");
    }
}

Polkit::~Polkit() = default;

int Polkit::authorize(sd_bus_message* call, const char* action, AuthorizedWork work,
                      sd_bus_error* error) {
    std::optional<uid_t> uid = caller_uid(call);
    if (uid == std::optional<uid_t>(0)) {
        run_and_reply(call, work);
        return 1;
    }

    // Fail closed, but per caller: its own share first, then everyone's.
    const char* sender = sd_bus_message_get_sender(call);
    std::string who = uid ? "uid " + std::to_string(*uid) : sender ? sender : "unknown caller";
    Caller& caller = callers_[who];
    if (caller.pending >= kPendingPerCaller) {
        if (!caller.refused)
            log_warning(who + " has " + std::to_string(caller.pending) +
                            " authorization checks waiting for polkit; its further calls are "
                            "refused with Busy until polkit answers",
                        {{"SRMD_CALLER", who}});
        caller.refused = true;
        return sd_bus_error_setf(error, kErrorBusy,
                                 "%s already has %zu authorization checks waiting for polkit; "
                                 "try again once they are answered",
                                 who.c_str(), caller.pending);
    }
    if (pending_.size() >= kPendingTotal) {
        if (caller.pending == 0)
            callers_.erase(who);
        if (!refused_all_)
            log_warning(std::to_string(pending_.size()) +
                        " authorization checks are waiting for polkit; further calls are refused "
                        "with Busy until it answers");
        refused_all_ = true;
        return sd_bus_error_setf(error, kErrorBusy,
                                 "%zu authorization checks are waiting for polkit; try again once "
                                 "it answers",
                                 pending_.size());
    }

    auto pending = std::make_unique<Pending>();
    pending->owner = this;
    pending->call = keep_message(call);
    pending->action = action;
    pending->caller = who;
    pending->work = std::move(work);

    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(
        bus_, &raw, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
        "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
    if (r < 0) {
        if (caller.pending == 0)
            callers_.erase(who);
        return sd_bus_error_set_errno(error, r);
    }
    MessageRef check(raw);
    // The subject is the caller's bus name: polkit finds its process, user and session from it.
    // Flag 1 lets polkit ask for a password when the caller allows interactive authorization
    // (busctl --allow-interactive-authorization, srmctl on a terminal).
    std::uint32_t flags = sd_bus_message_get_allow_interactive_authorization(call) > 0 ? 1 : 0;
    r = sd_bus_message_append(check.get(), "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                              sender, action, 0, flags, "");
    sd_bus_slot* slot = nullptr;
    if (r >= 0)
        r = sd_bus_call_async(bus_, &slot, check.get(), &Polkit::on_reply, pending.get(), 0);
    if (r < 0) {
        if (caller.pending == 0)
            callers_.erase(who);
        return sd_bus_error_setf(error, kErrorAccessDenied,
                                 "cannot ask polkit whether %s is allowed: %s", action,
                                 std::strerror(-r));
    }
    pending->slot.reset(slot);
    ++caller.pending;
    pending_.push_back(std::move(pending));
    return 1;
}

int Polkit::on_reply(sd_bus_message* reply, void* userdata, sd_bus_error*) {
    auto* pending = static_cast<Pending*>(userdata);
    sd_bus_message* call = pending->call.get();
    const std::string& action = pending->action;

    // The connection is closing (BusService logs that): the caller cannot be answered on it.
    if (sd_bus_is_open(sd_bus_message_get_bus(reply)) <= 0) {
        pending->owner->finish(pending);
        return 0;
    }
    if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
        log_warning("polkit did not answer for " + action + ": " + (e->message ? e->message : "") +
                    "; refusing");
        reply_error(call, kErrorAccessDenied,
                    "not authorized: polkit could not be asked about " + action + " (" +
                        (e->name ? e->name : "") + ")");
        pending->owner->finish(pending);
        return 0;
    }
    int authorized = 0;
    int challenge = 0;
    int r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_STRUCT, "bba{ss}");
    if (r >= 0)
        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
    if (r < 0) {
        reply_error(call, kErrorAccessDenied, "not authorized: polkit's answer was unreadable");
    } else if (authorized) {
        run_and_reply(call, pending->work);
    } else if (challenge) {
        reply_error(call, kErrorAccessDenied,
                    "not authorized: " + action +
                        " needs authentication; allow interactive authorization to be asked");
    } else {
        reply_error(call, kErrorAccessDenied, "not authorized for " + action);
    }
    pending->owner->finish(pending);
    return 0;
}

void Polkit::finish(Pending* pending) {
    auto caller = callers_.find(pending->caller);
    if (caller != callers_.end() && --caller->second.pending == 0)
        callers_.erase(caller);
    else if (caller != callers_.end())
        caller->second.refused = false;
    refused_all_ = false;
    // sd-bus holds its own reference to the slot while this callback runs.
    pending_.remove_if([pending](const std::unique_ptr<Pending>& p) { return p.get() == pending; });
}

}  // namespace srmd::bus
