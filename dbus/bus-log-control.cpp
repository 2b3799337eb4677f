// org.freedesktop.LogControl1 at /org/freedesktop/LogControl1, the interface systemd's own
// daemons offer, so that `systemctl service-log-level srmd debug` works (the unit's BusName=
// tells systemctl where to find it).
//
// The properties are writable by privileged callers only: sd-bus itself checks the caller (the
// setters are not marked unprivileged, so it asks for CAP_SYS_ADMIN or the daemon's own uid).
// A property setter cannot wait for polkit; unprivileged callers use SetLogLevel on the Manager.
#include <string>

#include "dbus/bus-errors.hpp"
#include "dbus/bus-service.hpp"
#include "publish/log.hpp"

namespace srmd::bus {

namespace {

int get_log_level(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*,
                  sd_bus_error* error) {
    return guarded(error,
                   [&] { return sd_bus_message_append(reply, "s", to_string(log_level())); });
}

int set_log_level_property(sd_bus*, const char*, const char*, const char*, sd_bus_message* value,
                           void*, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* text = nullptr;
        check_bus(sd_bus_message_read(value, "s", &text), "LogLevel");
        LogLevel level;
        if (!parse_log_level(text, level))
            throw BusError(kErrorInvalidArgs, std::string("unknown log level '") + text +
                                                  "': err, warning, notice, info or debug");
        set_log_level(level);
        log_notice(std::string("log level set to ") + to_string(level) + " over LogControl1");
        return 1;
    });
}

int get_log_target(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*,
                   sd_bus_error* error) {
    return guarded(error,
                   [&] { return sd_bus_message_append(reply, "s", to_string(log_target())); });
}

int set_log_target_property(sd_bus*, const char*, const char*, const char*, sd_bus_message* value,
                            void*, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* text = nullptr;
        check_bus(sd_bus_message_read(value, "s", &text), "LogTarget");
        LogTarget target;
        if (!parse_log_target(text, target))
            throw BusError(kErrorInvalidArgs, std::string("unknown log target '") + text +
                                                  "': auto, journal or console");
        set_log_target(target);
        return 1;
    });
}

int get_syslog_identifier(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                          void*, sd_bus_error* error) {
    return guarded(error, [&] { return sd_bus_message_append(reply, "s", "srmd"); });
}

}  // namespace

const sd_bus_vtable log_control_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_WRITABLE_PROPERTY("LogLevel", "s", get_log_level, set_log_level_property, 0, 0),
    SD_BUS_WRITABLE_PROPERTY("LogTarget", "s", get_log_target, set_log_target_property, 0, 0),
    SD_BUS_PROPERTY("SyslogIdentifier", "s", get_syslog_identifier, 0, 0),
    SD_BUS_VTABLE_END,
};

}  // namespace srmd::bus
