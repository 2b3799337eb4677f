#include "policy/policy-validate.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>

#include "util/format.hpp"

namespace srmd {

namespace {

const int supported_version = 1;

const std::vector<std::string> top_keys = {"version", "settings", "rules"};
const std::vector<std::string> settings_keys = {"exclusive_onlining"};
const std::vector<std::string> rule_keys = {"name", "match", "owner",
                                            "mode", "zone",  "allow_teardown"};
const std::vector<std::string> match_keys = {
    "start",  "address", "min_size",    "max_size",     "window",
    "region", "serial",  "target_node", "kernel_owner", "soft_reserved"};

const std::vector<std::string> owner_values = {"cxl", "hmem", "kernel"};
const std::vector<std::string> mode_values = {"system-ram", "devdax", "offline", "ignore"};
const std::vector<std::string> zone_values = {"movable", "normal", "auto"};
const std::vector<std::string> kernel_owner_values = {"cxl", "hmem", "none"};

std::string lower(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// The plain words YAML 1.1 reads as booleans (yaml-cpp and PyYAML both do).
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

std::size_t edit_distance(const std::string& a, const std::string& b) {
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

// " (did you mean 'zone'?)" for a near miss, else "".
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

std::string base_name(const std::string& path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool contains(const std::vector<std::string>& words, const std::string& word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

// Reads one document, reporting into the diagnostics as it goes.
class DocumentReader {
  public:
    DocumentReader(const std::string& file, DiagnosticList& diagnostics)
        : file_(file), diagnostics_(diagnostics) {}

    PolicyFile read(const YamlNode& root);

  private:
    void error(SourcePosition position, std::string message) {
        diagnostics_.add(file_, position, Severity::Error, std::move(message));
    }
    void warning(SourcePosition position, std::string message) {
        diagnostics_.add(file_, position, Severity::Warning, std::move(message));
    }

    // Where to point at a value: a missing value has no position of its own worth showing
    // (yaml-cpp marks it at the next token), so point at its key instead.
    static SourcePosition value_position(const YamlNode& key, const YamlNode& value) {
        return value.is_null() ? key.position : value.position;
    }

    // Reports keys outside `allowed`; `context` is "a rule", "match", ...
    void check_keys(const YamlNode& map, const std::vector<std::string>& allowed,
                    const std::string& context);

    bool read_version(const YamlNode& root);
    void read_settings(const YamlNode& value, PolicyFile& result);
    void read_rules(const YamlNode& key, const YamlNode& value, PolicyFile& result);
    std::optional<PolicyRule> read_rule(const YamlNode& node);
    RuleMatch read_match(const YamlNode& value);

    std::optional<bool> read_bool(const YamlNode& key, const YamlNode& value);
    std::optional<std::string> read_enum(const YamlNode& key, const YamlNode& value,
                                         const std::vector<std::string>& allowed,
                                         const std::string& hint = "");
    std::optional<std::uint64_t> read_number(const YamlNode& key, const YamlNode& value);
    std::optional<std::uint64_t> read_size(const YamlNode& key, const YamlNode& value);
    std::optional<std::string> read_word(const YamlNode& key, const YamlNode& value,
                                         const std::string& what);
    std::optional<std::vector<std::uint64_t>> read_number_list(const YamlNode& key,
                                                               const YamlNode& value,
                                                               std::uint64_t max);

    // Parses the digits of a plain scalar; reports at `position`. nullopt after an error.
    std::optional<std::uint64_t> parse_number(const std::string& key, const std::string& text,
                                              SourcePosition position);

    const std::string& file_;
    DiagnosticList& diagnostics_;
};

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

bool DocumentReader::read_version(const YamlNode& root) {
    for (const auto& [key, value] : root.entries) {
        if (key.value != "version")
            continue;
        std::optional<std::uint64_t> version = read_number(key, value);
        if (!version)
            return false;
        if (*version != supported_version) {
            error(value.position, "unsupported policy version " + std::to_string(*version) +
                                      ": this srmd reads version " +
                                      std::to_string(supported_version));
            return false;
        }
        return true;
    }
    error(root.position, "missing 'version: " + std::to_string(supported_version) +
                             "': every policy file says which format it is written in");
    return false;
}

void DocumentReader::read_settings(const YamlNode& value, PolicyFile& result) {
    if (value.is_null())
        return;
    if (!value.is_map()) {
        error(value.position, "'settings' is a map of settings, not " + describe_node(value));
        return;
    }
    check_keys(value, settings_keys, "settings");
    for (const auto& [setting, setting_value] : value.entries) {
        if (setting.value == "exclusive_onlining") {
            result.exclusive_onlining = read_bool(setting, setting_value);
            result.exclusive_onlining_position = setting.position;
        }
    }
}

RuleMatch DocumentReader::read_match(const YamlNode& value) {
    RuleMatch match;
    if (value.is_null())
        return match;
    if (!value.is_map()) {
        error(value.position, "'match' is a map of conditions, not " + describe_node(value));
        return match;
    }
    check_keys(value, match_keys, "match");
    const YamlNode* address_key = nullptr;
    const YamlNode* max_size_key = nullptr;
    for (const auto& [condition, condition_value] : value.entries) {
        const std::string& name = condition.value;
        if (name == "start") {
            match.start = read_number(condition, condition_value);
        } else if (name == "address") {
            match.address = read_number(condition, condition_value);
            address_key = &condition;
        } else if (name == "min_size") {
            match.min_size = read_size(condition, condition_value);
        } else if (name == "max_size") {
            match.max_size = read_size(condition, condition_value);
            max_size_key = &condition;
        } else if (name == "window") {
            match.window = read_word(condition, condition_value, "a decoder name or glob");
        } else if (name == "region") {
            match.region = read_word(condition, condition_value, "a region name or glob");
        } else if (name == "serial") {
            match.serials = read_number_list(condition, condition_value,
                                             std::numeric_limits<std::uint64_t>::max());
        } else if (name == "target_node") {
            std::optional<std::vector<std::uint64_t>> nodes =
                read_number_list(condition, condition_value, INT_MAX);
            if (nodes)
                match.target_nodes = std::vector<int>(nodes->begin(), nodes->end());
        } else if (name == "kernel_owner") {
            std::optional<std::string> owner =
                read_enum(condition, condition_value, kernel_owner_values);
            if (owner)
                match.kernel_owner = *owner == "cxl"    ? Owner::Cxl
                                     : *owner == "hmem" ? Owner::Hmem
                                                        : Owner::None;
        } else if (name == "soft_reserved") {
            match.soft_reserved = read_bool(condition, condition_value);
        }
    }

    if (match.min_size && match.max_size && *match.min_size > *match.max_size)
        error(max_size_key->position, "max_size " + human_size(*match.max_size) +
                                          " is smaller than min_size " +
                                          human_size(*match.min_size) + ": no range fits both");
    else if (match.max_size && *match.max_size == 0)
        warning(max_size_key->position, "max_size 0 matches no range: every range has a size");
    if (match.start && match.address) {
        if (*match.address < *match.start) {
            error(address_key->position, "address " + hex(*match.address) + " lies below start " +
                                             hex(*match.start) +
                                             ": no range starting there contains it");
        } else if (match.max_size && *match.address - *match.start >= *match.max_size) {
            error(address_key->position, "address " + hex(*match.address) + " is " +
                                             human_size(*match.address - *match.start) +
                                             " past start " + hex(*match.start) +
                                             ", beyond max_size " + human_size(*match.max_size) +
                                             ": no range contains both");
        }
    }
    return match;
}

std::optional<PolicyRule> DocumentReader::read_rule(const YamlNode& node) {
    if (!node.is_map()) {
        error(node.position,
              "a rule is a map with name, match, owner, mode, ...; not " + describe_node(node));
        return std::nullopt;
    }
    check_keys(node, rule_keys, "a rule");
    PolicyRule rule;
    rule.file = file_;
    rule.file_name = base_name(file_);
    rule.position = node.position;
    bool ok = true;
    const YamlNode* zone_key = nullptr;
    const YamlNode* mode_key = nullptr;
    bool mode_valid = false;  // checks that depend on the mode wait for a readable one
    const YamlNode* owner_key = nullptr;
    const YamlNode* teardown_key = nullptr;
    bool has_name = false;
    for (const auto& [key, value] : node.entries) {
        const std::string& name = key.value;
        if (name == "name") {
            has_name = true;
            std::optional<std::string> rule_name = read_word(key, value, "a name");
            if (!rule_name) {
                ok = false;
                continue;
            }
            bool printable = std::all_of(rule_name->begin(), rule_name->end(), [](char c) {
                return std::isgraph(static_cast<unsigned char>(c)) != 0;
            });
            if (!printable) {
                error(value.position, "rule name '" + *rule_name +
                                          "' has spaces or control characters; use letters, "
                                          "digits and dashes");
                ok = false;
            }
            rule.name = *rule_name;
        } else if (name == "match") {
            std::size_t before = diagnostics_.count(Severity::Error);
            rule.match = read_match(value);
            if (diagnostics_.count(Severity::Error) > before)
                ok = false;
        } else if (name == "owner") {
            owner_key = &key;
            std::optional<std::string> owner =
                read_enum(key, value, owner_values,
                          value.is_scalar() && value.value == "none"
                              ? "; to leave the range to no driver, write mode: offline"
                              : "");
            if (!owner)
                ok = false;
            else
                rule.owner = *owner == "cxl"    ? PolicyOwner::Cxl
                             : *owner == "hmem" ? PolicyOwner::Hmem
                                                : PolicyOwner::Kernel;
        } else if (name == "mode") {
            mode_key = &key;
            std::optional<std::string> mode = read_enum(key, value, mode_values);
            mode_valid = mode.has_value();
            if (!mode)
                ok = false;
            else
                rule.mode = *mode == "system-ram" ? PolicyMode::SystemRam
                            : *mode == "devdax"   ? PolicyMode::Devdax
                            : *mode == "offline"  ? PolicyMode::Offline
                                                  : PolicyMode::Ignore;
        } else if (name == "zone") {
            zone_key = &key;
            std::optional<std::string> zone = read_enum(key, value, zone_values);
            if (!zone)
                ok = false;
            else
                rule.zone = *zone == "movable"  ? PolicyZone::Movable
                            : *zone == "normal" ? PolicyZone::Normal
                                                : PolicyZone::Auto;
        } else if (name == "allow_teardown") {
            teardown_key = &key;
            std::optional<bool> allow = read_bool(key, value);
            if (!allow)
                ok = false;
            else
                rule.allow_teardown = *allow;
        } else if (!contains(rule_keys, name)) {
            ok = false;  // already reported by check_keys
        }
    }

    std::string called = has_name && !rule.name.empty() ? "rule '" + rule.name + "'" : "this rule";
    if (!has_name) {
        error(node.position, "this rule has no 'name': every rule needs one, unique in the set");
        ok = false;
    }
    if (!mode_key) {
        error(node.position, called + " has no 'mode': say what the range should become (" +
                                 join(mode_values) + ")");
        ok = false;
    }
    if (mode_valid && zone_key && rule.mode != PolicyMode::SystemRam) {
        error(zone_key->position, "'zone' applies only to mode system-ram, and " + called +
                                      " has mode " + to_string(rule.mode));
        ok = false;
    }
    if (mode_valid && rule.mode == PolicyMode::Ignore) {
        if (teardown_key)
            warning(teardown_key->position,
                    "'allow_teardown' has no effect with mode ignore: srmd leaves the range alone");
        if (owner_key)
            warning(owner_key->position,
                    "'owner' has no effect with mode ignore: srmd leaves the range alone");
    }
    // The kernel gives such ranges to no driver; keeping its choice leaves nothing that could
    // online the memory or make a devdax device of it.
    if (mode_valid && rule.owner == PolicyOwner::Kernel && rule.match.kernel_owner == Owner::None &&
        (rule.mode == PolicyMode::SystemRam || rule.mode == PolicyMode::Devdax)) {
        error(owner_key ? owner_key->position : mode_key->position,
              called +
                  " matches ranges the kernel gives to no driver (kernel_owner: none) and "
                  "keeps the kernel's choice (owner: kernel), so they can never become " +
                  to_string(rule.mode) + "; write owner: cxl or owner: hmem");
        ok = false;
    }
    if (!ok)
        return std::nullopt;
    return rule;
}

void DocumentReader::read_rules(const YamlNode& key, const YamlNode& value, PolicyFile& result) {
    if (value.is_null())
        return;
    if (!value.is_sequence()) {
        error(value_position(key, value),
              "'rules' is a list of rules (each starting with '- name:'), not " +
                  describe_node(value));
        return;
    }
    for (const YamlNode& item : value.items) {
        std::optional<PolicyRule> rule = read_rule(item);
        if (rule)
            result.rules.push_back(std::move(*rule));
    }
}

PolicyFile DocumentReader::read(const YamlNode& root) {
    PolicyFile result;
    result.file = file_;
    if (root.is_null()) {
        error(root.position, "the file holds no policy: start it with 'version: " +
                                 std::to_string(supported_version) + "'");
        return result;
    }
    if (!root.is_map()) {
        error(root.position, "a policy file is a map with version, settings and rules, not " +
                                 describe_node(root));
        return result;
    }
    // A file of another version may mean other things by the same keys: read no further.
    if (!read_version(root))
        return result;
    check_keys(root, top_keys, "a policy file");
    for (const auto& [key, value] : root.entries) {
        if (key.value == "settings")
            read_settings(value, result);
        else if (key.value == "rules")
            read_rules(key, value, result);
    }
    return result;
}

}  // namespace

PolicyFile validate_policy_document(const YamlNode& root, const std::string& file,
                                    DiagnosticList& diagnostics) {
    DocumentReader reader(file, diagnostics);
    return reader.read(root);
}

}  // namespace srmd
