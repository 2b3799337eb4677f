// `srmctl check-policy [--policy-dir DIR]... [FILE...]`: read a policy set as srmd would and say
// what is wrong with it, compiler style, before srmd ever sees it.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "policy/diagnostic.hpp"
#include "policy/policy-load.hpp"

namespace srmctl {

namespace {

const char check_policy_usage[] =
    "Usage: srmctl check-policy [--policy-dir DIR]... [FILE...]\n"
    "\n"
    "Validate a policy set (see srmd.policy(5)). Errors and warnings are printed as\n"
    "FILE:LINE:COLUMN: error: MESSAGE; a set with any error is refused whole by srmd.\n"
    "The first 50 are listed and a last note counts the rest; files larger than 1 MiB\n"
    "are not read.\n"
    "\n"
    "With no argument, check what srmd loads: /usr/lib/srmd/policy.d and /etc/srmd/policy.d.\n"
    "With FILEs only, check exactly those files, in the order given.\n"
    "With --policy-dir and FILEs, check the FILEs as if dropped into the last directory.\n"
    "\n"
    "  --policy-dir DIR  read DIR instead of the default directories (repeatable; a file\n"
    "                    in a later DIR masks the file of the same name in earlier ones)\n"
    "\n"
    "Exit status: 0 when the set is accepted (warnings allowed), 1 when it has errors.\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "srmctl check-policy: %s\n\n%s", message.c_str(), check_policy_usage);
    return 2;
}

std::string plural(int count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

}  // namespace

int cmd_check_policy(const Args& args) {
    std::vector<std::string> dirs;
    std::vector<std::string> files;
    OptionReader reader(args, {{"policy-dir", true}});
    for (Found found; reader.next(found);) {
        if (found.is("help")) {
            std::fputs(check_policy_usage, stdout);
            return 0;
        } else if (found.is("policy-dir") && !value_given(found)) {
            return usage_error("--policy-dir needs a directory");
        } else if (found.is("policy-dir") && !found.value->empty()) {
            dirs.push_back(*found.value);
        } else if (found.kind != Found::kArgument) {
            // An unknown option, or --policy-dir= with nothing after it.
            return usage_error("unknown option '" + found.word + "'");
        } else {
            files.push_back(found.word);
        }
    }

    // A directory named on the command line that is not there is a typo, not an empty set.
    for (const std::string& dir : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            std::fprintf(stderr, "%s: error: no such directory\n", dir.c_str());
            return 1;
        }
    }

    bool explicit_files = dirs.empty() && !files.empty();
    std::vector<std::string> searched = dirs.empty() ? srmd::default_policy_dirs() : dirs;
    srmd::PolicyLoad load =
        explicit_files ? srmd::load_policy_files(files) : srmd::load_policy_dirs(searched, files);

    for (const srmd::Diagnostic& diagnostic : load.diagnostics)
        std::fprintf(stderr, "%s\n", srmd::format_diagnostic(diagnostic).c_str());

    int errors = load.errors();
    int warnings = load.warnings();
    std::string counts = plural(errors, "error") + ", " + plural(warnings, "warning");
    if (errors > 0) {
        std::printf("policy refused: %s in %s\n", counts.c_str(),
                    plural(static_cast<int>(load.files.size()), "file").c_str());
        return 1;
    }
    if (load.files.empty()) {
        std::string where;
        for (const std::string& dir : searched)
            where += (where.empty() ? "" : ", ") + dir;
        std::printf("policy ok: no policy files%s: srmd leaves every range as it is\n",
                    explicit_files ? "" : (" in " + where).c_str());
        return 0;
    }
    std::printf("policy ok: %s, %s; %s\n",
                plural(static_cast<int>(load.files.size()), "file").c_str(),
                plural(static_cast<int>(load.policy->rules.size()), "rule").c_str(),
                plural(warnings, "warning").c_str());
    return 0;
}

}  // namespace srmctl
