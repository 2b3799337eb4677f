#include "cli/ranges-table.hpp"

#include <algorithm>
#include <optional>

#include "util/format.hpp"

namespace srmctl {

namespace {

using Row = std::vector<std::string>;

// "8/8": memory blocks online over the blocks the Range's dax devices span; "-" when no block
// exists (no dax device, or one in devdax mode, which adds no memory blocks).
std::string online_column(const srmd::Range& range) {
    int blocks = 0;
    int online = 0;
    for (const auto& dax : range.dax) {
        blocks += dax.memory.blocks;
        online += dax.memory.online;
    }
    if (blocks == 0)
        return "-";
    return std::to_string(online) + "/" + std::to_string(blocks);
}

// One zone for the whole Range: the zone its online blocks share, "mixed" when its dax devices
// disagree, "-" when nothing is online.
std::string zone_column(const srmd::Range& range) {
    std::optional<srmd::Zone> zone;
    for (const auto& dax : range.dax) {
        if (!dax.memory.zone)
            continue;
        if (zone && *zone != *dax.memory.zone)
            return srmd::to_string(srmd::Zone::Mixed);
        zone = dax.memory.zone;
    }
    return zone ? srmd::to_string(*zone) : "-";
}

// The figure operators choose memory by, from the closest CPU when the firmware says (access1),
// else from the closest initiator (access0), else the CXL region's own (CDAT); "-" when the kernel
// shows none (never 0).
const srmd::NumaAccess* best_access(const srmd::RangePerformance& p) {
    for (const std::optional<srmd::NumaAccess>* access :
         {&p.node_access1, &p.node_access0, &p.region_access1, &p.region_access0})
        if (*access && ((*access)->read_latency || (*access)->read_bandwidth))
            return &**access;
    return nullptr;
}

std::string figure(const std::optional<std::uint64_t>& value, const char* unit) {
    return value ? std::to_string(*value) + unit : "-";
}

Row range_row(const srmd::Range& range) {
    return {range.id,
            srmd::hex(range.start),
            srmd::human_size(range.size),
            range.window.value_or("-"),
            srmd::to_string(range.owner),
            srmd::to_string(range.kernel_owner),
            srmd::to_string(range.mode),
            online_column(range),
            zone_column(range),
            srmd::to_string(range.status),
            range.performance.node ? std::to_string(*range.performance.node) : "-",
            range.performance.tier ? std::to_string(*range.performance.tier) : "-",
            figure(best_access(range.performance) ? best_access(range.performance)->read_latency
                                                  : std::nullopt,
                   "ns"),
            figure(best_access(range.performance) ? best_access(range.performance)->read_bandwidth
                                                  : std::nullopt,
                   "MB/s")};
}

std::string count(std::size_t n, const char* singular, const char* plural) {
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

std::string header(const srmd::Snapshot& snapshot) {
    std::string kernel = snapshot.kernel_release.empty() ? "unknown" : snapshot.kernel_release;
    std::string block = snapshot.memory.block_size == 0
                            ? std::string("unknown")
                            : srmd::human_size(snapshot.memory.block_size);
    std::string policy = snapshot.memory.auto_online_blocks.empty()
                             ? std::string("unknown")
                             : snapshot.memory.auto_online_blocks;
    // What was found, so that an empty table still shows the tree was read.
    return "kernel " + kernel + ", memory block " + block + ", auto_online_blocks " + policy +
           "\n" + count(snapshot.windows.size(), "CXL window", "CXL windows") + ", " +
           count(snapshot.regions.size(), "CXL region", "CXL regions") + ", " +
           count(snapshot.memdevs.size(), "memdev", "memdevs") + ", " +
           count(snapshot.hmem.size(), "hmem device", "hmem devices") + ", " +
           count(snapshot.dax_devices.size(), "dax device", "dax devices") + ", " +
           count(snapshot.nodes.size(), "NUMA node", "NUMA nodes") + "\n";
}

}  // namespace

// Problem messages are sentences; wrap them to the width of a terminal, continuation lines
// indented under the message, so that a row's problems stay visibly attached to it.
constexpr std::size_t text_width = 100;

std::string problem_lines(const std::string& code, const std::string& message) {
    const std::string first = "  ! " + code + ": ";
    const std::string indent(4, ' ');
    std::string out;
    std::string line = first;
    bool line_has_word = false;
    std::size_t pos = 0;
    const std::string& text = message;
    while (pos < text.size()) {
        std::size_t space = text.find(' ', pos);
        if (space == std::string::npos)
            space = text.size();
        std::string word = text.substr(pos, space - pos);
        pos = space + 1;
        if (word.empty())
            continue;
        if (line_has_word && line.size() + 1 + word.size() > text_width) {
            out += line + "\n";
            line = indent;
            line_has_word = false;
        }
        if (line_has_word)
            line += ' ';
        line += word;
        line_has_word = true;
    }
    out += line + "\n";
    return out;
}

std::string aligned_rows(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<std::string>& after_row) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    }
    std::string out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto& row = rows[r];
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size())
                line.append(widths[c] - row[c].size() + 2, ' ');
        }
        out += line + "\n";
        if (r < after_row.size())
            out += after_row[r];
    }
    return out;
}

std::string ranges_table(const srmd::Snapshot& snapshot, const std::vector<srmd::Range>& ranges) {
    std::string out = header(snapshot);
    if (ranges.empty()) {
        out += "\nno Soft Reserved or CXL ram ranges\n";
        return out;
    }

    std::vector<Row> rows;
    rows.push_back({"ID", "START", "SIZE", "WINDOW", "OWNER", "KERNEL", "MODE", "ONLINE", "ZONE",
                    "STATUS", "NODE", "TIER", "READ-LAT", "READ-BW"});
    for (const auto& range : ranges)
        rows.push_back(range_row(range));

    std::vector<std::string> after_row(1);  // nothing under the heading
    for (const auto& range : ranges) {
        std::string lines;
        for (const auto& problem : range.problems)
            lines += problem_lines(problem.code, problem.message);
        after_row.push_back(std::move(lines));
    }
    out += "\n" + aligned_rows(rows, after_row);
    return out;
}

}  // namespace srmctl
