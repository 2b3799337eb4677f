// srmd::Json on top of nlohmann-json: nlohmann's lexer and SAX parser read, its serializer writes.
// What stays here is what srmd promises beyond plain JSON and nlohmann does not do by itself:
//   - parse() refuses duplicate keys (RFC 8259 leaves them to the reader), found with a hash set
//     per large object so that a state file with 80k ranges parses in linear time;
//   - parse() refuses nesting deeper than max_depth, and its errors say what was expected and at
//     which byte, in srmd's words rather than nlohmann's;
//   - dump() writes doubles as std::to_chars does (shortest, "1e+05", "100"), which nlohmann
//     would write as "100000.0" and "100.0", so that the text of every document stays as it was.
// The nlohmann header is included here only: the rest of srmd sees json.hpp.
#include "util/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_set>

namespace srmd {

namespace {

using Int = std::int64_t;
using UInt = std::uint64_t;
using Ordered = nlohmann::ordered_json;

// ---- writing ----

// The text old srmd wrote for a finite double: the shortest that reads back the same.
std::string shortest_text(double d) {
    // -0.0 as "0": "-0" would read back as the integer 0 and write as "0" the second time.
    if (d == 0)
        return "0";
    char buf[64];
    auto result = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, result.ptr);
}

// A double that nlohmann would write differently is dumped as nlohmann's "<discarded>", which no
// JSON value writes outside a string; this puts the texts back, in document order.
std::string put_back_doubles(const std::string& dumped, const std::vector<std::string>& texts) {
    static constexpr std::string_view marker = "<discarded>";
    std::string out;
    out.reserve(dumped.size());
    std::size_t next = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < dumped.size(); ++i) {
        char c = dumped[i];
        if (in_string) {
            out += c;
            if (c == '\\')
                out += dumped[++i];
            else if (c == '"')
                in_string = false;
        } else if (c == '<' && next < texts.size()) {
            out += texts[next++];
            i += marker.size() - 1;
        } else {
            out += c;
            in_string = c == '"';
        }
    }
    return out;
}

// ---- reading ----

// Deep enough for any document srmd writes, shallow enough that a hostile file cannot exhaust
// the stack of the code that walks the result.
constexpr std::size_t max_depth = 256;

// Objects up to this size look for a duplicate key by scanning; larger ones keep a hash set.
constexpr std::size_t linear_keys = 8;

// An iterator over the text that records how far nlohmann's lexer has read: SAX events carry no
// offsets, and errors need them.
struct ReadingIterator {
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char* at;
    const char** furthest;
    bool* reached_end;

    reference operator*() const { return *at; }
    ReadingIterator& operator++() {
        *furthest = ++at;
        return *this;
    }
    ReadingIterator operator++(int) {
        ReadingIterator before = *this;
        ++*this;
        return before;
    }
    bool operator==(const ReadingIterator& other) const {
        if (at == other.at)
            *reached_end = true;  // the lexer compares with the end only to read one more byte
        return at == other.at;
    }
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Bytes in the UTF-8 sequence a lead byte starts, or 0 for a byte that starts none.
std::size_t utf8_length(unsigned char c) {
    return c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
}

// Builds srmd::Json values from nlohmann's SAX events, and turns a failure into srmd's message.
class Builder {
  public:
    explicit Builder(std::string_view text) : text_(text), read_(text.data()) {}

    Json parse() {
        // nlohmann skips a byte order mark; RFC 8259 text has none, and srmd never wrote one.
        if (!text_.empty() && text_[0] == '\xef')
            fail("expected a value", 0);
        ReadingIterator first{text_.data(), &read_, &reached_end_};
        ReadingIterator last{text_.data() + text_.size(), &read_, &reached_end_};
        if (!nlohmann::json::sax_parse(first, last, this))
            fail(error_, error_offset_);
        return std::move(root_);
    }

