// What the simulated kernel leaves beside the device tree: uevents in the event log, /proc/iomem,
// and the facts it remembers in .sim-kernel/.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "read/sysfs-values.hpp"
#include "sim/sim-kernel-rules-internal.hpp"
#include "sim/sim-kernel-rules.hpp"

namespace srmd {

using sim_rules::dir_name_of;
using sim_rules::fail;
using sim_rules::kState;

// --- uevents

void SimulatedKernel::Session::announce(const std::string& action, const std::string& subsystem,
                                        const std::string& dir, const std::string& driver) {
    // "sys/devices/x" is the device at devpath "/devices/x".
    std::string devpath = dir.rfind("sys/", 0) == 0 ? dir.substr(3) : "/" + dir;
    events_.push_back(Uevent{action, subsystem, devpath, driver});
}

void SimulatedKernel::Session::flush_events() {
    if (events_.empty())
        return;
    std::string text;
    for (const Uevent& event : events_)
        text += format_uevent_line(event) + "\n";
    events_.clear();
    // O_APPEND, one write: workers forked for each step and a reader following the log all see
    // whole batches in the order the writes happened. Through the tree's confinement: a log that
    // is a link out of the tree is refused, not followed.
    tree_.append(tree_relative(kSimUeventLog), text);
}

// --- iomem and remembered facts

void SimulatedKernel::Session::iomem_add(std::uint64_t start, std::uint64_t end,
                                         const std::string& name) {
    if (std::optional<std::string> text = tree_.read_attr("proc/iomem"))
        tree_.file("proc/iomem", iomem_insert(*text + "\n", start, end, name));
}

void SimulatedKernel::Session::iomem_drop(const std::string& name, bool children) {
    if (std::optional<std::string> text = tree_.read_attr("proc/iomem"))
        tree_.file("proc/iomem", iomem_remove(*text + "\n", name, children));
}

void SimulatedKernel::Session::record(const std::string& file, const std::string& line) {
    std::string text = tree_.read_attr(kState + file).value_or("");
    if (!text.empty())
        text += "\n";
    tree_.attr(kState + file, text + line);
}

std::vector<std::string> SimulatedKernel::Session::recorded(const std::string& file) const {
    std::vector<std::string> lines;
    std::istringstream in(tree_.read_attr(kState + file).value_or(""));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

bool SimulatedKernel::Session::leaked(std::uint64_t start, std::uint64_t end) const {
    for (const std::string& line : recorded("leaked")) {
        std::size_t dash = line.find('-');
        std::size_t space = line.find(' ');
        if (dash == std::string::npos || space == std::string::npos)
            continue;
        std::uint64_t s = parse_hex(line.substr(0, dash), kState + "leaked");
        std::uint64_t e = parse_hex(line.substr(dash + 1, space - dash - 1), kState + "leaked");
        if (s <= end && start <= e)
            return true;
    }
    return false;
}

std::optional<SimulatedKernel::Session::Remembered> SimulatedKernel::Session::remembered(
    std::uint64_t start) const {
    std::optional<Remembered> found;
    for (const std::string& line : recorded("device")) {
        std::istringstream in(line);
        std::string s, memmap;
        long node = -1, numa = -1;
        if (!(in >> s >> node >> memmap >> numa) || parse_hex(s, kState + "device") != start)
            continue;
        found = Remembered{static_cast<int>(node), static_cast<int>(numa), std::nullopt};
        if (memmap != "-")
            found->memmap_on_memory = memmap == "1";
    }
    return found;
}

// The lowest free minor of the dax character devices (major 252 as in the captures), as the
// kernel's minor allocator hands them out.
std::string SimulatedKernel::Session::next_dax_dev() const {
    std::vector<long> used;
    for (const std::string& entry : reader_.list_optional("/sys/dev/char"))
        if (entry.rfind("252:", 0) == 0)
            used.push_back(std::stol(entry.substr(4)));
    long minor = 0;
    while (std::find(used.begin(), used.end(), minor) != used.end())
        ++minor;
    return "252:" + std::to_string(minor);
}

Snapshot SimulatedKernel::Session::snapshot() const {
    return read_snapshot(reader_);
}

}  // namespace srmd
