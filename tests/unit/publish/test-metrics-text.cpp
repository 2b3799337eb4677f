// The Prometheus text of srmd's ranges and passes (publish/metrics-text.hpp): the exact lines for a
// real tree under the vendor policy, the totals a pass adds, and label values escaped as the
// exposition format wants.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy-load.hpp"
#include "publish/metrics-text.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

Policy vendor_default() {
    const char* base = std::getenv("SRMD_POLICY");
    PolicyLoad load = load_policy_dirs({std::string(base ? base : "policy") + "/vendor"});
    EXPECT_TRUE(load.policy);
    return load.policy ? *load.policy : Policy{};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

AppliedStep applied(Action action, AppliedStep::Result result) {
    AppliedStep a;
    a.step.action = action;
    a.result = result;
    return a;
}

// The devdax tree: dax0.0 (r2080000000) on device_dax, dax1.0 (r2480000000) unbound, 16 GiB each
// in 2 GiB blocks, nothing online. The vendor policy leaves dax0.0 as it is (in use as devdax)
// and wants dax1.0 as system RAM.
TEST(MetricsText, ExactLinesForTheDevdaxTree) {
    Snapshot snapshot = read_snapshot(RootReader(test::fixture("constructed/devdax")));
    std::vector<Range> ranges = compute_ranges(snapshot);
    ASSERT_EQ(ranges.size(), 2u);
    ranges[0].problems.push_back(Problem("teardown-not-allowed", "no teardown"));
    // A problem reported twice appears once; codes are sorted.
    ranges[0].problems.push_back(Problem("action-failed", "x", RangeStatus::Degraded));
    ranges[0].problems.push_back(Problem("action-failed", "y", RangeStatus::Degraded));
    ranges[0].status = RangeStatus::Degraded;

    PassSummary pass;
    pass.number = 3;
    pass.started = 1700000000250000;
    pass.duration = 1234567;
    pass.steps = 3;
    pass.failed = 1;
    pass.execution.applied = {applied(Action::EnableDax, AppliedStep::Result::Ok),
                              applied(Action::OnlineMemory, AppliedStep::Result::TimedOut),
                              applied(Action::EnableDax, AppliedStep::Result::Ok)};
    RangeExecution degraded;
    degraded.range = "r2480000000";
    degraded.degraded = true;
    pass.execution.ranges = {degraded};
    MetricsTotals totals;
    PassSummary unreadable;
    unreadable.error = "cannot read /proc/iomem";
    count_pass(totals, unreadable);
    count_pass(totals, pass);

    std::string labels0 =
        R"(range="r2080000000",start="0x2080000000",owner="cxl",kernel_owner="cxl",)"
        R"(mode="devdax",status="degraded",problems="action-failed,teardown-not-allowed")";
    std::string labels1 =
        R"(range="r2480000000",start="0x2480000000",owner="none",kernel_owner="cxl",)"
        R"(mode="unbound",status="stranded",problems="dax-unbound")";
    std::vector<std::string> expected = {
        "# HELP srmd_range_size_bytes Size of the Soft Reserved or CXL ram range.",
        "# TYPE srmd_range_size_bytes gauge",
        "srmd_range_size_bytes{" + labels0 + "} 17179869184",
        "srmd_range_size_bytes{" + labels1 + "} 17179869184",
        "# HELP srmd_range_online_bytes Memory of the range online as system RAM.",
        "# TYPE srmd_range_online_bytes gauge",
        "srmd_range_online_bytes{" + labels0 + "} 0",
        "srmd_range_online_bytes{" + labels1 + "} 0",
        "# HELP srmd_range_converged 1 when the range is what its policy rule wants (or no rule "
        "matches it).",
        "# TYPE srmd_range_converged gauge",
        "srmd_range_converged{" + labels0 + "} 1",
        "srmd_range_converged{" + labels1 + "} 0",
        "# HELP srmd_converged 1 when every range with a rule was what its rule wants after the "
        "last pass.",
        "# TYPE srmd_converged gauge",
        "srmd_converged 0",
        "# HELP srmd_pass_number Number of the last reconcile pass.",
        "# TYPE srmd_pass_number gauge",
        "srmd_pass_number 3",
        "# HELP srmd_pass_duration_seconds How long the last reconcile pass took.",
        "# TYPE srmd_pass_duration_seconds gauge",
        "srmd_pass_duration_seconds 1.234567",
        "# HELP srmd_pass_timestamp_seconds When the last reconcile pass ended, in seconds since "
        "the epoch.",
        "# TYPE srmd_pass_timestamp_seconds gauge",
        "srmd_pass_timestamp_seconds 1700000001.484567",
        "# HELP srmd_pass_steps Kernel steps the last pass ran, rollbacks included.",
        "# TYPE srmd_pass_steps gauge",
        "srmd_pass_steps 3",
        "# HELP srmd_pass_failed_steps Kernel steps of the last pass that did not succeed.",
        "# TYPE srmd_pass_failed_steps gauge",
        "srmd_pass_failed_steps 1",
        "# HELP srmd_pass_read_error 1 when the last pass could not read the machine.",
        "# TYPE srmd_pass_read_error gauge",
        "srmd_pass_read_error 0",
        "# HELP srmd_passes_total Reconcile passes since srmd started.",
        "# TYPE srmd_passes_total counter",
        "srmd_passes_total 2",
        "# HELP srmd_pass_read_errors_total Passes since srmd started that could not read the "
        "machine.",
        "# TYPE srmd_pass_read_errors_total counter",
        "srmd_pass_read_errors_total 1",
        "# HELP srmd_steps_total Kernel steps since srmd started, by action and result.",
        "# TYPE srmd_steps_total counter",
        R"(srmd_steps_total{action="enable-dax",result="ok"} 2)",
        R"(srmd_steps_total{action="online-memory",result="timed-out"} 1)",
        "# HELP srmd_step_failures_total Kernel steps since srmd started that did not succeed.",
        "# TYPE srmd_step_failures_total counter",
        "srmd_step_failures_total 1",
        "# HELP srmd_range_degraded_total Times since srmd started that a failed step left a "
        "range degraded.",
        "# TYPE srmd_range_degraded_total counter",
        "srmd_range_degraded_total 1",
    };
    std::string text = metrics_text(ranges, &snapshot, vendor_default(), pass, totals);
    EXPECT_EQ(lines(text), expected) << text;
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
}

// Online bytes are the range's online blocks times the block size; a range no rule matches is
// converged (srmd leaves it alone).
TEST(MetricsText, OnlineBytesAndConvergedForAKmemTree) {
    Snapshot snapshot = read_snapshot(RootReader(test::fixture("kernel-7.2/cxl-ram-kmem-movable")));
    std::vector<Range> ranges = compute_ranges(snapshot);
    ASSERT_FALSE(ranges.empty());
    std::string text = metrics_text(ranges, &snapshot, vendor_default(), PassSummary{}, {});
    std::uint64_t total = 0;
    for (const Range& range : ranges) {
        std::uint64_t online = 0;
        for (const RangeDax& dax : range.dax)
            online += static_cast<std::uint64_t>(dax.memory.online) * snapshot.memory.block_size;
        total += online;
        std::string prefix = "srmd_range_online_bytes{range=\"" + range.id + "\",";
        int found = 0;
        for (const std::string& line : lines(text))
            if (line.rfind(prefix, 0) == 0) {
                ++found;
                EXPECT_EQ(line.substr(line.rfind(' ') + 1), std::to_string(online)) << line;
            }
        EXPECT_EQ(found, 1) << text;
    }
    EXPECT_GT(total, 0u);

    Policy none;
    std::string unruled = metrics_text(ranges, &snapshot, none, PassSummary{}, {});
    EXPECT_NE(unruled.find("srmd_range_converged{range=\"" + ranges[0].id + "\""),
              std::string::npos);
    for (const std::string& line : lines(unruled))
        if (line.rfind("srmd_range_converged{", 0) == 0) {
            EXPECT_EQ(line.back(), '1') << line;
        }
}

TEST(MetricsText, NoSnapshotYetMeansNoRanges) {
    PassSummary pass;
    pass.error = "cannot read";
    MetricsTotals totals;
    count_pass(totals, pass);
    std::string text = metrics_text({}, nullptr, Policy{}, pass, totals);
    EXPECT_NE(text.find("\nsrmd_pass_read_error 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nsrmd_pass_read_errors_total 1\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("srmd_range_size_bytes{"), std::string::npos) << text;
}

TEST(MetricsText, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("plain-value"), "plain-value");
    EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_label_value("say \"hi\""), "say \\\"hi\\\"");
    EXPECT_EQ(escape_label_value("two\nlines"), "two\\nlines");
    EXPECT_EQ(escape_label_value("tab\there"), "tab\there");
    EXPECT_EQ(escape_label_value(""), "");

    // A range id from a hostile tree cannot break out of its label.
    Range range;
    range.id = "r1\"} 1\nfake_metric{x=\"\\";
    range.size = 1;
    std::string text = metrics_text({range}, nullptr, Policy{}, PassSummary{}, {});
    EXPECT_NE(text.find(R"(srmd_range_size_bytes{range="r1\"} 1\nfake_metric{x=\"\\",)"),
              std::string::npos)
        << text;
    for (const std::string& line : lines(text)) {
        EXPECT_NE(line.rfind("fake_metric", 0), 0u) << line;
    }
}

}  // namespace
}  // namespace srmd
