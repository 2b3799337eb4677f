// What `srmctl monitor` prints for each signal of srmd: for people, one line that starts with the
// local time and says what happened in words; with --json, one JSON object per line, with the
// signal's name, its arguments and the time (UTC, ISO 8601). Text from the bus is kept on its
// line: a line feed or a control byte in a message is written as an escape, never raw.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/json.hpp"

namespace srmctl {

struct MonitorEvent {
    srmd::Json json;    // {"signal": NAME, ...the arguments}
    std::string words;  // the line for people, without the time
};

MonitorEvent reconcile_finished_event(std::uint64_t number, std::string_view trigger,
                                      bool converged, std::uint32_t steps, std::uint32_t failed);
MonitorEvent range_changed_event(std::string_view path, std::string_view id,
                                 std::string_view status);
MonitorEvent action_failed_event(std::string_view range, std::string_view action,
                                 std::string_view target, std::int32_t error,
                                 std::string_view message);

// The line to print, without its '\n': "HH:MM:SS words" (local time), or with `json` the object
// with "time": "YYYY-MM-DDTHH:MM:SS.mmmZ" added.
std::string monitor_line(const MonitorEvent& event, bool json,
                         std::chrono::system_clock::time_point when);

// `text` on one line: \n, \r, \t and the other control bytes (and DEL) as escapes.
std::string one_line(std::string_view text);

}  // namespace srmctl
