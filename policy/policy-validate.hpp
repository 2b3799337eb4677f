// The checks behind policy-load.hpp: one document at a time, then across the whole set. Internal
// to the policy library.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/diagnostic.hpp"
#include "policy/policy.hpp"
#include "policy/yaml-document.hpp"

namespace srmd {

// One file's contribution to the set.
struct PolicyFile {
    std::string file;
    std::optional<bool> exclusive_onlining;
    SourcePosition exclusive_onlining_position;
    std::vector<PolicyRule> rules;
};

// Reads a parsed document into settings and rules, appending every problem to `diagnostics`.
// Keeps going after an error so that one run names as many mistakes as it can.
PolicyFile validate_policy_document(const YamlNode& root, const std::string& file,
                                    std::vector<Diagnostic>& diagnostics);

// Checks that need the whole set: rule names are unique, and no rule is hidden behind an earlier
// one that matches every range it does.
void check_rule_set(const std::vector<PolicyRule>& rules, std::vector<Diagnostic>& diagnostics);

// True when every range that `later` matches is also matched by `earlier`, as far as can be told
// from the conditions alone. Never true without proof: a false "can never match" warning would
// teach operators to ignore the real ones.
bool match_implies(const RuleMatch& later, const RuleMatch& earlier);

}  // namespace srmd
