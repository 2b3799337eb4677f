// How srmd writes addresses and sizes for people.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace srmd {

// "0x100000000"
std::string hex(std::uint64_t value);
// Binary units, exact when possible: "1 GiB", "250 MiB", "1.5 GiB", "4 KiB", "512 B".
std::string human_size(std::uint64_t bytes);
// CLOCK_REALTIME microseconds as people read them: "2026-12-06 23:42:39 UTC".
std::string utc_time(std::uint64_t micros);

// Text helpers every stage shares, each written once here: paths, trimming, case, splitting.

// "/a/b/c" -> "c" (a path without '/' is its own base name; "/a/b/" -> "").
std::string_view base_name(std::string_view path);
// "/a/b/c" -> "/a/b", "/c" -> "/", "c" -> ".".
std::string_view dir_name(std::string_view path);

// Without the spaces, tabs and carriage returns at either end.
std::string trim(const std::string& text);

// ASCII lower case; other bytes are kept as they are.
std::string lower(std::string text);

// The parts of `text` between `separator`s, empty ones included: "a||b" -> {"a", "", "b"};
// "" -> {""}.
std::vector<std::string> split(std::string_view text, char separator);

// A value read from a file, quoted for an error message: between single quotes, with every byte
// that could act on a terminal or a log written as an escape (\n, \t, \r, \\, \' and \xNN for the
// other control bytes, DEL and every byte from 0x80 up), and cut after `max_shown` bytes with
// "... (N bytes)" after the quotes. A captured tree is hostile input: its values must reach the
// operator's terminal neither whole nor raw. quote_value("a\x1b[2J") is 'a\x1b[2J' in print.
constexpr std::size_t kQuotedBytes = 200;
std::string quote_value(std::string_view value, std::size_t max_shown = kQuotedBytes);

}  // namespace srmd
