// A kernel device event as srmd sees it, whichever source delivered it: libudev's monitor on a
// real machine, or the simulated kernel's event log on a tree (`srmd --root`).
//
// The event log is one event per line, "ACTION SUBSYSTEM DEVPATH [DRIVER]", DEVPATH being the
// kernel's devpath ("/devices/system/memory/memory8", without "/sys"). The simulated kernel
// appends to <root>/.sim-kernel/uevents the events a real kernel would send for its writes, and
// tests append storms of their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace srmd {

struct Uevent {
    std::string action;  // "add", "remove", "change", "bind", "unbind", "online", "offline", "move"
    std::string subsystem;  // "memory", "dax", "cxl", "platform", "nd", ...
    std::string devpath;    // "/devices/system/memory/memory8"
    std::string driver;     // for bind: the driver bound; "" otherwise
};

// The event log's file below a tree's root.
inline constexpr const char* kSimUeventLog = "/.sim-kernel/uevents";

// One line without its newline. nullopt for a line that is not an event (blank, or fewer than
// three words): a torn last line of a log being written is skipped, not guessed at.
std::optional<Uevent> parse_uevent_line(std::string_view line);
std::string format_uevent_line(const Uevent& event);

}  // namespace srmd