    // SAX events, in nlohmann's names.
    bool null() { return value(Json(nullptr)); }
    bool boolean(bool b) { return value(Json(b)); }
    bool number_integer(Int i) { return number(Json(static_cast<long long>(i))); }
    bool number_unsigned(UInt u) { return number(Json(static_cast<unsigned long long>(u))); }
    bool number_float(double d, const std::string& text) {
        bool ok = number(Json(d));
        // strtod rounds a number too small for a double to zero; refuse it as one too large.
        if (d == 0 && text.find_first_of("123456789") < text.find_first_of("eE"))
            return error("number out of range", event_end_ - text.size());
        return ok;
    }
    bool string(std::string& s) { return value(Json(std::move(s))); }
    bool binary(nlohmann::json::binary_t&) { return false; }  // only binary formats have these
    bool start_object(std::size_t) { return open(Json::object()); }
    bool start_array(std::size_t) { return open(Json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

    bool key(std::string& key) {
        event_end_ = offset(read_);
        Frame& frame = stack_.back();
        Json::Object& members = frame.container->as_object();
        bool duplicate = false;
        if (members.size() < linear_keys) {
            for (const auto& member : members)
                duplicate = duplicate || member.first == key;
        } else {
            if (frame.keys.empty())
                for (const auto& member : members)
                    frame.keys.insert(member.first);
            duplicate = !frame.keys.insert(key).second;
        }
        if (duplicate)
            // The key as JSON writes it: a NUL or a control byte in it must not cut the message.
            return error(
                "duplicate key " +
                    Ordered(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                opening_quote(event_end_ - 1));
        key_ = std::move(key);
        key_pending_ = true;
        return true;
    }

    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& e) {
        // nlohmann counts the end of the text as a character read.
        std::size_t failed = std::min(position, text_.size() + 1);
        failed = failed > 0 ? failed - 1 : 0;
        std::string_view what = e.what();
        const auto says = [&](std::string_view words) {
            return what.find(words) != std::string_view::npos;
        };
        std::size_t token = token_start();
        bool at_end = failed >= text_.size();
        if (e.id == 406)
            return error("number out of range", token);
        // A whole token the grammar did not expect here, or one it would not have read at all:
        // nlohmann reads the next token before it checks that it may come.
        char first = token < text_.size() ? text_[token] : '\0';
        Expects next = expects();
        bool may_start =
            next == Expects::value
                ? std::string_view("\"-0123456789tfn").find(first) != std::string_view::npos
                : next == Expects::key && first == '"';
        if (!says("; last read: ") || !may_start)
            return unexpected(token);
        if (says("missing closing quote"))
            return error("unterminated string", failed);
        if (says("control character"))
            return error("control character in string", failed);
        if (says("forbidden character after backslash"))
            return at_end ? error("unterminated string", failed)
                          : error("invalid escape", failed - 1);
        if (says("must be followed by 4 hex digits")) {
            std::size_t digits = failed;  // where the four digits after "\\u" start
            while (digits + 3 > failed && text_[digits - 1] != 'u')
                --digits;
            return digits + 4 > text_.size() ? error("truncated \\u escape", digits)
                                             : error("invalid hex digit in \\u escape", failed);
        }
        if (says("U+D800..U+DBFF must be followed"))
            return error("unpaired high surrogate", high_surrogate_escape(failed));
        if (says("U+DC00..U+DFFF must follow"))
            return error("unpaired low surrogate", failed - 5);
        if (says("ill-formed UTF-8"))
            return error("invalid UTF-8", utf8_sequence_start(failed));
        if (says("expected digit after '-'"))
            return error("expected a digit", failed);
        if (says("expected digit after '.'"))
            return error("expected a digit after '.'", failed);
        if (says("exponent"))
            return error("expected a digit in exponent", failed);
        // "invalid literal": a misspelt true, false or null, or a byte that starts no token.
        if (first == 't' || first == 'f' || first == 'n')
            return error("invalid literal", token);
        return unexpected(token);
    }

  private:
    struct Frame {
        Json* container;
        std::unordered_set<std::string> keys;  // of a large object, filled once it is large
    };

    // What the grammar allows after the last event.
    enum class Expects { value, key, colon, comma_or_bracket, comma_or_brace, end };

    bool value(Json v) {
        event_end_ = offset(read_);
        add(std::move(v));
        return true;
    }

    // The lexer reads one byte past a number, unless the number ends the text.
    bool number(Json v) {
        bool ok = value(std::move(v));
        if (!reached_end_)
            --event_end_;
        return ok;
    }

    Json* add(Json v) {
        if (stack_.empty()) {
            root_ = std::move(v);
            root_done_ = true;
            return &root_;
        }
        Json& container = *stack_.back().container;
        if (container.is_array())
            return &container.as_array().emplace_back(std::move(v));
        key_pending_ = false;
        return &container.as_object().emplace_back(std::move(key_), std::move(v)).second;
    }

    bool open(Json container) {
        event_end_ = offset(read_);
        if (stack_.size() >= max_depth)
            return error("nesting too deep", event_end_ - 1);
        Json* added = add(std::move(container));
        stack_.push_back(Frame{added, {}});
        return true;
    }

    bool close() {
        event_end_ = offset(read_);
        stack_.pop_back();
        if (stack_.empty())
            root_done_ = true;
        return true;
    }

    Expects after_event() const {
        if (stack_.empty())
            return root_done_ ? Expects::end : Expects::value;
        const Json& container = *stack_.back().container;
        if (container.is_array())
            return container.as_array().empty() ? Expects::value : Expects::comma_or_bracket;
        if (key_pending_)
            return Expects::colon;
        return container.as_object().empty() ? Expects::key : Expects::comma_or_brace;
    }

    // What was expected where parsing stopped: after the last event, and after the ',' or ':' the
    // parser took, if it took one.
    Expects expects() const {
        Expects e = after_event();
        std::size_t at = skip_space(event_end_);
        char next = at < text_.size() ? text_[at] : '\0';
        if (e == Expects::colon && next == ':')
            return Expects::value;
        if (e == Expects::comma_or_bracket && next == ',')
            return Expects::value;
        if (e == Expects::comma_or_brace && next == ',')
            return Expects::key;
        return e;
    }

    // Where the token that stopped the parser starts.
    std::size_t token_start() const {
        std::size_t at = skip_space(event_end_);
        if (expects() != after_event())
            at = skip_space(at + 1);  // past the separator taken
        return at;
    }

    bool unexpected(std::size_t token) {
        bool at_end = token >= text_.size();
        std::string found = at_end ? ", found end of text" : "";
        // The lexer ends a number at "0" when a digit follows: "01" reads as "0" then "1".
        if (!at_end && token > 0 && is_digit(text_[token]) && is_digit(text_[token - 1])) {
            std::size_t zero = token - 1;
            return error("leading zero in number",
                         zero > 0 && text_[zero - 1] == '-' ? zero - 1 : zero);
        }
        switch (expects()) {
            case Expects::value:
                return error("expected a value" + found, token);
            case Expects::key:
                return error("expected a string key", token);
            case Expects::colon:
                return error("expected ':'" + found, token);
            case Expects::comma_or_bracket:
                return error("expected ',' or ']'" + found, token);
            case Expects::comma_or_brace:
                return error("expected ',' or '}'" + found, token);
            case Expects::end:
                break;
        }
        return error("unexpected text after the JSON value", token);
    }

    bool error(std::string what, std::size_t at) {
        error_ = std::move(what);
        error_offset_ = at;
        return false;
    }

    [[noreturn]] static void fail(const std::string& what, std::size_t at) {
        throw std::runtime_error("JSON: " + what + " at byte " + std::to_string(at));
    }

    std::size_t offset(const char* p) const { return static_cast<std::size_t>(p - text_.data()); }

    std::size_t skip_space(std::size_t at) const {
        while (at < text_.size() && is_space(text_[at]))
            ++at;
        return at;
    }

    // The quote that opens the string whose closing quote is at `closing`: the first quote
    // before it that no backslash escapes.
    std::size_t opening_quote(std::size_t closing) const {
        for (std::size_t at = closing; at-- > 0;) {
            if (text_[at] != '"')
                continue;
            std::size_t backslashes = 0;
            while (backslashes < at && text_[at - 1 - backslashes] == '\\')
                ++backslashes;
            if (backslashes % 2 == 0)
                return at;
        }
        return 0;
    }

    // The "\uD8xx" escape a failure at `failed` belongs to: it failed on the byte after the
    // escape, after "\", or after a whole "\uXXXX" that is no low surrogate.
    std::size_t high_surrogate_escape(std::size_t failed) const {
        for (std::size_t back : {6, 7, 11}) {
            std::size_t at = failed - back;
            if (back <= failed && text_.substr(at, 2) == "\\u" && at + 3 < text_.size() &&
                (text_[at + 2] == 'd' || text_[at + 2] == 'D') &&
                std::string_view("89abAB").find(text_[at + 3]) != std::string_view::npos)
                return at;
        }
        return failed;
    }

    // The start of the UTF-8 sequence that the byte at `failed` broke: an earlier lead byte whose
    // sequence was not complete yet, or that byte itself.
    std::size_t utf8_sequence_start(std::size_t failed) const {
        const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text_[at]); };
        std::size_t continuations = 0;
        while (continuations < 3 && continuations + 1 <= failed &&
               (byte(failed - 1 - continuations) & 0xc0) == 0x80)
            ++continuations;
        if (continuations + 1 <= failed) {
            std::size_t lead = failed - 1 - continuations;
            if (utf8_length(byte(lead)) > continuations + 1)
                return lead;
        }
        return failed;
    }

