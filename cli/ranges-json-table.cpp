#include "cli/ranges-json-table.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "cli/bus-command.hpp"
#include "cli/dc-lines.hpp"
#include "cli/performance-lines.hpp"
#include "cli/ranges-table.hpp"
#include "cli/terminal.hpp"
#include "util/format.hpp"

namespace srmctl {

namespace {

const srmd::Json::Array& array_field(const srmd::Json& object, const char* key) {
    static const srmd::Json::Array none;
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    return value && value->is_array() ? value->as_array() : none;
}

const srmd::Json& object_field(const srmd::Json& object, const char* key) {
    static const srmd::Json none;
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    return value && value->is_object() ? *value : none;
}

std::string size_text(std::uint64_t bytes) {
    return srmd::human_size(bytes);
}

// The width srmctl ranges keeps to: an 80-column terminal.
constexpr std::size_t kNarrowWidth = 80;

// Green when all is well, red when something broke, yellow for the rest.
Colour status_colour(const std::string& status) {
    if (status == "ok")
        return Colour::Green;
    if (status == "degraded" || status == "conflict")
        return Colour::Red;
    return Colour::Yellow;
}

// "8/8" blocks online over blocks, as simulate's table; "-" without memory blocks.
std::string online_column(const srmd::Json& range) {
    std::uint64_t blocks = 0;
    std::uint64_t online = 0;
    for (const srmd::Json& dax : array_field(range, "dax")) {
        const srmd::Json& memory = object_field(dax, "memory");
        blocks += field_uint(memory, "blocks");
        online += field_uint(memory, "online");
    }
    if (blocks == 0)
        return "-";
    return std::to_string(online) + "/" + std::to_string(blocks);
}

// The zone the range's online memory shares, "mixed" when its devices disagree.
std::string zone_column(const srmd::Json& range) {
    std::optional<std::string> zone;
    for (const srmd::Json& dax : array_field(range, "dax")) {
        std::string each = field_text(object_field(dax, "memory"), "zone");
        if (each == "-")
            continue;
        if (zone && *zone != each)
            return "mixed";
        zone = each;
    }
    return zone.value_or("-");
}

// The rule's label, "-" when no rule matches.
std::string rule_column(const srmd::Json& range) {
    return field_text(object_field(range, "policy"), "rule");
}

std::string policy_words(const srmd::Json& range) {
    const srmd::Json& policy = object_field(range, "policy");
    if (policy.is_null())
        return "no rule matches: srmd leaves the range alone";
    std::string words = "rule " + field_text(policy, "rule") + ": owner " +
                        field_text(policy, "owner") + ", mode " + field_text(policy, "mode");
    if (field_text(policy, "zone") != "-")
        words += ", zone " + field_text(policy, "zone");
    if (field_text(policy, "when") == "unusable")
        words += ", only where the memory cannot be used as it is";
    return words;
}

// "Kernel log:" and a line per kernel log line on the range: when (seconds since boot, as
// dmesg prints it), its sequence number, what it means, and the kernel's words.
std::string kernel_log_lines(const srmd::Json& range) {
    const auto& lines = array_field(range, "kernel_log");
    std::string out = "\nKernel log:" + std::string(lines.empty() ? " none\n" : "\n");
    for (const srmd::Json& line : lines) {
        std::uint64_t usec = field_uint(line, "usec");
        char when[48];
        std::snprintf(when, sizeof when, "[%5llu.%06llu]",
                      static_cast<unsigned long long>(usec / 1000000),
                      static_cast<unsigned long long>(usec % 1000000));
        out += std::string("  ") + when + " #" + field_text(line, "seq") + " " +
               field_text(line, "meaning") + ": " + field_text(line, "message") + "\n";
    }
    return out;
}

}  // namespace

std::string ranges_table_from_json(const srmd::Json& ranges, bool colour) {
    if (!ranges.is_array() || ranges.as_array().empty())
        return "no Soft Reserved or CXL ram ranges\n";
    // Eight short columns fit 80 columns (the start is in the id); the rule, window and kernel
    // owner, whose lengths have no bound, go on a line of their own under the row.
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> after_row(1);
    rows.push_back({"ID", "SIZE", "OWNER", "MODE", "ONLINE", "ZONE", "STATUS", "CONVERGED"});
    for (const srmd::Json& range : ranges.as_array()) {
        rows.push_back({field_text(range, "id"), size_text(field_uint(range, "size")),
                        field_text(range, "owner"), field_text(range, "mode"), online_column(range),
                        zone_column(range), field_text(range, "status"),
                        field_bool(range, "converged") ? "yes" : "no"});
        std::string rule = rule_column(range);
        std::string about = "rule " + (rule == "-" ? std::string("none") : rule) + ", window " +
                            field_text(range, "window") + ", kernel owner " +
                            field_text(range, "kernel_owner");
        std::string lines = wrap_words("  ", about, "    ", kNarrowWidth);
        for (const srmd::Json& problem : array_field(range, "problems")) {
            std::string code = field_text(problem, "code");
            std::string first = "  ! " + code + ": ";
            std::string wrapped =
                wrap_words(first, field_text(problem, "message"), "    ", kNarrowWidth);
            lines += "  " + paint("! " + code + ":", Colour::Yellow, colour) +
                     wrapped.substr(first.size() - 1);
        }
        after_row.push_back(std::move(lines));
    }
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    std::string out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        for (std::size_t c = 0; c < rows[r].size(); ++c) {
            const std::string& cell = rows[r][c];
            std::string shown = cell;
            if (r == 0)
                shown = paint(cell, Colour::Bold, colour);
            else if (c == 6)
                shown = paint(cell, status_colour(cell), colour);
            else if (c == 7)
                shown = paint(cell, cell == "yes" ? Colour::Green : Colour::Yellow, colour);
            line += shown;
            if (c + 1 < rows[r].size())
                line.append(widths[c] - cell.size() + 2, ' ');
        }
        out += line + "\n" + after_row[r];
    }
    return out;
}

