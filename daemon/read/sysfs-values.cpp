#include "read/sysfs-values.hpp"

#include <charconv>

#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// sysfs attributes end in one newline. Only that one character goes: anything more is not the
// kernel's format and is reported rather than guessed around.
std::string_view trim_one(std::string_view text) {
    if (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

[[noreturn]] void malformed(const std::string& path, const char* what, std::string_view text) {
    throw SystemError(path, std::string("malformed ") + what + " " + quote_value(text));
}

// from_chars over the whole of `digits`: no sign, no blanks, no trailing bytes, no overflow.
bool whole_unsigned(std::string_view digits, int base, std::uint64_t& value) {
    if (digits.empty())
        return false;
    const char* last = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), last, value, base);
    return ec == std::errc() && ptr == last;
}

bool has_hex_prefix(std::string_view text) {
    return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

}  // namespace

std::uint64_t parse_hex(std::string_view text, const std::string& path) {
    std::string_view value_text = trim_one(text);
    std::string_view digits = value_text;
    if (has_hex_prefix(digits))
        digits.remove_prefix(2);
    std::uint64_t value = 0;
    if (!whole_unsigned(digits, 16, value))
        malformed(path, "hex number", value_text);
    return value;
}

std::uint64_t parse_number(std::string_view text, const std::string& path) {
    std::string_view value_text = trim_one(text);
    std::string_view digits = value_text;
    // The same bases strtoull(..., 0) picks: 0x for hex, a leading 0 for octal, else decimal.
    int base = 10;
    if (has_hex_prefix(digits)) {
        base = 16;
        digits.remove_prefix(2);
    } else if (digits.size() > 1 && digits[0] == '0') {
        base = 8;
        digits.remove_prefix(1);
    }
    std::uint64_t value = 0;
    if (!whole_unsigned(digits, base, value))
        malformed(path, "number", value_text);
    return value;
}

std::int64_t parse_signed(std::string_view text, const std::string& path) {
    std::string_view value_text = trim_one(text);
    std::int64_t value = 0;
    const char* last = value_text.data() + value_text.size();
    auto [ptr, ec] = std::from_chars(value_text.data(), last, value, 10);
    if (value_text.empty() || ec != std::errc() || ptr != last)
        malformed(path, "signed number", value_text);
    return value;
}

bool parse_bool(std::string_view text, const std::string& path) {
    std::string_view value_text = trim_one(text);
    if (value_text == "0")
        return false;
    if (value_text == "1")
        return true;
    malformed(path, "boolean (expected 0 or 1)", value_text);
}

long trailing_number(std::string_view name) {
    std::size_t first_digit = name.size();
    while (first_digit > 0 && name[first_digit - 1] >= '0' && name[first_digit - 1] <= '9')
        --first_digit;
    std::string_view digits = name.substr(first_digit);
    long value = 0;
    const char* last = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), last, value, 10);
    if (digits.empty() || ec != std::errc() || ptr != last)
        return -1;
    return value;
}

}  // namespace srmd
