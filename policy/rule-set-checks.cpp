// The checks across a whole policy set (policy-validate.hpp): rule names are unique, and no rule
// hides behind an earlier one. Both stay near linear in the number of rules, so that reloading a
// large set never holds the daemon's loop for long: names through a hash, shadowing through an
// index and a budget (check_shadowing).
#include "policy/policy-validate.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace srmd {

namespace {

bool glob_implies(const std::string& later, const std::string& earlier) {
    return later == earlier || earlier == "*";
}

template <typename T>
bool strictly_increasing(const std::vector<T>& values) {
    return std::adjacent_find(values.begin(), values.end(), std::greater_equal<T>()) ==
           values.end();
}

// Every value of `later` is in `earlier`. Linear when both are sorted without repeats, as
// check_rule_set makes them; quadratic otherwise.
template <typename T>
bool subset(const std::vector<T>& later, const std::vector<T>& earlier) {
    if (strictly_increasing(later) && strictly_increasing(earlier))
        return std::includes(earlier.begin(), earlier.end(), later.begin(), later.end());
    for (const T& value : later)
        if (std::find(earlier.begin(), earlier.end(), value) == earlier.end())
            return false;
    return true;
}

template <typename T>
void sort_unique(std::optional<std::vector<T>>& values) {
    if (!values)
        return;
    std::sort(values->begin(), values->end());
    values->erase(std::unique(values->begin(), values->end()), values->end());
}

// The same conditions written as one text: equal texts, equal matches.
std::string match_key(const RuleMatch& match) {
    std::string key;
    auto number = [&key](char tag, const auto& value) {
        key += tag;
        if (value)
            key += std::to_string(*value);
        key += '|';
    };
    auto text = [&key](char tag, const std::optional<std::string>& value) {
        key += tag;
        if (value)
            key += std::to_string(value->size()) + ":" + *value;
        key += '|';
    };
    auto list = [&key](char tag, const auto& values) {
        key += tag;
        if (values) {
            key += '[';
            for (const auto& value : *values)
                key += std::to_string(value) + ",";
        }
        key += '|';
    };
    number('s', match.start);
    number('a', match.address);
    number('m', match.min_size);
    number('M', match.max_size);
    text('w', match.window);
    text('r', match.region);
    text('g', match.tag);
    list('S', match.serials);
    list('t', match.target_nodes);
    key += 'k';
    if (match.kernel_owner)
        key += to_string(*match.kernel_owner);
    key += "|o";
    if (match.soft_reserved)
        key += *match.soft_reserved ? "1" : "0";
    return key;
}

// What one match_implies call costs: it walks the lists of both matches.
std::size_t implies_cost(const RuleMatch& later, const RuleMatch& earlier) {
    auto size = [](const auto& values) { return values ? values->size() : 0; };
    return 1 + size(later.serials) + size(earlier.serials) + size(later.target_nodes) +
           size(earlier.target_nodes);
}

// The "can never match" warnings. A rule is compared with the earlier rules whose match could
// imply its own, in order, and the first that does is named:
// - rules with the same conditions as an earlier one share its answer (one hash lookup);
// - an earlier rule with a start implies only rules with that start, so rules with a start are
//   compared only with earlier rules of the same start and those without one.
// Sets that defeat both (thousands of rules with unrelated conditions) stop being compared once
// kShadowCheckBudget is spent, with a note saying where: the warnings are advice, and a reload
// must not keep the daemon from its loop.
void check_shadowing(const std::vector<PolicyRule>& rules, DiagnosticList& diagnostics) {
    struct Distinct {
        RuleMatch match;                         // serials and nodes sorted, without repeats
        std::size_t rule = 0;                    // the first rule with these conditions
        std::optional<std::size_t> shadowed_by;  // the first earlier rule that implies them
    };
    std::vector<Distinct> distinct;
    std::unordered_map<std::string, std::size_t> by_key;
    std::vector<std::size_t> without_start;  // indices into distinct, increasing
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_start;
    std::size_t spent = 0;

    auto warn = [&](const PolicyRule& rule, std::size_t earlier) {
        const PolicyRule& by = rules[earlier];
        std::string what =
            by.match.unconditional() ? "matches every range" : "matches every range it does";
        diagnostics.add(rule.file, rule.position, Severity::Warning,
                        "rule '" + rule.name + "' can never match: rule '" + by.name + "' at " +
                            by.file_name + ":" + std::to_string(by.position.line) + " " + what);
    };

    for (std::size_t i = 0; i < rules.size(); ++i) {
        const PolicyRule& rule = rules[i];
        RuleMatch match = rule.match;
        sort_unique(match.serials);
        sort_unique(match.target_nodes);
        std::string key = match_key(match);
        if (auto same = by_key.find(key); same != by_key.end()) {
            const Distinct& earlier = distinct[same->second];
            warn(rule, earlier.shadowed_by.value_or(earlier.rule));
            continue;
        }

        // Merge the two increasing candidate lists, trying the earliest first.
        static const std::vector<std::size_t> none;
        const std::vector<std::size_t>* same_start = &none;
        if (match.start)
            if (auto found = by_start.find(*match.start); found != by_start.end())
                same_start = &found->second;
        std::optional<std::size_t> shadowed_by;
        std::size_t a = 0;
        std::size_t b = 0;
        while (!shadowed_by && (a < without_start.size() || b < same_start->size())) {
            std::size_t candidate = b >= same_start->size() || (a < without_start.size() &&
                                                                without_start[a] < (*same_start)[b])
                                        ? without_start[a++]
                                        : (*same_start)[b++];
            const Distinct& earlier = distinct[candidate];
            spent += implies_cost(match, earlier.match);
            if (spent > kShadowCheckBudget) {
                diagnostics.add(rule.file, rule.position, Severity::Note,
                                "the set has " + std::to_string(rules.size()) +
                                    " rules, too many to compare them all: srmd did not check "
                                    "whether rule '" +
                                    rule.name + "' or any after it can never match");
                return;
            }
            if (match_implies(match, earlier.match))
                shadowed_by = earlier.rule;
        }
        if (shadowed_by)
            warn(rule, *shadowed_by);

        std::size_t index = distinct.size();
        by_key.emplace(std::move(key), index);
        if (match.start)
            by_start[*match.start].push_back(index);
        else
            without_start.push_back(index);
        distinct.push_back(Distinct{std::move(match), i, shadowed_by});
    }
}

}  // namespace

