// What the policy loader says about a file: errors and warnings in the form compilers use,
// "file:line:column: error: message", so editors and people find the spot at once.
#pragma once

#include <string>
#include <vector>

namespace srmd {

enum class Severity { Note, Warning, Error };

// 1-based, as editors count. 0 when the message concerns a whole file or directory.
struct SourcePosition {
    int line = 0;
    int column = 0;
};

struct Diagnostic {
    std::string file;  // as given or found: "/etc/srmd/policy.d/10-local.yaml"
    SourcePosition position;
    Severity severity = Severity::Error;
    std::string message;
};

const char* to_string(Severity severity);

// "file:line:column: error: message"; "file: error: message" when there is no position.
std::string format_diagnostic(const Diagnostic& diagnostic);

// By file, then line, then column; the order of discovery is kept among equals.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics);

int count_severity(const std::vector<Diagnostic>& diagnostics, Severity severity);

}  // namespace srmd
