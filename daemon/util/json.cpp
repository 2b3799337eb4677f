#include "util/json.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace srmd {

namespace {

using Int = std::int64_t;
using UInt = std::uint64_t;

// ---- writing ----

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one.
// Overlong forms, surrogates and code points above U+10FFFF are not valid UTF-8 (RFC 3629).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (i + n > s.size())
        return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
            return 0;
    }
    return n;
}

void write_string(std::string& out, std::string_view s) {
    static const char digits[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            std::size_t n = utf8_sequence_length(s, i);
            if (n == 0) {
                // JSON text is UTF-8; a stray byte (from a sysfs file, say) becomes U+FFFD
                // rather than making the whole document unreadable.
                out += "\xef\xbf\xbd";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += digits[c >> 4];
                    out += digits[c & 0xf];
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
}

template <typename T>
void write_number(std::string& out, T value) {
    char buf[64];
    auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

void write_double(std::string& out, double d) {
    // JSON has no NaN or infinity.
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    // Shortest text that reads back as the same double.
    write_number(out, d);
}

void newline(std::string& out, int indent, int depth) {
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(depth), ' ');
}

// ---- reading ----

// Deep enough for any document srmd writes, shallow enough that a hostile file cannot exhaust
// the stack.
constexpr int max_depth = 256;

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    Json document() {
        skip_whitespace();
        Json value = parse_value(0);
        skip_whitespace();
        if (pos_ != text_.size())
            fail("unexpected text after the JSON value");
        return value;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const { fail_at(what, pos_); }
    [[noreturn]] void fail_at(const std::string& what, std::size_t offset) const {
        throw std::runtime_error("JSON: " + what + " at byte " + std::to_string(offset));
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    void skip_whitespace() {
        while (!at_end()) {
            char c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                break;
            ++pos_;
        }
    }

    void expect(char c) {
        if (at_end())
            fail(std::string("expected '") + c + "', found end of text");
        if (peek() != c)
            fail(std::string("expected '") + c + "'");
        ++pos_;
    }

    void literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word)
            fail("invalid literal");
        pos_ += word.size();
    }

    Json parse_value(int depth) {
        if (at_end())
            fail("expected a value, found end of text");
        switch (peek()) {
            case '{':
                return parse_object(depth + 1);
            case '[':
                return parse_array(depth + 1);
            case '"':
                return Json(parse_string());
            case 't':
                literal("true");
                return Json(true);
            case 'f':
                literal("false");
                return Json(false);
            case 'n':
                literal("null");
                return Json(nullptr);
            default:
                if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
                    return parse_number();
                fail("expected a value");
        }
    }

    Json parse_object(int depth) {
        if (depth > max_depth)
            fail("nesting too deep");
        ++pos_;  // '{'
        Json::Object members;
        skip_whitespace();
        if (!at_end() && peek() == '}') {
            ++pos_;
            return Json(std::move(members));
        }
        for (;;) {
            skip_whitespace();
            if (at_end() || peek() != '"')
                fail("expected a string key");
            std::size_t key_offset = pos_;
            std::string key = parse_string();
            // RFC 8259 leaves duplicate names to the reader; we refuse them rather than pick one.
            for (const auto& member : members) {
                if (member.first == key)
                    fail_at("duplicate key \"" + key + "\"", key_offset);
            }
            skip_whitespace();
            expect(':');
            skip_whitespace();
            Json value = parse_value(depth);
            members.emplace_back(std::move(key), std::move(value));
            skip_whitespace();
            if (at_end())
                fail("expected ',' or '}', found end of text");
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                return Json(std::move(members));
            }
            fail("expected ',' or '}'");
        }
    }

    Json parse_array(int depth) {
        if (depth > max_depth)
            fail("nesting too deep");
        ++pos_;  // '['
        Json::Array items;
        skip_whitespace();
        if (!at_end() && peek() == ']') {
            ++pos_;
            return Json(std::move(items));
        }
        for (;;) {
            skip_whitespace();
            items.push_back(parse_value(depth));
            skip_whitespace();
            if (at_end())
                fail("expected ',' or ']', found end of text");
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == ']') {
                ++pos_;
                return Json(std::move(items));
            }
            fail("expected ',' or ']'");
        }
    }

    unsigned hex4() {
        if (pos_ + 4 > text_.size())
            fail("truncated \\u escape");
        unsigned value = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text_[pos_];
            unsigned digit;
            if (c >= '0' && c <= '9') {
                digit = static_cast<unsigned>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                digit = static_cast<unsigned>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                digit = static_cast<unsigned>(c - 'A' + 10);
            } else {
                fail("invalid hex digit in \\u escape");
            }
            value = value * 16 + digit;
            ++pos_;
        }
        return value;
    }

    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::string parse_string() {
        ++pos_;  // opening quote
        std::string out;
        for (;;) {
            if (at_end())
                fail("unterminated string");
            unsigned char c = static_cast<unsigned char>(peek());
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20)
                fail("control character in string");
            if (c >= 0x80) {
                std::size_t n = utf8_sequence_length(text_, pos_);
                if (n == 0)
                    fail("invalid UTF-8");
                out.append(text_.substr(pos_, n));
                pos_ += n;
                continue;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                ++pos_;
                continue;
            }
            std::size_t escape_offset = pos_;
            ++pos_;
            if (at_end())
                fail("unterminated string");
            char e = peek();
            ++pos_;
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xdc00 && cp <= 0xdfff) {
                        fail_at("unpaired low surrogate", escape_offset);
                    }
                    if (cp >= 0xd800 && cp <= 0xdbff) {
                        if (text_.substr(pos_, 2) != "\\u") {
                            fail_at("unpaired high surrogate", escape_offset);
                        }
                        pos_ += 2;
                        unsigned low = hex4();
                        if (low < 0xdc00 || low > 0xdfff) {
                            fail_at("unpaired high surrogate", escape_offset);
                        }
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    }
                    append_utf8(out, cp);
                    break;
                }
                default:
                    fail_at("invalid escape", escape_offset);
            }
        }
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    Json parse_number() {
        std::size_t start = pos_;
        bool negative = false;
        if (peek() == '-') {
            negative = true;
            ++pos_;
        }
        if (at_end() || !is_digit(peek()))
            fail("expected a digit");
        if (peek() == '0') {
            ++pos_;
            if (!at_end() && is_digit(peek()))
                fail_at("leading zero in number", start);
        } else {
            while (!at_end() && is_digit(peek()))
                ++pos_;
        }
        bool integral = true;
        if (!at_end() && peek() == '.') {
            integral = false;
            ++pos_;
            if (at_end() || !is_digit(peek()))
                fail("expected a digit after '.'");
            while (!at_end() && is_digit(peek()))
                ++pos_;
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            integral = false;
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-'))
                ++pos_;
            if (at_end() || !is_digit(peek()))
                fail("expected a digit in exponent");
            while (!at_end() && is_digit(peek()))
                ++pos_;
        }
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        if (integral) {
            // Addresses and sizes are 64-bit unsigned: keep them exact.
            if (negative) {
                Int value;
                auto r = std::from_chars(first, last, value);
                if (r.ec == std::errc() && r.ptr == last)
                    return Json(static_cast<long long>(value));
            } else {
                UInt value;
                auto r = std::from_chars(first, last, value);
                if (r.ec == std::errc() && r.ptr == last) {
                    return Json(static_cast<unsigned long long>(value));
                }
            }
            // Too large for 64 bits: JSON allows it, so fall through to a double.
        }
        double value;
        auto r = std::from_chars(first, last, value);
        if (r.ec == std::errc::result_out_of_range)
            fail_at("number out of range", start);
        if (r.ec != std::errc() || r.ptr != last)
            fail_at("invalid number", start);
        return Json(value);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

[[noreturn]] void type_error(const char* wanted) {
    throw std::runtime_error(std::string("JSON value is not ") + wanted);
}

}  // namespace