std::string range_details(const srmd::Json& range) {
    std::uint64_t start = field_uint(range, "start");
    std::uint64_t size = field_uint(range, "size");
    std::vector<std::vector<std::string>> rows = {
        {"Range:", field_text(range, "id")},
        {"Address:", srmd::hex(start) + "-" + srmd::hex(start + size - (size ? 1 : 0)) + " (" +
                         size_text(size) + ")"},
        {"Window:", field_text(range, "window")},
        {"Soft Reserved:", field_bool(range, "soft_reserved") ? "yes" : "no"},
        {"Kernel owner:", field_text(range, "kernel_owner")},
        {"Owner:", field_text(range, "owner")},
        {"Mode:", field_text(range, "mode")},
        {"Status:", field_text(range, "status")},
        {"Policy:", policy_words(range)},
        {"Converged:", field_bool(range, "converged") ? "yes" : "no"},
    };
    std::string out = aligned_rows(rows);

    const auto& claimants = array_field(range, "claimants");
    out += "\nClaimants:" + std::string(claimants.empty() ? " none\n" : "\n");
    std::vector<std::vector<std::string>> claimant_rows;
    for (const srmd::Json& c : claimants)
        claimant_rows.push_back({"  " + field_text(c, "kind"), field_text(c, "device"),
                                 srmd::hex(field_uint(c, "start")),
                                 size_text(field_uint(c, "size")),
                                 field_bool(c, "committed") ? "committed" : "not committed",
                                 "covers " + field_text(c, "covers")});
    out += aligned_rows(claimant_rows);

    const auto& daxes = array_field(range, "dax");
    out += "\nDax devices:" + std::string(daxes.empty() ? " none\n" : "\n");
    std::vector<std::vector<std::string>> dax_rows;
    for (const srmd::Json& d : daxes) {
        const srmd::Json& memory = object_field(d, "memory");
        std::string blocks = field_uint(memory, "blocks") == 0
                                 ? "no memory blocks"
                                 : std::to_string(field_uint(memory, "online")) + "/" +
                                       std::to_string(field_uint(memory, "blocks")) +
                                       " blocks online, zone " + field_text(memory, "zone");
        dax_rows.push_back({"  " + field_text(d, "device"), "driver " + field_text(d, "driver"),
                            size_text(field_uint(d, "size")),
                            "node " + field_text(d, "target_node"), blocks});
    }
    out += aligned_rows(dax_rows);
    out += dc_lines(range);

    const auto& problems = array_field(range, "problems");
    out += "\nProblems:" + std::string(problems.empty() ? " none\n" : "\n");
    for (const srmd::Json& problem : problems)
        out += problem_lines(field_text(problem, "code"), field_text(problem, "message"));
    out += performance_lines(range);
    out += kernel_log_lines(range);
    return out;
}

}  // namespace srmctl
