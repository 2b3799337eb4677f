#include "cli/dc-lines.hpp"

#include <algorithm>
#include <vector>

#include "ownership/dc-extents.hpp"
#include "util/format.hpp"

namespace srmctl {

namespace {

const srmd::Json* member(const srmd::Json& object, const char* key) {
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    return value && !value->is_null() ? value : nullptr;
}

std::string text(const srmd::Json& object, const char* key, const std::string& absent) {
    const srmd::Json* value = member(object, key);
    return value && value->is_string() ? value->as_string() : absent;
}

std::uint64_t number(const srmd::Json& object, const char* key) {
    const srmd::Json* value = member(object, key);
    return value && value->is_number() ? value->as_uint() : 0;
}

std::string tag_words(const srmd::Json& object) {
    return srmd::dc_tag_words(text(object, "tag", ""));
}

// Rows of cells, each column as wide as its widest cell, two spaces apart, after `indent`.
std::string aligned(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (widths.size() <= c)
                widths.push_back(0);
            widths[c] = std::max(widths[c], row[c].size());
        }
    std::string out;
    for (const auto& row : rows) {
        std::string line = indent;
        for (std::size_t c = 0; c < row.size(); ++c)
            line += row[c] + (c + 1 < row.size() ? std::string(widths[c] - row[c].size() + 2, ' ')
                                                 : std::string());
        out += line + "\n";
    }
    return out;
}

}  // namespace

std::string dc_lines(const srmd::Json& range) {
    const srmd::Json* dc = member(range, "dc");
    if (!dc)
        return "";
    std::string out = "\nDynamic capacity: " + text(*dc, "region", "-") + " (" +
                      text(*dc, "dax_region", "no dax region") + "), " +
                      srmd::human_size(number(*dc, "available_size")) + " unclaimed, seed " +
                      text(*dc, "seed", "none") + "\n";
    const srmd::Json* extents = member(*dc, "extents");
    std::vector<std::vector<std::string>> rows;
    if (extents && extents->is_array())
        for (const srmd::Json& extent : extents->as_array()) {
            std::vector<std::string> row = {text(extent, "name", "-"),
                                            srmd::hex(number(extent, "offset")),
                                            srmd::human_size(number(extent, "length")),
                                            tag_words(extent), text(extent, "device", "unclaimed")};
            const srmd::Json* asked = member(extent, "release_requested");
            if (asked && asked->is_bool() && asked->as_bool())
                row.push_back("release requested");
            rows.push_back(std::move(row));
        }
    out += rows.empty() ? std::string("  no extents\n") : aligned(rows, "  ");
    const srmd::Json* releases = member(*dc, "release_requests");
    if (releases && releases->is_array())
        for (const srmd::Json& request : releases->as_array())
            out += "  release requested: " + tag_words(request) + ", " +
                   srmd::human_size(number(request, "length")) + " at offset " +
                   srmd::hex(number(request, "offset")) + ", since " +
                   srmd::utc_time(number(request, "since")) + "\n";
    return out;
}

}  // namespace srmctl
