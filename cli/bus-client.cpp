#include "cli/bus-client.hpp"

#include "cli/json-error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "cli/bus-json.hpp"

namespace srmctl {

namespace {

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

// An sd_bus_error that frees itself.
struct ScopedError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~ScopedError() { sd_bus_error_free(&e); }
};

}  // namespace

int exit_status_for(const BusError& error) {
    const std::string& n = error.name;
    if (n == "srmctl.Usage")
        return kExitUsage;
    if (n == srmd::bus::kErrorAccessDenied || n == "org.freedesktop.DBus.Error.AccessDenied" ||
        n == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" ||
        n == "System.Error.EACCES" || n == "System.Error.EPERM")
        return kExitDenied;
    // Nobody answered: no bus, no srmd on it, or srmd did not reply in time.
    if (n == "srmctl.Unreachable" || n == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        n == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
        n == "org.freedesktop.DBus.Error.NoReply" || n == "org.freedesktop.DBus.Error.Timeout" ||
        n == "org.freedesktop.DBus.Error.Disconnected" ||
        n == "org.freedesktop.DBus.Error.NoServer" ||
        n == "org.freedesktop.DBus.Error.FileNotFound" || starts_with(n, "System.Error.ECONN") ||
        n == "System.Error.ENOENT" || n == "System.Error.ETIMEDOUT")
        return kExitUnreachable;
    return kExitFailed;
}

int report_error(const BusOptions& options, const std::string& command, const BusError& error) {
    if (options.json) {
        print_json_error(error.name, error.message);
    } else {
        std::fprintf(stderr, "srmctl %s: %s\n", command.c_str(), error.message.c_str());
    }
    return exit_status_for(error);
}

int report_usage(const BusOptions& options, const std::string& command, const std::string& message,
                 const char* usage) {
    if (options.json)
        report_error(options, command, {"srmctl.Usage", message});
    std::fprintf(stderr, "srmctl %s: %s\n\n%s", command.c_str(), message.c_str(), usage);
    return kExitUsage;
}

BusFailure errno_failure(int negative_errno, const std::string& doing) {
    ScopedError error;
    sd_bus_error_set_errno(&error.e, -negative_errno);
    BusFailure failure;
    failure.error.name = error.e.name ? error.e.name : "System.Error";
    failure.error.message = doing + ": " + std::strerror(-negative_errno);
    return failure;
}

void check_bus(int r, const std::string& doing) {
    if (r < 0)
        throw errno_failure(r, doing);
}

BusClient::BusClient(const BusOptions& options) {
    sd_bus* bus = nullptr;
    int r = 0;
    std::string where;
    if (options.address.empty()) {
        // sd_bus_open_system() honours $DBUS_SYSTEM_BUS_ADDRESS.
        const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        where = env && *env ? env : "the system bus";
        r = sd_bus_open_system(&bus);
    } else {
        where = options.address;
        r = sd_bus_new(&bus);
        if (r >= 0)
            r = sd_bus_set_address(bus, options.address.c_str());
        if (r >= 0)
            r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
            r = sd_bus_start(bus);
    }
    bus_.reset(bus);
    if (r < 0) {
        BusFailure failure = errno_failure(r, "cannot connect to " + where);
        failure.error.name = "srmctl.Unreachable";
        throw failure;
    }
    // polkit may ask the user for a password only when someone is there to type it.
    sd_bus_set_allow_interactive_authorization(bus, options.ask_password && isatty(STDIN_FILENO));
}

MessageRef BusClient::new_call(const char* method) const {
    sd_bus_message* m = nullptr;
    check_bus(
        sd_bus_message_new_method_call(bus_.get(), &m, srmd::bus::kBusName, srmd::bus::kManagerPath,
                                       srmd::bus::kManagerInterface, method),
        std::string("preparing ") + method);
    return MessageRef(m);
}

void BusClient::append_no_options(sd_bus_message* m) {
    check_bus(sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}"), "appending options");
    check_bus(sd_bus_message_close_container(m), "appending options");
}

MessageRef BusClient::call(sd_bus_message* m, std::uint64_t timeout_usec) const {
    ScopedError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call(bus_.get(), m, timeout_usec, &error.e, &reply);
    if (r < 0) {
        BusFailure failure;
        if (sd_bus_error_is_set(&error.e)) {
            failure.error.name = error.e.name;
            failure.error.message = error.e.message ? error.e.message : error.e.name;
        } else {
            failure = errno_failure(r, std::string("calling ") + sd_bus_message_get_member(m));
        }
        if (exit_status_for(failure.error) == kExitUnreachable)
            failure.error.message = "srmd is not reachable on the bus (" + failure.error.message +
                                    "); is srmd.service running?";
        throw failure;
    }
    return MessageRef(reply);
}

srmd::Json BusClient::call_for_json(const char* method, std::uint64_t timeout_usec) const {
    MessageRef m = new_call(method);
    append_no_options(m.get());
    MessageRef reply = call(m.get(), timeout_usec);
    const char* text = nullptr;
    check_bus(sd_bus_message_read(reply.get(), "s", &text), std::string("reading ") + method);
    return parse_reply_json(text ? text : "", method);
}

srmd::Json BusClient::get_all(const char* path, const char* interface) const {
    sd_bus_message* m = nullptr;
    check_bus(sd_bus_message_new_method_call(bus_.get(), &m, srmd::bus::kBusName, path,
                                             "org.freedesktop.DBus.Properties", "GetAll"),
              "preparing GetAll");
    MessageRef call_message(m);
    check_bus(sd_bus_message_append(m, "s", interface), "preparing GetAll");
    MessageRef reply = call(m);
    return read_bus_value(reply.get());
}

srmd::Json parse_reply_json(const std::string& text, const char* method) {
    try {
        return srmd::Json::parse(text);
    } catch (const std::runtime_error& e) {
        throw BusFailure{
            {"srmctl.BadReply", std::string(method) + " answered with bad JSON: " + e.what()}};
    }
}

void print_json(const srmd::Json& json) {
    std::printf("%s\n", json.dump(2).c_str());
}

}  // namespace srmctl
