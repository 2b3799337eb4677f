#include "read/uevent.hpp"

#include <vector>

namespace srmd {

namespace {

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> result;
    size_t at = 0;
    while (at < line.size()) {
        size_t start = line.find_first_not_of(" \t", at);
        if (start == std::string_view::npos)
            break;
        size_t end = line.find_first_of(" \t", start);
        if (end == std::string_view::npos)
            end = line.size();
        result.push_back(line.substr(start, end - start));
        at = end;
    }
    return result;
}

}  // namespace

std::optional<Uevent> parse_uevent_line(std::string_view line) {
    std::vector<std::string_view> w = words(line);
    if (w.size() < 3 || w.size() > 4 || w[2].empty() || w[2][0] != '/')
        return std::nullopt;
    Uevent event;
    event.action = w[0];
    event.subsystem = w[1];
    event.devpath = w[2];
    if (w.size() == 4)
        event.driver = w[3];
    return event;
}

std::string format_uevent_line(const Uevent& event) {
    std::string line = event.action + " " + event.subsystem + " " + event.devpath;
    if (!event.driver.empty())
        line += " " + event.driver;
    return line;
}

}  // namespace srmd
