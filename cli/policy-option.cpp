#include "cli/policy-option.hpp"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "policy/policy-load.hpp"

namespace srmctl {

srmd::Policy load_policy_or_throw(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw std::runtime_error(dir + ": no such policy directory");
    }
    srmd::PolicyLoad load = srmd::load_policy_dirs(dirs);
    for (const srmd::Diagnostic& diagnostic : load.diagnostics)
        std::fprintf(stderr, "%s\n", srmd::format_diagnostic(diagnostic).c_str());
    if (!load.policy)
        throw std::runtime_error("policy refused: " + std::to_string(load.errors()) +
                                 (load.errors() == 1 ? " error" : " errors") +
                                 " (srmctl check-policy shows them)");
    return *load.policy;
}

}  // namespace srmctl