bool Json::is_number() const {
    return std::holds_alternative<Int>(value_) || std::holds_alternative<UInt>(value_) ||
           std::holds_alternative<double>(value_);
}

std::int64_t Json::as_int() const {
    if (const Int* i = std::get_if<Int>(&value_))
        return *i;
    if (const UInt* u = std::get_if<UInt>(&value_)) {
        if (*u <= static_cast<UInt>(std::numeric_limits<Int>::max()))
            return static_cast<Int>(*u);
        type_error("a signed 64-bit integer");
    }
    if (const double* d = std::get_if<double>(&value_)) {
        // 2^63 is exactly representable; anything at or above it does not fit.
        if (std::trunc(*d) == *d && *d >= -9223372036854775808.0 && *d < 9223372036854775808.0) {
            return static_cast<Int>(*d);
        }
        type_error("a signed 64-bit integer");
    }
    type_error("a number");
}

std::uint64_t Json::as_uint() const {
    if (const UInt* u = std::get_if<UInt>(&value_))
        return *u;
    if (const Int* i = std::get_if<Int>(&value_)) {
        if (*i >= 0)
            return static_cast<UInt>(*i);
        type_error("an unsigned 64-bit integer");
    }
    if (const double* d = std::get_if<double>(&value_)) {
        if (std::trunc(*d) == *d && *d >= 0 && *d < 18446744073709551616.0) {
            return static_cast<UInt>(*d);
        }
        type_error("an unsigned 64-bit integer");
    }
    type_error("a number");
}

