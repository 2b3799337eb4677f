// Asking polkit whether the caller of a method may do what it asks, without blocking the loop.
//
// The method's handler hands over the call and the work to do. A caller with uid 0 (as the bus
// reports it) gets the work done at once. Anyone else waits: srmd sends polkit's
// CheckAuthorization asynchronously, keeps a reference to the call, and returns to the loop, so
// reads and events go on while polkit (or the password prompt it opens) takes its time. When the
// answer comes, the work runs and replies, or the call is refused with AccessDenied. No answer
// (no polkit on the bus) is a refusal too: srmd never acts for an unprivileged caller it could not
// check.
//
// The checks waiting for polkit are bounded, per caller first: a caller (a uid, or a bus name when
// the bus does not say the uid) may have kPendingPerCaller of them, and all callers together
// kPendingTotal, below the 128 replies dbus-daemon lets one connection wait for. A call over
// either limit is refused at once with Busy. So while polkit hangs, one caller flooding the API
// fills its own share, and the others' checks still go out.
#pragma once

#include <systemd/sd-bus.h>

#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "dbus/bus-handles.hpp"

namespace srmd::bus {

// Does what the method asks and sends its reply; may throw BusError, which becomes the reply.
using AuthorizedWork = std::function<void(sd_bus_message* call)>;

inline constexpr std::size_t kPendingPerCaller = 8;
inline constexpr std::size_t kPendingTotal = 64;

class Polkit {
  public:
    explicit Polkit(sd_bus* bus) : bus_(bus) {}
    ~Polkit();
    Polkit(const Polkit&) = delete;
    Polkit& operator=(const Polkit&) = delete;

    // Runs `work` for `call` once `action` is allowed. Returns 1 (the call is handled: replied
    // now or later) or a negative errno with `error` set, for the method handler to return:
    // Busy over the limits above.
    int authorize(sd_bus_message* call, const char* action, AuthorizedWork work,
                  sd_bus_error* error);

    // Checks waiting for polkit's answer.
    std::size_t pending() const { return pending_.size(); }

  private:
    struct Pending {
        Polkit* owner = nullptr;
        MessageRef call;
        std::string action;
        std::string caller;  // "uid 1000", or the bus name
        AuthorizedWork work;
        SlotRef slot;  // the CheckAuthorization call in flight
    };
    struct Caller {
        std::size_t pending = 0;
        bool refused = false;  // refused since its count was last below the limit (logged once)
    };

    static int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error* error);
    void finish(Pending* pending);

    sd_bus* bus_;
    std::list<std::unique_ptr<Pending>> pending_;
    std::map<std::string, Caller> callers_;  // those with checks pending
    bool refused_all_ = false;               // kPendingTotal reached and logged
};

// Runs `work` and sends whatever it throws as the error reply to `call`.
void run_and_reply(sd_bus_message* call, const AuthorizedWork& work);

}  // namespace srmd::bus
