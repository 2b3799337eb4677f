// The Prometheus text exposition format (version 0.0.4) of srmd's ranges and passes.
#include "publish/metrics-text.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "policy/policy-match.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// One metric family: its HELP and TYPE lines, then its samples.
class Family {
  public:
    Family(std::string& out, const char* name, const char* type, const char* help)
        : out_(out), name_(name) {
        out_ += std::string("# HELP ") + name + " " + help + "\n";
        out_ += std::string("# TYPE ") + name + " " + type + "\n";
    }
    void sample(const std::string& labels, const std::string& value) {
        out_ += name_;
        if (!labels.empty())
            out_ += "{" + labels + "}";
        out_ += " " + value + "\n";
    }

  private:
    std::string& out_;
    std::string name_;
};

std::string label(const char* name, std::string_view value) {
    return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

std::string number(std::uint64_t value) {
    return std::to_string(value);
}

// Seconds from microseconds, exactly: "0.001234".
std::string seconds(std::int64_t micros) {
    if (micros < 0)
        micros = 0;
    char text[48];
    std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(micros / 1000000),
                  static_cast<long long>(micros % 1000000));
    return text;
}

// The range's problem codes, each once, sorted: "" when it has none.
std::string problem_codes(const Range& range) {
    std::set<std::string> codes;
    for (const Problem& problem : range.problems)
        codes.insert(problem.code);
    std::string out;
    for (const std::string& code : codes)
        out += (out.empty() ? "" : ",") + code;
    return out;
}

std::string range_labels(const Range& range) {
    return label("range", range.id) + "," + label("start", hex(range.start)) + "," +
           label("owner", to_string(range.owner)) + "," +
           label("kernel_owner", to_string(range.kernel_owner)) + "," +
           label("mode", to_string(range.mode)) + "," + label("status", to_string(range.status)) +
           "," + label("problems", problem_codes(range));
}

std::uint64_t online_bytes(const Range& range, std::uint64_t block_size) {
    std::uint64_t blocks = 0;
    for (const RangeDax& dax : range.dax)
        blocks += static_cast<std::uint64_t>(std::max(dax.memory.online, 0));
    return blocks * block_size;
}

}  // namespace

void count_pass(MetricsTotals& totals, const PassSummary& pass) {
    ++totals.passes;
    if (!pass.error.empty())
        ++totals.read_errors;
    for (const AppliedStep& applied : pass.execution.applied) {
        ++totals.steps[{to_string(applied.step.action), to_string(applied.result)}];
        if (applied.result != AppliedStep::Result::Ok)
            ++totals.failed_steps;
    }
    for (const RangeExecution& range : pass.execution.ranges)
        if (range.degraded)
            ++totals.degraded;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string metrics_text(const std::vector<Range>& ranges, const Snapshot* snapshot,
                         const Policy& policy, const PassSummary& pass,
                         const MetricsTotals& totals) {
    std::string out;
    std::uint64_t block_size = snapshot ? snapshot->memory.block_size : 0;

    Family size(out, "srmd_range_size_bytes", "gauge",
                "Size of the Soft Reserved or CXL ram range.");
    for (const Range& range : ranges)
        size.sample(range_labels(range), number(range.size));
    Family online(out, "srmd_range_online_bytes", "gauge",
                  "Memory of the range online as system RAM.");
    for (const Range& range : ranges)
        online.sample(range_labels(range), number(online_bytes(range, block_size)));
    Family converged(out, "srmd_range_converged", "gauge",
                     "1 when the range is what its policy rule wants (or no rule matches it).");
    for (const Range& range : ranges) {
        bool done = true;
        if (snapshot)  // per allocation on a Dynamic Capacity range, each by its tag's rule
            done = srmd::converged(policy, range, *snapshot);
        converged.sample(range_labels(range), done ? "1" : "0");
    }

    Family all(out, "srmd_converged", "gauge",
               "1 when every range with a rule was what its rule wants after the last pass.");
    all.sample("", pass.converged ? "1" : "0");
    Family number_of(out, "srmd_pass_number", "gauge", "Number of the last reconcile pass.");
    number_of.sample("", number(pass.number));
    Family duration(out, "srmd_pass_duration_seconds", "gauge",
                    "How long the last reconcile pass took.");
    duration.sample("", seconds(pass.duration));
    Family finished(out, "srmd_pass_timestamp_seconds", "gauge",
                    "When the last reconcile pass ended, in seconds since the epoch.");
    finished.sample("", seconds(pass.started + pass.duration));
    Family steps(out, "srmd_pass_steps", "gauge",
                 "Kernel steps the last pass ran, rollbacks included.");
    steps.sample("", std::to_string(std::max(pass.steps, 0)));
    Family failed(out, "srmd_pass_failed_steps", "gauge",
                  "Kernel steps of the last pass that did not succeed.");
    failed.sample("", std::to_string(std::max(pass.failed, 0)));
    Family read_error(out, "srmd_pass_read_error", "gauge",
                      "1 when the last pass could not read the machine.");
    read_error.sample("", pass.error.empty() ? "0" : "1");

    Family passes(out, "srmd_passes_total", "counter", "Reconcile passes since srmd started.");
    passes.sample("", number(totals.passes));
    Family read_errors(out, "srmd_pass_read_errors_total", "counter",
                       "Passes since srmd started that could not read the machine.");
    read_errors.sample("", number(totals.read_errors));
    Family step_totals(out, "srmd_steps_total", "counter",
                       "Kernel steps since srmd started, by action and result.");
    for (const auto& [key, count] : totals.steps)
        step_totals.sample(label("action", key.first) + "," + label("result", key.second),
                           number(count));
    Family failures(out, "srmd_step_failures_total", "counter",
                    "Kernel steps since srmd started that did not succeed.");
    failures.sample("", number(totals.failed_steps));
    Family degraded(out, "srmd_range_degraded_total", "counter",
                    "Times since srmd started that a failed step left a range degraded.");
    degraded.sample("", number(totals.degraded));
    return out;
}

}  // namespace srmd
