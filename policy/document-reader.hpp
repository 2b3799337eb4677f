// The reader of one policy document, shared by the files that validate it: the key and value
// vocabulary, the scalar readers (document-values.cpp) and the document's structure, rules and
// matches (policy-validate.cpp). Internal to the policy library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy-validate.hpp"

namespace srmd::policy_document {

inline const int supported_version = 1;

inline const std::vector<std::string> top_keys = {"version", "settings", "rules"};
inline const std::vector<std::string> settings_keys = {"exclusive_onlining"};
inline const std::vector<std::string> rule_keys = {
    "name", "match", "owner", "mode", "zone", "allow_teardown", "memmap_on_memory", "when"};
inline const std::vector<std::string> match_keys = {
    "start",  "address",     "min_size",     "max_size",      "window", "region",
    "serial", "target_node", "kernel_owner", "soft_reserved", "tag"};

inline const std::vector<std::string> owner_values = {"cxl", "hmem", "kernel"};
inline const std::vector<std::string> mode_values = {"system-ram", "devdax", "offline", "ignore"};
inline const std::vector<std::string> zone_values = {"movable", "normal", "auto"};
inline const std::vector<std::string> when_values = {"always", "unusable"};
inline const std::vector<std::string> kernel_owner_values = {"cxl", "hmem", "none"};

// The plain words YAML 1.1 reads as booleans (yaml-cpp and PyYAML both do).
bool is_yaml11_bool_word(const std::string& value);
// "a, b or c".
std::string join(const std::vector<std::string>& words);
// " (did you mean 'zone'?)" for a near miss, else "".
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates);
bool contains(const std::vector<std::string>& words, const std::string& word);

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

}  // namespace srmd::policy_document
