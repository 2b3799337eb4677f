#include "cli/monitor-lines.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace srmctl {

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

MonitorEvent reconcile_finished_event(std::uint64_t number, std::string_view trigger,
                                      bool converged, std::uint32_t steps, std::uint32_t failed) {
    MonitorEvent event;
    event.json = srmd::Json::object();
    event.json.set("signal", "ReconcileFinished");
    event.json.set("number", static_cast<unsigned long long>(number));
    event.json.set("trigger", std::string(trigger));
    event.json.set("converged", converged);
    event.json.set("steps", steps);
    event.json.set("failed", failed);
    event.words = "pass " + std::to_string(number) + " (" + one_line(trigger) +
                  "): " + std::to_string(steps) + (steps == 1 ? " step, " : " steps, ") +
                  std::to_string(failed) + " failed; " +
                  (converged ? "converged" : "not converged");
    return event;
}

MonitorEvent range_changed_event(std::string_view path, std::string_view id,
                                 std::string_view status) {
    MonitorEvent event;
    event.json = srmd::Json::object();
    event.json.set("signal", "RangeChanged");
    event.json.set("path", std::string(path));
    event.json.set("id", std::string(id));
    event.json.set("status", std::string(status));
    event.words = "range " + one_line(id) + " changed, status " + one_line(status);
    return event;
}

MonitorEvent action_failed_event(std::string_view range, std::string_view action,
                                 std::string_view target, std::int32_t error,
                                 std::string_view message) {
    const char* name = error > 0 ? strerrorname_np(error) : nullptr;
    MonitorEvent event;
    event.json = srmd::Json::object();
    event.json.set("signal", "ActionFailed");
    event.json.set("range", std::string(range));
    event.json.set("action", std::string(action));
    event.json.set("target", std::string(target));
    event.json.set("errno", error);
    event.json.set("errno_name", name ? srmd::Json(name) : srmd::Json());
    event.json.set("message", std::string(message));
    event.words = "range " + one_line(range) + ": " + one_line(action) + " " + one_line(target) +
                  " failed: " + one_line(message) +
                  (name ? std::string(" (") + name + ")" : std::string());
    return event;
}

std::string monitor_line(const MonitorEvent& event, bool json,
                         std::chrono::system_clock::time_point when) {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    struct tm parts {};
    char text[64];
    if (json) {
        gmtime_r(&seconds, &parts);
        std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
        std::snprintf(text + n, sizeof text - n, ".%03dZ",
                      static_cast<int>((micros % 1000000) / 1000));
        srmd::Json object = event.json;
        object.set("time", text);
        return object.dump();
    }
    localtime_r(&seconds, &parts);
    std::strftime(text, sizeof text, "%H:%M:%S", &parts);
    return std::string(text) + " " + event.words;
}

}  // namespace srmctl
