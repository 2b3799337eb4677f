#include "policy/diagnostic.hpp"

#include <algorithm>

namespace srmd {

const char* to_string(Severity severity) {
    switch (severity) {
        case Severity::Note:
            return "note";
        case Severity::Warning:
            return "warning";
        case Severity::Error:
            return "error";
    }
    return "error";
}

std::string format_diagnostic(const Diagnostic& diagnostic) {
    std::string text = diagnostic.file;
    if (diagnostic.position.line > 0) {
        text += ":" + std::to_string(diagnostic.position.line);
        if (diagnostic.position.column > 0)
            text += ":" + std::to_string(diagnostic.position.column);
    }
    text += ": ";
    text += to_string(diagnostic.severity);
    text += ": ";
    text += diagnostic.message;
    return text;
}

void sort_diagnostics(std::vector<Diagnostic>& diagnostics) {
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         if (a.file != b.file)
                             return a.file < b.file;
                         if (a.position.line != b.position.line)
                             return a.position.line < b.position.line;
                         return a.position.column < b.position.column;
                     });
}

int count_severity(const std::vector<Diagnostic>& diagnostics, Severity severity) {
    return static_cast<int>(std::count_if(
        diagnostics.begin(), diagnostics.end(),
        [severity](const Diagnostic& diagnostic) { return diagnostic.severity == severity; }));
}

}  // namespace srmd
