// srmd on the bus: the name org.srmd1, the Manager at /org/srmd1 and one Range object per range
// below /org/srmd1/ranges, served from the daemon's own sd-event loop (dbus/org.srmd1.xml is the
// contract, org.srmd1(5) the manual).
//
// The bus only shows what the daemon's last pass found; it never reads the machine itself. After
// each pass it compares the ranges with those it showed before and announces the difference:
// InterfacesAdded/Removed for ranges that came and went, PropertiesChanged and RangeChanged for
// ranges that changed, ReconcileFinished for the pass, ActionFailed for each failed step.
//
// When the bus goes away (dbus-daemon restarted or killed), sd-bus closes the connection and
// says so with the local Disconnected signal. srmd logs it, builds a new connection to the same
// address (waiting for the socket as at boot), and exports the objects and requests the name
// again; it logs the recovery once it owns the name. Meanwhile the daemon's health check fails,
// so systemd's watchdog is not fed: a daemon that never gets its API back is restarted.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dbus/bus-handles.hpp"
#include "dbus/bus-polkit.hpp"
#include "publish/bus-names.hpp"
#include "service/daemon.hpp"
#include "util/json.hpp"

namespace srmd {

class BusService {
  public:
    // `address`: "system" for the system bus ($DBUS_SYSTEM_BUS_ADDRESS or the default socket),
    // else a D-Bus address. The connection waits for a unix socket that does not exist yet, so
    // srmd may start before dbus does. Throws std::runtime_error. Sets the daemon's health check:
    // false from a lost connection until the name is owned again.
    BusService(Daemon& daemon, const std::string& address);
    ~BusService();
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    // For the vtables (bus-manager.cpp, bus-range.cpp).
    Daemon& daemon() { return daemon_; }
    bus::Polkit& polkit() { return *polkit_; }
    // The range as the last pass left it (its JSON object); null when there is no such range.
    const Json* range(const std::string& id) const;
    const std::map<std::string, Json>& ranges() const { return ranges_; }

    // False from the loss of the connection until the name is owned on a new one.
    bool healthy() const { return !lost_; }

  private:
    // A connection, the objects and the name request (answered later). Throws.
    void serve();
    void connect();
    void export_objects();
    void drop_connection();
    void reconnect_later();
    static int on_disconnected(sd_bus_message* message, void* userdata, sd_bus_error* error);
    static int on_name_reply(sd_bus_message* reply, void* userdata, sd_bus_error* error);
    static int on_reconnect(sd_event_source* source, uint64_t usec, void* userdata);

    void after_pass(const PassSummary& pass);
    void announce_ranges();
    void announce_manager();

    Daemon& daemon_;
    std::string address_;  // the D-Bus address, "system" resolved
    bus::BusRef bus_;      // first: the slots below go before it
    std::unique_ptr<bus::Polkit> polkit_;
    std::vector<bus::SlotRef> slots_;
    std::map<std::string, Json> ranges_;                // by id, with "policy" and "converged"
    std::map<std::string, std::string> manager_shown_;  // property -> its value when last announced
    bool lost_ = false;          // the connection went away, and the name is not owned again yet
    std::uint64_t lost_at_ = 0;  // CLOCK_MONOTONIC usec of the loss
    unsigned failed_reconnects_ = 0;  // since the loss; spaces the next attempts out
    EventSourceRef reconnect_timer_;  // last: goes first
};

namespace bus {

inline constexpr const char* kLogControlPath = "/org/freedesktop/LogControl1";
inline constexpr const char* kLogControlInterface = "org.freedesktop.LogControl1";

extern const sd_bus_vtable manager_vtable[];
// Made from bus-range.cpp's table of properties.
extern const sd_bus_vtable* const range_vtable;
extern const sd_bus_vtable log_control_vtable[];

// The Range objects: found by path, listed for introspection and the ObjectManager.
int find_range(sd_bus* bus, const char* path, const char* interface, void* userdata, void** found,
               sd_bus_error* error);
int enumerate_ranges(sd_bus* bus, const char* prefix, void* userdata, char*** nodes,
                     sd_bus_error* error);

// "/org/srmd1/ranges/r40000000" for "r40000000".
std::string range_path(const std::string& id);
// The Range properties whose JSON field differs between two range objects, by property name.
std::vector<std::string> changed_range_properties(const Json& before, const Json& after);

// The Manager properties that change with passes, each as a comparable text, by property name:
// what announce_manager() compares to tell which to announce.
std::map<std::string, std::string> manager_property_texts(Daemon& daemon);

}  // namespace bus

}  // namespace srmd
