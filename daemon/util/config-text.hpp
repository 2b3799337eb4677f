// Helpers for reading other programs' configuration text (udev rules, daxctl.conf.d, the record
// srmd keeps). Internal to the competing-actors files.
#pragma once

#include <cctype>
#include <string>

namespace srmd {

inline std::string trim(const std::string& text) {
    std::size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos)
        return "";
    std::size_t end = text.find_last_not_of(" \t\r");
    return text.substr(start, end - start + 1);
}

inline std::string lower(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace srmd
