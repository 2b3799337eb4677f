// srmctl's side of the bus: a connection to the system bus (or the one --address names), calls
// to org.srmd1's Manager, and how a failure becomes a message and an exit status.
//
// The exit statuses every bus command shares (srmctl(1)):
//   0  done
//   1  the daemon answered with an error (no such range, policy refused, a step failed)
//   2  usage: the command line was wrong; nothing was sent
//   3  the daemon could not be reached (no bus, srmd not running, no reply)
//   4  access denied (polkit said no, or the bus policy refused the call)
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "publish/bus-names.hpp"
#include "util/c-handle.hpp"
#include "util/json.hpp"

namespace srmctl {

enum ExitStatus {
    kExitOk = 0,
    kExitFailed = 1,
    kExitUsage = 2,
    kExitUnreachable = 3,
    kExitDenied = 4,
};

// The options every bus command takes, wherever they appear on its command line.
struct BusOptions {
    bool json = false;
    std::string address;       // empty: $DBUS_SYSTEM_BUS_ADDRESS, else the system bus
    bool ask_password = true;  // let polkit ask (interactive authorization) when on a terminal
};

// A D-Bus error as the bus or srmd named it ("org.srmd1.Error.NoSuchRange") and its message.
struct BusError {
    std::string name;
    std::string message;
};

// The exit status a failure deserves (see the top of this file).
int exit_status_for(const BusError& error);

// Prints the failure, on stdout as {"error": {"name", "message"}} with --json, else on stderr
// as "srmctl COMMAND: message", and returns exit_status_for(error).
int report_error(const BusOptions& options, const std::string& command, const BusError& error);
// A usage error: the message and the command's usage on stderr (and the JSON error on stdout
// with --json, named "srmctl.Usage"). Returns 2.
int report_usage(const BusOptions& options, const std::string& command, const std::string& message,
                 const char* usage);

using BusRef = srmd::CHandle<sd_bus, sd_bus_flush_close_unref>;
using MessageRef = srmd::CHandle<sd_bus_message, sd_bus_message_unref>;
using SlotRef = srmd::CHandle<sd_bus_slot, sd_bus_slot_unref>;

// Thrown by the helpers below; commands catch it once and hand it to report_error().
struct BusFailure {
    BusError error;
};

// A BusError from a negative sd-bus return value, with what was being done.
BusFailure errno_failure(int negative_errno, const std::string& doing);

class BusClient {
  public:
    // Connects, as a client of the bus daemon. Throws BusFailure (exit 3) when it cannot.
    explicit BusClient(const BusOptions& options);

    sd_bus* bus() const { return bus_.get(); }

    // A method call on the Manager, ready for its arguments to be appended.
    MessageRef new_call(const char* method) const;
    // Appends an empty a{sv}.
    static void append_no_options(sd_bus_message* m);
    // Sends the call and waits for the reply (`timeout_usec` 0: sd-bus's default of 25 s).
    // Throws BusFailure with the daemon's error.
    MessageRef call(sd_bus_message* m, std::uint64_t timeout_usec = 0) const;

    // Convenience for the methods that answer one string of JSON.
    srmd::Json call_for_json(const char* method, std::uint64_t timeout_usec = 0) const;
    // Every property of an interface of an object, by name, as JSON (bus-json.hpp).
    srmd::Json get_all(const char* path, const char* interface) const;

  private:
    BusRef bus_;
};

// Passes that act may run kernel steps of up to two minutes each: wait for them.
inline constexpr std::uint64_t kActingTimeoutUsec = 30ull * 60 * 1000 * 1000;

// Throws BusFailure when r < 0.
void check_bus(int r, const std::string& doing);

// Parses the JSON a method answered with; a daemon sending bad JSON is a failure of its own.
srmd::Json parse_reply_json(const std::string& text, const char* method);

// Prints `json` on stdout, pretty.
void print_json(const srmd::Json& json);

}  // namespace srmctl
