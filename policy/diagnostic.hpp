// What the policy loader says about a file: errors and warnings in the form compilers use,
// "file:line:column: error: message", so editors and people find the spot at once.
//
// A load keeps only the first diagnostics it finds and counts the others (DiagnosticList): a
// file of a few MB can hold millions of mistakes (one per alias, per key), and srmd logs every
// diagnostic it keeps, sends them all in one bus reply and prints them in srmctl check-policy.
#pragma once

#include <array>
#include <cstddef>
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

// How many diagnostics one load keeps: the first ones found. The rest are only counted, and a
// last note says how many there were.
inline constexpr std::size_t kDiagnosticsKept = 50;
// How long a message may be, in bytes: a key or value quoted from a file can be as long as the
// file. A longer one is cut at a character boundary and ends in "...".
inline constexpr std::size_t kDiagnosticMessageMax = 512;

const char* to_string(Severity severity);

// "file:line:column: error: message"; "file: error: message" when there is no position.
std::string format_diagnostic(const Diagnostic& diagnostic);

// By file, then line, then column; the order of discovery is kept among equals.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics);

int count_severity(const std::vector<Diagnostic>& diagnostics, Severity severity);

// The diagnostics of one load as they are found: the first `keep` in full (their messages cut to
// kDiagnosticMessageMax), every one counted by severity.
class DiagnosticList {
  public:
    explicit DiagnosticList(std::size_t keep = kDiagnosticsKept) : keep_(keep) {}

    void add(Diagnostic diagnostic);
    void add(const std::string& file, SourcePosition position, Severity severity,
             std::string message) {
        add(Diagnostic{file, position, severity, std::move(message)});
    }

    // Every diagnostic added of this severity, kept or not.
    std::size_t count(Severity severity) const { return counts_[index(severity)]; }
    // Added but not kept, of this severity.
    std::size_t omitted(Severity severity) const { return omitted_[index(severity)]; }
    const std::vector<Diagnostic>& kept() const { return kept_; }

    // The kept diagnostics sorted (sort_diagnostics), then, when some were only counted, a note
    // that says how many, at the file of the first of them. Keeps the counts, not the kept.
    std::vector<Diagnostic> release();

  private:
    static std::size_t index(Severity severity) { return static_cast<std::size_t>(severity); }

    std::size_t keep_;
    std::vector<Diagnostic> kept_;
    std::array<std::size_t, 3> counts_{};
    std::array<std::size_t, 3> omitted_{};
    std::string first_omitted_file_;
};

}  // namespace srmd
