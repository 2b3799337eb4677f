#include "policy/policy-load.hpp"

#include <filesystem>
#include <map>
#include <optional>

#include "policy/policy-config.h"
#include "policy/policy-validate.hpp"
#include "policy/yaml-document.hpp"
#include "util/format.hpp"
#include "util/read-file.hpp"

namespace srmd {

namespace {

namespace fs = std::filesystem;

bool is_policy_file_name(const std::string& name) {
    const std::string suffix = ".yaml";
    return name.size() > suffix.size() && name[0] != '.' &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// An empty file or a symlink to /dev/null: the systemd way of switching off a vendor file.
bool is_mask(const std::string& path) {
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        fs::path target = fs::read_symlink(path, ec);
        if (!ec && target == "/dev/null")
            return true;
    }
    fs::file_status status = fs::status(path, ec);
    if (ec)
        return false;
    if (fs::is_character_file(status) && fs::equivalent(path, "/dev/null", ec))
        return true;
    return fs::is_regular_file(status) && fs::file_size(path, ec) == 0 && !ec;
}

// "50-default.yaml:12:3"
std::string where(const std::string& file, SourcePosition position) {
    return std::string(base_name(file)) + ":" + std::to_string(position.line) + ":" +
           std::to_string(position.column);
}

PolicyLoad finish(std::vector<PolicyFile> files, DiagnosticList& diagnostics) {
    PolicyLoad load;
    Policy policy;
    std::string onlining_source;  // where exclusive_onlining was last set, "" if nowhere
    for (PolicyFile& file : files) {
        policy.files.push_back(file.file);
        if (file.exclusive_onlining) {
            // Later files override earlier ones; say so, since the earlier file may be the
            // vendor's and the operator may not know it set anything.
            if (!onlining_source.empty())
                diagnostics.add(file.file, file.exclusive_onlining_position, Severity::Note,
                                std::string("exclusive_onlining overrides the value ") +
                                    (policy.settings.exclusive_onlining ? "true" : "false") +
                                    " set at " + onlining_source);
            policy.settings.exclusive_onlining = *file.exclusive_onlining;
            onlining_source = where(file.file, file.exclusive_onlining_position);
        }
        for (PolicyRule& rule : file.rules)
            policy.rules.push_back(std::move(rule));
    }
    check_rule_set(policy.rules, diagnostics);
    load.files = policy.files;
    load.omitted_errors = static_cast<int>(diagnostics.omitted(Severity::Error));
    load.omitted_warnings = static_cast<int>(diagnostics.omitted(Severity::Warning));
    load.diagnostics = diagnostics.release();
    if (load.errors() == 0)
        load.policy = std::move(policy);
    return load;
}

PolicyFile read_source(const PolicySource& source, DiagnosticList& diagnostics) {
    std::optional<YamlNode> root = parse_yaml_document(source.text, source.file, diagnostics);
    if (!root) {
        PolicyFile unreadable;
        unreadable.file = source.file;
        return unreadable;
    }
    return validate_policy_document(*root, source.file, diagnostics);
}

std::vector<PolicyFile> read_files(const std::vector<std::string>& paths,
                                   DiagnosticList& diagnostics) {
    std::vector<PolicyFile> files;
    for (const std::string& path : paths) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            diagnostics.add(path, {}, Severity::Error,
                            "is a directory; give policy directories with --policy-dir");
            continue;
        }
        if (is_mask(path)) {
            diagnostics.add(path, {}, Severity::Note,
                            "empty: in a policy directory it masks the file of the same name in "
                            "the directories before it");
            continue;
        }
        // Read only when it is a regular file (a link to one is fine: masks were taken out
        // above), never waiting: a FIFO here would hang start-up and reloads for ever.
        PolicySource source{path, ""};
        ReadFileOptions options;
        options.max_size = kMaxPolicyFileSize;
        if (std::optional<SystemFailure> failure = read_regular_file(path, source.text, options)) {
            diagnostics.add(path, {}, Severity::Error,
                            failure->error == EFBIG
                                ? "larger than " + std::to_string(kMaxPolicyFileSize >> 20) +
                                      " MiB: a policy file is a few rules long, and srmd "
                                      "does not read one this large"
                                : "cannot read: " + failure->message);
            continue;
        }
        files.push_back(read_source(source, diagnostics));
    }
    return files;
}

}  // namespace

std::vector<std::string> default_policy_dirs() {
    return {SRMD_VENDOR_POLICY_DIR, SRMD_LOCAL_POLICY_DIR};
}

std::vector<std::string> list_policy_files(const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& extra_files,
                                           std::vector<Diagnostic>& diagnostics) {
    // Base name -> path; "" once masked.
    std::map<std::string, std::string> chosen;
    for (const std::string& dir : dirs) {
        std::error_code ec;
        fs::file_status status = fs::status(dir, ec);
        if (status.type() == fs::file_type::not_found)
            continue;
        if (ec || !fs::is_directory(status)) {
            diagnostics.push_back(
                {dir,
                 {},
                 Severity::Error,
                 ec ? "cannot read the policy directory: " + ec.message() : "not a directory"});
            continue;
        }
        std::vector<std::string> names;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            names.push_back(it->path().filename().string());
        if (ec) {
            diagnostics.push_back(
                {dir, {}, Severity::Error, "cannot read the policy directory: " + ec.message()});
            continue;
        }
        for (const std::string& name : names) {
            if (!is_policy_file_name(name))
                continue;
            std::string path = (fs::path(dir) / name).string();
            chosen[name] = is_mask(path) ? "" : path;
        }
    }
    for (const std::string& path : extra_files)
        chosen[std::string(base_name(path))] = is_mask(path) ? "" : path;

    std::vector<std::string> files;
    for (const auto& [name, path] : chosen)
        if (!path.empty())
            files.push_back(path);
    return files;
}

PolicyLoad load_policy_sources(const std::vector<PolicySource>& sources) {
    DiagnosticList diagnostics;
    std::vector<PolicyFile> files;
    for (const PolicySource& source : sources)
        files.push_back(read_source(source, diagnostics));
    return finish(std::move(files), diagnostics);
}

PolicyLoad parse_policy_text(std::string_view text, const std::string& file) {
    return load_policy_sources({PolicySource{file, std::string(text)}});
}

PolicyLoad load_policy_files(const std::vector<std::string>& paths) {
    DiagnosticList diagnostics;
    return finish(read_files(paths, diagnostics), diagnostics);
}

PolicyLoad load_policy_dirs(const std::vector<std::string>& dirs,
                            const std::vector<std::string>& extra_files) {
    DiagnosticList diagnostics;
    std::vector<Diagnostic> listing;
    std::vector<std::string> paths = list_policy_files(dirs, extra_files, listing);
    for (Diagnostic& diagnostic : listing)
        diagnostics.add(std::move(diagnostic));
    return finish(read_files(paths, diagnostics), diagnostics);
}

}  // namespace srmd
