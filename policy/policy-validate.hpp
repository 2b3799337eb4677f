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

// Reads a parsed document into settings and rules, adding every problem to `diagnostics`.
// Keeps going after an error so that one run names as many mistakes as it can.
PolicyFile validate_policy_document(const YamlNode& root, const std::string& file,
                                    DiagnosticList& diagnostics);

// How many comparisons, weighted by the serial and node lists they walk, the "can never match"
// check may make on one set. Sets with structure (same conditions, distinct starts) need about
// one per rule; only thousands of rules with unrelated conditions reach it, and then the rules
// after that point are not checked, with a note that says so.
inline constexpr std::size_t kShadowCheckBudget = 500000;

// Checks that need the whole set: rule names are unique (an error), and no rule is hidden behind
// an earlier one that matches every range it does (a warning). Linear in the rules, but for the
// budget above.
void check_rule_set(const std::vector<PolicyRule>& rules, DiagnosticList& diagnostics);

// True when every range that `later` matches is also matched by `earlier`, as far as can be told
// from the conditions alone. Never true without proof: a false "can never match" warning would
// teach operators to ignore the real ones.
bool match_implies(const RuleMatch& later, const RuleMatch& earlier);

}  // namespace srmd
