#include "util/format.hpp"

#include <ctime>

#include <cctype>
#include <cstdio>

namespace srmd {

std::string hex(std::uint64_t value) {
    char buffer[2 + 16 + 1];
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::string utc_time(std::uint64_t micros) {
    std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
    return std::string(text, n);
}

std::string human_size(std::uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    constexpr int last_unit = 6;
    int unit = 0;
    while (unit < last_unit && bytes >> (10 * (unit + 1)) != 0)
        ++unit;
    // Hundredths of the unit, rounded half up. 128 bits because bytes * 100 overflows 64.
    unsigned __int128 scale = static_cast<unsigned __int128>(1) << (10 * unit);
    unsigned __int128 hundredths =
        (static_cast<unsigned __int128>(bytes) * 100 + scale / 2) / scale;
    // 1023.999 MiB rounds to 1024 MiB, which reads better as the next unit up.
    if (unit < last_unit && hundredths >= 1024 * 100) {
        ++unit;
        hundredths /= 1024;
    }
    auto whole = static_cast<unsigned long long>(hundredths / 100);
    auto fraction = static_cast<unsigned>(hundredths % 100);
    char buffer[48];
    if (fraction == 0)
        std::snprintf(buffer, sizeof buffer, "%llu %s", whole, units[unit]);
    else if (fraction % 10 == 0)
        std::snprintf(buffer, sizeof buffer, "%llu.%u %s", whole, fraction / 10, units[unit]);
    else
        std::snprintf(buffer, sizeof buffer, "%llu.%02u %s", whole, fraction, units[unit]);
    return buffer;
}

std::string_view base_name(std::string_view path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view dir_name(std::string_view path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos)
        return ".";
    return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

std::string trim(const std::string& text) {
    std::size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos)
        return "";
    std::size_t end = text.find_last_not_of(" \t\r");
    return text.substr(start, end - start + 1);
}

std::string lower(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    for (;;) {
        std::size_t at = text.find(separator);
        parts.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return parts;
        text.remove_prefix(at + 1);
    }
}

}  // namespace srmd

namespace srmd {

std::string quote_value(std::string_view value, std::size_t max_shown) {
    std::string_view shown = value.substr(0, max_shown);
    std::string quoted = "'";
    quoted.reserve(shown.size() + 16);
    for (char c : shown) {
        auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '\n':
                quoted += "\\n";
                continue;
            case '\t':
                quoted += "\\t";
                continue;
            case '\r':
                quoted += "\\r";
                continue;
            case '\\':
                quoted += "\\\\";
                continue;
            case '\'':
                quoted += "\\'";
                continue;
            default:
                break;
        }
        if (byte < 0x20 || byte >= 0x7f) {
            static const char digits[] = "0123456789abcdef";
            quoted += "\\x";
            quoted += digits[byte >> 4];
            quoted += digits[byte & 0xf];
        } else {
            quoted += c;
        }
    }
    quoted += '\'';
    if (shown.size() < value.size())
        quoted += "... (" + std::to_string(value.size()) + " bytes)";
    return quoted;
}

}  // namespace srmd
