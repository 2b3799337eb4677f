// Asking polkit whether the caller of a method may do what it asks, without blocking the loop.
//
// The method's handler hands over the call and the work to do. A caller with uid 0 (as the bus
// reports it) gets the work done at once. Anyone else waits: srmd sends polkit's
// CheckAuthorization asynchronously, keeps a reference to the call, and returns to the loop, so
// reads and events go on while polkit (or the password prompt it opens) takes its time. When the
// answer comes, the work runs and replies, or the call is refused with AccessDenied. No answer
// (no polkit on the bus) is a refusal too: srmd never acts for an unprivileged caller it could not
// check.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <list>
#include <memory>
#include <string>

#include "dbus/bus-handles.hpp"

namespace srmd::bus {

// Does what the method asks and sends its reply; may throw BusError, which becomes the reply.
using AuthorizedWork = std::function<void(sd_bus_message* call)>;

class Polkit {
  public:
    explicit Polkit(sd_bus* bus) : bus_(bus) {}
    ~Polkit();
    Polkit(const Polkit&) = delete;
    Polkit& operator=(const Polkit&) = delete;

    // Runs `work` for `call` once `action` is allowed. Returns 1 (the call is handled: replied
    // now or later) or a negative errno with `error` set, for the method handler to return.
    int authorize(sd_bus_message* call, const char* action, AuthorizedWork work,
                  sd_bus_error* error);

  private:
    struct Pending {
        Polkit* owner = nullptr;
        MessageRef call;
        std::string action;
        AuthorizedWork work;
        SlotRef slot;  // the CheckAuthorization call in flight
    };

    static int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error* error);
    void finish(Pending* pending);

    sd_bus* bus_;
    std::list<std::unique_ptr<Pending>> pending_;
};

// Runs `work` and sends whatever it throws as the error reply to `call`.
void run_and_reply(sd_bus_message* call, const AuthorizedWork& work);

}  // namespace srmd::bus
