#include "cli/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace srmctl {

bool colour_on(int fd) {
    if (!::isatty(fd))
        return false;
    const char* no_colour = std::getenv("NO_COLOR");
    if (no_colour && *no_colour)
        return false;
    const char* term = std::getenv("TERM");
    return !(term && std::strcmp(term, "dumb") == 0);
}

std::string paint(std::string_view text, Colour colour, bool on) {
    if (!on || text.empty())
        return std::string(text);
    const char* code = "1";
    switch (colour) {
        case Colour::Green:
            code = "32";
            break;
        case Colour::Yellow:
            code = "33";
            break;
        case Colour::Red:
            code = "31";
            break;
        case Colour::Bold:
            code = "1";
            break;
    }
    return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}

std::string wrap_words(std::string_view first, std::string_view text, std::string_view indent,
                       std::size_t width) {
    std::string out;
    std::string line(first);
    bool has_word = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t space = text.find(' ', pos);
        if (space == std::string_view::npos)
            space = text.size();
        std::string_view word = text.substr(pos, space - pos);
        pos = space + 1;
        if (word.empty())
            continue;
        if (has_word && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = std::string(indent);
            has_word = false;
        }
        if (has_word)
            line += ' ';
        line += word;
        has_word = true;
    }
    return out + line + "\n";
}

}  // namespace srmctl
