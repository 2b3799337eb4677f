#include "util/format.hpp"

#include <cstdio>

namespace srmd {

std::string hex(std::uint64_t value) {
    char buffer[2 + 16 + 1];
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
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