double Json::as_double() const {
    if (const double* d = std::get_if<double>(&value_))
        return *d;
    if (const Int* i = std::get_if<Int>(&value_))
        return static_cast<double>(*i);
    if (const UInt* u = std::get_if<UInt>(&value_))
        return static_cast<double>(*u);
    type_error("a number");
}

Json& Json::set(std::string key, Json value) {
    if (!is_object())
        type_error("an object");
    for (auto& member : as_object()) {
        if (member.first == key) {
            member.second = std::move(value);
            return member.second;
        }
    }
    return as_object().emplace_back(std::move(key), std::move(value)).second;
}

const Json* Json::find(std::string_view key) const {
    if (!is_object())
        return nullptr;
    for (const auto& member : as_object()) {
        if (member.first == key)
            return &member.second;
    }
    return nullptr;
}

Json& Json::push(Json value) {
    if (!is_array())
        type_error("an array");
    return as_array().emplace_back(std::move(value));
}

std::string Json::dump(int indent) const {
    std::string out;
    // A local class may see value_; numbers are written from their exact alternative so that no
    // 64-bit value passes through a double.
    struct Writer {
        std::string& out;
        int indent;
        void value(const Json& v, int depth) {
            std::visit(
                [&](const auto& x) {
                    using T = std::decay_t<decltype(x)>;
                    if constexpr (std::is_same_v<T, std::nullptr_t>) {
                        out += "null";
                    } else if constexpr (std::is_same_v<T, bool>) {
                        out += x ? "true" : "false";
                    } else if constexpr (std::is_same_v<T, Int> || std::is_same_v<T, UInt>) {
                        write_number(out, x);
                    } else if constexpr (std::is_same_v<T, double>) {
                        write_double(out, x);
                    } else if constexpr (std::is_same_v<T, std::string>) {
                        write_string(out, x);
                    } else if constexpr (std::is_same_v<T, Array>) {
                        array(x, depth);
                    } else {
                        object(x, depth);
                    }
                },
                v.value_);
        }
        void array(const Array& items, int depth) {
            if (items.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (i > 0)
                    out += ',';
                if (indent >= 0)
                    newline(out, indent, depth + 1);
                value(items[i], depth + 1);
            }
            if (indent >= 0)
                newline(out, indent, depth);
            out += ']';
        }
        void object(const Object& members, int depth) {
            if (members.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            for (std::size_t i = 0; i < members.size(); ++i) {
                if (i > 0)
                    out += ',';
                if (indent >= 0)
                    newline(out, indent, depth + 1);
                write_string(out, members[i].first);
                out += indent >= 0 ? ": " : ":";
                value(members[i].second, depth + 1);
            }
            if (indent >= 0)
                newline(out, indent, depth);
            out += '}';
        }
    };
    Writer{out, indent}.value(*this, 0);
    return out;
}

Json Json::parse(std::string_view text) {
    return Parser(text).document();
}

namespace {

// Exact comparison of a double with a 64-bit integer: converting the integer to double could
// round (2^53 + 1 == 2^53 as doubles), so convert the double instead when it is integral and in
// range.
bool double_equals_int(double d, Int i) {
    if (std::trunc(d) != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
        return false;
    }
    return static_cast<Int>(d) == i;
}

bool double_equals_uint(double d, UInt u) {
    if (std::trunc(d) != d || d < 0 || d >= 18446744073709551616.0)
        return false;
    return static_cast<UInt>(d) == u;
}

}  // namespace

bool Json::operator==(const Json& other) const {
    if (is_number() && other.is_number()) {
        const auto& a = value_;
        const auto& b = other.value_;
        if (const Int* ai = std::get_if<Int>(&a)) {
            if (const Int* bi = std::get_if<Int>(&b))
                return *ai == *bi;
            if (const UInt* bu = std::get_if<UInt>(&b))
                return *ai >= 0 && UInt(*ai) == *bu;
            return double_equals_int(std::get<double>(b), *ai);
        }
        if (const UInt* au = std::get_if<UInt>(&a)) {
            if (const UInt* bu = std::get_if<UInt>(&b))
                return *au == *bu;
            if (const Int* bi = std::get_if<Int>(&b))
                return *bi >= 0 && UInt(*bi) == *au;
            return double_equals_uint(std::get<double>(b), *au);
        }
        double ad = std::get<double>(a);
        if (const Int* bi = std::get_if<Int>(&b))
            return double_equals_int(ad, *bi);
        if (const UInt* bu = std::get_if<UInt>(&b))
            return double_equals_uint(ad, *bu);
        return ad == std::get<double>(b);
    }
    // Same alternative, compared member by member; objects compare in order, since key order is
    // part of srmd's output contracts.
    return value_ == other.value_;
}

}  // namespace srmd
