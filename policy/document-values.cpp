// The scalar readers of a policy document: booleans, words, numbers and sizes, each checked like
// a compiler would, with the near miss named.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>

#include "policy/document-reader.hpp"
#include "util/format.hpp"

namespace srmd::policy_document {

bool is_yaml11_bool_word(const std::string& value) {
    static const char* const words[] = {"y", "n", "yes", "no", "on", "off", "true", "false"};
    std::string word = lower(value);
    for (const char* candidate : words)
        if (word == candidate)
            return true;
    return false;
}

std::string join(const std::vector<std::string>& words) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0)
            text += i + 1 == words.size() ? " or " : ", ";
        text += words[i];
    }
    return text;
}

static std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = 3;
    for (const std::string& candidate : candidates) {
        std::size_t distance = edit_distance(lower(word), candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

bool contains(const std::vector<std::string>& words, const std::string& word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

void DocumentReader::check_keys(const YamlNode& map, const std::vector<std::string>& allowed,
                                const std::string& context) {
    for (const auto& [key, value] : map.entries) {
        if (contains(allowed, key.value))
            continue;
        std::string message = "unknown key '" + key.value + "' in " + context;
        // The commonest slip: a condition written beside the rule's settings, or the reverse.
        if (&allowed == &rule_keys && contains(match_keys, key.value))
            message += ": '" + key.value + "' is a condition and belongs under 'match:'";
        else if (&allowed == &match_keys && contains(rule_keys, key.value))
            message += ": '" + key.value + "' belongs to the rule, not under 'match:'";
        else
            message += suggestion(key.value, allowed) + "; expected " + join(allowed);
        error(key.position, message);
    }
}

std::optional<bool> DocumentReader::read_bool(const YamlNode& key, const YamlNode& value) {
    SourcePosition at = value_position(key, value);
    if (!value.is_scalar()) {
        error(at, "'" + key.value + "' wants true or false, not " + describe_node(value));
        return std::nullopt;
    }
    if (value.plain && value.value == "true")
        return true;
    if (value.plain && value.value == "false")
        return false;
    if (!value.plain) {
        error(at, "'" + key.value + "' wants true or false without quotes, not " +
                      describe_node(value));
    } else if (is_yaml11_bool_word(value.value)) {
        error(at, "'" + key.value + "' is '" + value.value + "': write true or false");
    } else {
        error(at, "'" + key.value + "' wants true or false, not " + describe_node(value));
    }
    return std::nullopt;
}

std::optional<std::string> DocumentReader::read_enum(const YamlNode& key, const YamlNode& value,
                                                     const std::vector<std::string>& allowed,
                                                     const std::string& hint) {
    SourcePosition at = value_position(key, value);
    if (!value.is_scalar()) {
        error(at, "'" + key.value + "' wants one of " + join(allowed) + ", not " +
                      describe_node(value));
        return std::nullopt;
    }
    if (contains(allowed, value.value))
        return value.value;
    std::string message =
        "'" + key.value + "' is " + describe_node(value) + "; expected " + join(allowed);
    if (value.plain && is_yaml11_bool_word(value.value))
        message += " (YAML 1.1 reads a plain '" + value.value +
                   "' as a boolean, so it never names a " + key.value + ")";
    else
        message += suggestion(value.value, allowed);
    error(at, message + hint);
    return std::nullopt;
}

std::optional<std::uint64_t> DocumentReader::parse_number(const std::string& key,
                                                          const std::string& text,
                                                          SourcePosition position) {
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    if (!text.empty() && text[0] == '-') {
        error(position, "'" + key + "' must not be negative");
        return std::nullopt;
    }
    bool is_hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    std::string digits = is_hex ? text.substr(2) : text;
    unsigned base = is_hex ? 16 : 10;
    bool valid = !digits.empty();
    for (char c : digits)
        if (is_hex ? !std::isxdigit(static_cast<unsigned char>(c))
                   : !std::isdigit(static_cast<unsigned char>(c)))
            valid = false;
    if (!valid) {
        error(position, "'" + key + "' wants a number (decimal or 0x hex), not '" + text + "'");
        return std::nullopt;
    }
    if (!is_hex && digits.size() > 1 && digits[0] == '0') {
        error(position, "'" + key + "' is '" + text +
                            "': a leading 0 reads as octal in YAML 1.1; write it without the 0, "
                            "or in hex with 0x");
        return std::nullopt;
    }
    std::uint64_t number = 0;
    for (char c : digits) {
        unsigned digit = std::isdigit(static_cast<unsigned char>(c))
                             ? static_cast<unsigned>(c - '0')
                             : static_cast<unsigned>(std::tolower(c) - 'a' + 10);
        if (number > (max - digit) / base) {
            error(position, "'" + key + "' is '" + text + "', which does not fit in 64 bits");
            return std::nullopt;
        }
        number = number * base + digit;
    }
    return number;
}

std::optional<std::uint64_t> DocumentReader::read_number(const YamlNode& key,
                                                         const YamlNode& value) {
    SourcePosition at = value_position(key, value);
    if (!value.is_scalar()) {
        error(at, "'" + key.value + "' wants a number, not " + describe_node(value));
        return std::nullopt;
    }
    if (!value.plain) {
        error(at, "'" + key.value + "' wants a number without quotes, not " + describe_node(value));
        return std::nullopt;
    }
    return parse_number(key.value, value.value, at);
}

std::optional<std::uint64_t> DocumentReader::read_size(const YamlNode& key, const YamlNode& value) {
    SourcePosition at = value_position(key, value);
    if (!value.is_scalar()) {
        error(at, "'" + key.value + "' wants a size such as 64G, not " + describe_node(value));
        return std::nullopt;
    }
    if (!value.plain) {
        error(at, "'" + key.value + "' wants a size without quotes, not " + describe_node(value));
        return std::nullopt;
    }
    const std::string& text = value.value;
    bool is_hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    std::size_t digits_end = 0;
    if (is_hex) {
        digits_end = text.size();
    } else {
        while (
            digits_end < text.size() &&
            (std::isdigit(static_cast<unsigned char>(text[digits_end])) || text[digits_end] == '-'))
            ++digits_end;
    }
    std::string unit = text.substr(digits_end);
    if (!unit.empty() && unit[0] == ' ')
        unit.erase(0, 1);
    static const std::map<std::string, int> shifts = {
        {"", 0},     {"K", 10},   {"M", 20},   {"G", 30},   {"T", 40},
        {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
    };
    auto shift = shifts.find(unit);
    if (shift == shifts.end() || (digits_end == 0 && !text.empty())) {
        error(at, "'" + key.value + "' is '" + text +
                      "': a size is a number of bytes, or a number with K, M, G or T (or KiB, "
                      "MiB, GiB, TiB), all binary units");
        return std::nullopt;
    }
    std::optional<std::uint64_t> number = parse_number(key.value, text.substr(0, digits_end), at);
    if (!number)
        return std::nullopt;
    if (shift->second > 0 &&
        *number > (std::numeric_limits<std::uint64_t>::max() >> shift->second)) {
        error(at, "'" + key.value + "' is '" + text + "', which does not fit in 64 bits");
        return std::nullopt;
    }
    return *number << shift->second;
}

std::optional<std::string> DocumentReader::read_word(const YamlNode& key, const YamlNode& value,
                                                     const std::string& what) {
    SourcePosition at = value_position(key, value);
    if (!value.is_scalar()) {
        error(at, "'" + key.value + "' wants " + what + ", not " + describe_node(value));
        return std::nullopt;
    }
    if (value.value.empty()) {
        error(at, "'" + key.value + "' is empty");
        return std::nullopt;
    }
    return value.value;
}

std::optional<std::vector<std::uint64_t>> DocumentReader::read_number_list(const YamlNode& key,
                                                                           const YamlNode& value,
                                                                           std::uint64_t max) {
    std::vector<const YamlNode*> items;
    if (value.is_sequence()) {
        for (const YamlNode& item : value.items)
            items.push_back(&item);
        if (items.empty()) {
            error(value.position, "'" + key.value + "' is an empty list, which matches no range");
            return std::nullopt;
        }
    } else {
        items.push_back(&value);
    }
    std::vector<std::uint64_t> numbers;
    bool ok = true;
    for (const YamlNode* item : items) {
        std::optional<std::uint64_t> number = read_number(key, *item);
        if (!number) {
            ok = false;
            continue;
        }
        if (*number > max) {
            error(value_position(key, *item), "'" + key.value + "' is " + std::to_string(*number) +
                                                  ", more than " + std::to_string(max));
            ok = false;
            continue;
        }
        if (std::find(numbers.begin(), numbers.end(), *number) != numbers.end())
            warning(item->position, "'" + key.value + "' lists " + item->value + " twice");
        numbers.push_back(*number);
    }
    if (!ok)
        return std::nullopt;
    return numbers;
}

}  // namespace srmd::policy_document
