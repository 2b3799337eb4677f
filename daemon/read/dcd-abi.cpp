// The Dynamic Capacity ABI adapter (read/dcd-abi.hpp): which region modes are dynamic, the tag as
// srmd keeps it, and the cxl_dynamic_capacity trace line. EXPERIMENTAL, as the ABI it reads.
#include "read/dcd-abi.hpp"

#include <algorithm>
#include <cctype>

namespace srmd::dcd_abi {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim_view(std::string_view text) {
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Hex digits only, as the tracepoint prints a u64 with %llx; a 0x prefix is tolerated.
std::optional<std::uint64_t> parse_hex_field(std::string_view text) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text.remove_prefix(2);
    if (text.empty() || text.size() > 16)
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return std::nullopt;
        value = value << 4 | static_cast<std::uint64_t>(digit);
    }
    return value;
}

std::optional<DcTraceEvent::Type> event_type_of(std::string_view text) {
    if (text == "Add capacity")
        return DcTraceEvent::Type::Add;
    if (text == "Release capacity")
        return DcTraceEvent::Type::Release;
    if (text == "Forced capacity release")
        return DcTraceEvent::Type::ForcedRelease;
    if (text == "Region Configuration Updated")
        return DcTraceEvent::Type::RegionUpdated;
    return std::nullopt;
}

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// The fields the event prints as key=value, a value being 'quoted' (it may hold spaces) or running
// to the next blank. Calls `field` for each; text that is not a field is skipped.
template <typename Field>
void for_each_field(std::string_view text, Field field) {
    size_t pos = 0;
    while (pos < text.size()) {
        if (is_space(text[pos])) {
            ++pos;
            continue;
        }
        size_t key_end = pos;
        while (key_end < text.size() && is_key_char(text[key_end]))
            ++key_end;
        if (key_end == pos || key_end >= text.size() || text[key_end] != '=') {
            while (pos < text.size() && !is_space(text[pos]))
                ++pos;
            continue;
        }
        std::string_view key = text.substr(pos, key_end - pos);
        size_t value_start = key_end + 1;
        size_t value_end;
        std::string_view value;
        if (value_start < text.size() && text[value_start] == '\'') {
            size_t close = text.find('\'', value_start + 1);
            value_end = close == std::string_view::npos ? text.size() : close + 1;
            value = text.substr(
                value_start + 1,
                (close == std::string_view::npos ? text.size() : close) - value_start - 1);
        } else {
            value_end = value_start;
            while (value_end < text.size() && !is_space(text[value_end]))
                ++value_end;
            value = text.substr(value_start, value_end - value_start);
        }
        field(key, value);
        pos = value_end;
    }
}

}  // namespace

bool kept_by_region(std::string_view device) {
    std::size_t dot = device.rfind('.');
    return dot != std::string_view::npos && device.substr(dot + 1) == "0";
}

bool is_dynamic_mode(std::string_view mode) {
    mode = trim_view(mode);
    return std::find(std::begin(kRegionModes), std::end(kRegionModes), mode) !=
           std::end(kRegionModes);
}

std::string normal_tag(std::string_view text) {
    text = trim_view(text);
    std::string tag(text);
    std::transform(tag.begin(), tag.end(), tag.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (tag == kNullTag || tag == kClaimUntagged)
        return "";
    return tag;
}

std::optional<DcTraceEvent> parse_trace_line(std::string_view line) {
    // The event's name, then a colon: at the start of the line (the trace_pipe prefix stripped)
    // or after the prefix "task-pid [cpu] flags timestamp: ".
    const std::string marker = std::string(kTraceEventName) + ":";
    size_t at = 0;
    for (;; ++at) {
        at = line.find(marker, at);
        if (at == std::string_view::npos)
            return std::nullopt;
        if (at == 0 || is_space(line[at - 1]))
            break;
    }
    std::string_view rest = line.substr(at + marker.size());

    std::optional<DcTraceEvent::Type> type;
    std::optional<std::uint64_t> dpa, length;
    DcTraceEvent event;
    bool bad = false;
    for_each_field(rest, [&](std::string_view key, std::string_view value) {
        if (key == "event_type") {
            type = event_type_of(value);
            bad |= !type;
        } else if (key == "memdev") {
            event.memdev = std::string(value);
        } else if (key == "starting_dpa" || key == "dpa_start") {
            dpa = parse_hex_field(value);
            bad |= !dpa;
        } else if (key == "length") {
            length = parse_hex_field(value);
            bad |= !length;
        } else if (key == "tag" || (key == "uuid" && type)) {
            // The series' notes also name the field uuid; the common header before event_type
            // prints the record type's uuid, which is not the tag.
            event.tag = normal_tag(value);
        }
    });
    if (bad || !type || !dpa || !length || event.memdev.empty())
        return std::nullopt;
    event.type = *type;
    event.dpa = *dpa;
    event.length = *length;
    return event;
}

}  // namespace srmd::dcd_abi
