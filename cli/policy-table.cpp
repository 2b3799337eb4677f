#include "cli/policy-table.hpp"

#include <algorithm>

#include "policy/policy-match.hpp"

namespace srmctl {

std::string policy_table(const srmd::Snapshot& snapshot, const std::vector<srmd::Range>& ranges,
                         const srmd::Policy& policy) {
    using Row = std::vector<std::string>;
    std::vector<Row> rows = {{"ID", "POLICY", "OWNER", "MODE", "ZONE", "WHEN", "CONVERGED"}};
    for (const srmd::Range& range : ranges) {
        srmd::PolicyMatch match = srmd::match_policy(policy, range, snapshot);
        if (!match.rule) {
            rows.push_back({range.id, "(no rule)", "-", "-", "-", "-", "yes"});
            continue;
        }
        const srmd::PolicyRule& rule = *match.rule;
        rows.push_back(
            {range.id, rule.label(), srmd::to_string(rule.owner), srmd::to_string(rule.mode),
             rule.mode == srmd::PolicyMode::SystemRam ? srmd::to_string(rule.zone) : "-",
             srmd::to_string(rule.when), srmd::converged(policy, range, snapshot) ? "yes" : "no"});
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const Row& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    std::string out;
    for (const Row& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

}  // namespace srmctl
