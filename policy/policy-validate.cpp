#include "policy/policy-validate.hpp"

#include <algorithm>
#include <climits>
#include <limits>
#include <map>

#include "policy/document-reader.hpp"
#include "util/format.hpp"

namespace srmd {

namespace policy_document {

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
        } else if (name == "tag") {
            match.tag = read_word(condition, condition_value,
                                  "a Dynamic Capacity tag (UUID), a glob or 'untagged'");
            if (match.tag && *match.tag != kUntagged)
                match.tag = lower(*match.tag);  // srmd keeps tags lowercase (read/dcd-abi.hpp)
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
    rule.file_name = std::string(base_name(file_));
    rule.position = node.position;
    bool ok = true;
    const YamlNode* zone_key = nullptr;
    const YamlNode* mode_key = nullptr;
    bool mode_valid = false;  // checks that depend on the mode wait for a readable one
    const YamlNode* owner_key = nullptr;
    const YamlNode* teardown_key = nullptr;
    const YamlNode* memmap_key = nullptr;
    const YamlNode* when_key = nullptr;
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
        } else if (name == "memmap_on_memory") {
            memmap_key = &key;
            std::optional<bool> memmap = read_bool(key, value);
            if (!memmap)
                ok = false;
            else
                rule.memmap_on_memory = *memmap;
        } else if (name == "when") {
            when_key = &key;
            std::optional<std::string> when = read_enum(key, value, when_values);
            if (!when)
                ok = false;
            else
                rule.when = *when == "unusable" ? PolicyWhen::Unusable : PolicyWhen::Always;
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
    // The attribute says how kmem hot-adds the device's memory: nothing else has memory blocks.
    if (mode_valid && memmap_key && rule.mode != PolicyMode::SystemRam) {
        error(memmap_key->position,
              "'memmap_on_memory' applies only to mode system-ram (it "
              "says where kmem puts the memory map of the memory it "
              "hot-adds), and " +
                  called + " has mode " + to_string(rule.mode));
        ok = false;
    }
    // Offline wants the memory out of use and ignore wants nothing: "act only on memory that is
    // not usable" means nothing for either.
    if (mode_valid && when_key && rule.when == PolicyWhen::Unusable &&
        rule.mode != PolicyMode::SystemRam && rule.mode != PolicyMode::Devdax) {
        error(when_key->position,
              "'when: unusable' applies only to modes system-ram and devdax "
              "(it makes memory usable and leaves usable memory alone), and " +
                  called + " has mode " + to_string(rule.mode));
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

}  // namespace policy_document

PolicyFile validate_policy_document(const YamlNode& root, const std::string& file,
                                    DiagnosticList& diagnostics) {
    policy_document::DocumentReader reader(file, diagnostics);
    return reader.read(root);
}

}  // namespace srmd