bool match_implies(const RuleMatch& later, const RuleMatch& earlier) {
    if (earlier.start && later.start != earlier.start)
        return false;
    // A range that starts at an address contains it: every range has a size.
    if (earlier.address && later.address != earlier.address && later.start != earlier.address)
        return false;
    if (earlier.min_size && !(later.min_size && *later.min_size >= *earlier.min_size))
        return false;
    if (earlier.max_size && !(later.max_size && *later.max_size <= *earlier.max_size))
        return false;
    if (earlier.window && !(later.window && glob_implies(*later.window, *earlier.window)))
        return false;
    if (earlier.region && !(later.region && glob_implies(*later.region, *earlier.region)))
        return false;
    if (earlier.serials && !(later.serials && subset(*later.serials, *earlier.serials)))
        return false;
    if (earlier.target_nodes &&
        !(later.target_nodes && subset(*later.target_nodes, *earlier.target_nodes)))
        return false;
    if (earlier.kernel_owner && later.kernel_owner != earlier.kernel_owner)
        return false;
    if (earlier.soft_reserved && later.soft_reserved != earlier.soft_reserved)
        return false;
    if (earlier.tag) {
        if (!later.tag)
            return false;
        bool untagged = *earlier.tag == kUntagged || *later.tag == kUntagged;
        if (untagged ? *later.tag != *earlier.tag : !glob_implies(*later.tag, *earlier.tag))
            return false;
    }
    return true;
}

void check_rule_set(const std::vector<PolicyRule>& rules, DiagnosticList& diagnostics) {
    // Each name with the first rule that has it.
    std::unordered_map<std::string, std::size_t> names;
    names.reserve(rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const PolicyRule& rule = rules[i];
        auto [first, added] = names.try_emplace(rule.name, i);
        if (added)
            continue;
        const PolicyRule& other = rules[first->second];
        diagnostics.add(rule.file, rule.position, Severity::Error,
                        "rule name '" + rule.name + "' is already used by the rule at " +
                            other.file_name + ":" + std::to_string(other.position.line));
    }
    check_shadowing(rules, diagnostics);
}

}  // namespace srmd
