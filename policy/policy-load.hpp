// Reading a policy set: the YAML files of the policy directories (or files named by the
// operator), validated as strictly as a compiler reads source. A set with any error is refused
// whole, so a typo never turns into half a policy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.hpp"
#include "policy/policy.hpp"

namespace srmd {

// Policy files are a few rules long; a larger file is refused before it is parsed.
inline constexpr std::size_t kMaxPolicyFileSize = 1 << 20;

struct PolicyLoad {
    // Set only when no diagnostic is an error.
    std::optional<Policy> policy;
    // Errors, warnings and notes of every file, sorted by file and position: the first
    // kDiagnosticsKept found, then a note that counts the ones left out, if any.
    std::vector<Diagnostic> diagnostics;
    std::vector<std::string> files;  // the files read, in rule order
    // Found but not in `diagnostics`.
    int omitted_errors = 0;
    int omitted_warnings = 0;

    // Every error and warning found, listed or not.
    int errors() const { return count_severity(diagnostics, Severity::Error) + omitted_errors; }
    int warnings() const {
        return count_severity(diagnostics, Severity::Warning) + omitted_warnings;
    }
};

// /usr/lib/srmd/policy.d (the vendor's), then /etc/srmd/policy.d (the operator's), as built
// for prefix /usr; other prefixes move both (policy/meson.build).
std::vector<std::string> default_policy_dirs();

// The files of a set: every *.yaml (not hidden) in each directory. A name in a later directory
// masks the same name in earlier ones; an empty file or a symlink to /dev/null masks without
// adding anything, as in systemd. `extra_files` join last, masking by base name the same way
// (`srmctl check-policy --policy-dir D NEW.yaml`: how NEW.yaml would fit in). The result is sorted
// by base name. A directory that does not exist holds nothing; one that cannot be read is an error.
// A file larger than kMaxPolicyFileSize is an error when it is read.
std::vector<std::string> list_policy_files(const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& extra_files,
                                           std::vector<Diagnostic>& diagnostics);

PolicyLoad load_policy_dirs(const std::vector<std::string>& dirs,
                            const std::vector<std::string>& extra_files = {});

// Exactly these files, in the order given.
PolicyLoad load_policy_files(const std::vector<std::string>& files);

// A set given as texts, in order: for tests, fuzzing and callers that read files themselves.
struct PolicySource {
    std::string file;
    std::string text;
};
PolicyLoad load_policy_sources(const std::vector<PolicySource>& sources);
PolicyLoad parse_policy_text(std::string_view text, const std::string& file);

}  // namespace srmd
