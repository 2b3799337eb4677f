#include "policy/diagnostic.hpp"

#include <algorithm>

namespace srmd {

namespace {

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence, "..." marking the cut.
void shorten(std::string& text, std::size_t max) {
    if (text.size() <= max)
        return;
    const std::string mark = "...";
    std::size_t end = max - mark.size();
    // Back over continuation bytes (10xxxxxx) to the start of the character being cut.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    text.resize(end);
    text += mark;
}

std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

}  // namespace

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

void DiagnosticList::add(Diagnostic diagnostic) {
    ++counts_[index(diagnostic.severity)];
    if (kept_.size() >= keep_) {
        if (first_omitted_file_.empty())
            first_omitted_file_ = diagnostic.file;
        ++omitted_[index(diagnostic.severity)];
        return;
    }
    shorten(diagnostic.message, kDiagnosticMessageMax);
    kept_.push_back(std::move(diagnostic));
}

std::vector<Diagnostic> DiagnosticList::release() {
    std::vector<Diagnostic> diagnostics = std::move(kept_);
    kept_.clear();
    sort_diagnostics(diagnostics);
    std::size_t errors = omitted_[index(Severity::Error)];
    std::size_t warnings = omitted_[index(Severity::Warning)];
    std::size_t notes = omitted_[index(Severity::Note)];
    std::size_t omitted = errors + warnings + notes;
    if (omitted > 0) {
        std::string counts = plural(errors, "error") + ", " + plural(warnings, "warning");
        if (notes > 0)
            counts += ", " + plural(notes, "note");
        diagnostics.push_back({first_omitted_file_,
                               {},
                               Severity::Note,
                               "and " + std::to_string(omitted) + " more not shown (" + counts +
                                   "): only the first " + std::to_string(keep_) +
                                   " diagnostics are listed"});
    }
    return diagnostics;
}

}  // namespace srmd