    std::string_view text_;
    const char* read_;  // one past the last byte the lexer read
    bool reached_end_ = false;
    std::size_t event_end_ = 0;  // one past the last token of the last event
    Json root_;
    bool root_done_ = false;
    std::vector<Frame> stack_;  // the containers still open
    std::string key_;
    bool key_pending_ = false;
    std::string error_;
    std::size_t error_offset_ = 0;
};

}  // namespace

std::string Json::dump(int indent) const {
    // A local class may see value_. Numbers keep their exact alternative, so that no 64-bit
    // integer passes through a double.
    struct Converter {
        std::vector<std::string> doubles;  // texts of the doubles written as markers

        Ordered value(const Json& v) {
            return std::visit(
                [&](const auto& x) -> Ordered {
                    using T = std::decay_t<decltype(x)>;
                    if constexpr (std::is_same_v<T, double>) {
                        return number(x);
                    } else if constexpr (std::is_same_v<T, Array>) {
                        Ordered out = Ordered::array();
                        auto& items = out.get_ref<Ordered::array_t&>();
                        items.reserve(x.size());
                        for (const Json& item : x)
                            items.push_back(value(item));
                        return out;
                    } else if constexpr (std::is_same_v<T, Object>) {
                        // Appended to the vector under nlohmann's ordered map, past its search
                        // for an existing key: a large object converts in linear time.
                        Ordered out = Ordered::object();
                        auto& members = static_cast<Ordered::object_t::Container&>(
                            out.get_ref<Ordered::object_t&>());
                        members.reserve(x.size());
                        for (const auto& [key, member] : x)
                            members.emplace_back(key, value(member));
                        return out;
                    } else {
                        return Ordered(x);  // null, bool, int64, uint64, string
                    }
                },
                v.value_);
        }

        Ordered number(double d) {
            if (!std::isfinite(d))
                return nullptr;  // JSON has no NaN or infinity
            std::string text = shortest_text(d);
            if (Ordered(d).dump() == text)
                return d;
            doubles.push_back(std::move(text));
            return Ordered(Ordered::value_t::discarded);
        }
    };
    Converter converter;
    // A stray byte that is not UTF-8 (from a sysfs file, say) becomes U+FFFD rather than making
    // the whole document unreadable.
    std::string out =
        converter.value(*this).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!converter.doubles.empty())
        out = put_back_doubles(out, converter.doubles);
    return out;
}

Json Json::parse(std::string_view text) {
    return Builder(text).parse();
}

}  // namespace srmd
