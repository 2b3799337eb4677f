// What srmctl's human output may do on the terminal it writes to: colour only on a terminal, and
// never when the user says no (NO_COLOR, https://no-color.org: set and not empty) or the terminal
// cannot (TERM=dumb). Piped or redirected output stays plain text for scripts and files.
#pragma once

#include <string>
#include <string_view>

namespace srmctl {

// Whether text written to `fd` may carry colour.
bool colour_on(int fd);

enum class Colour { Green, Yellow, Red, Bold };

// `text` in `colour` when `on`, else `text` as it is.
std::string paint(std::string_view text, Colour colour, bool on);

// The words of `text` on lines of at most `width` columns (a word longer than that gets a line
// of its own), the first after `first`, the others after `indent`; each line ends in '\n'.
std::string wrap_words(std::string_view first, std::string_view text, std::string_view indent,
                       std::size_t width);

}  // namespace srmctl
