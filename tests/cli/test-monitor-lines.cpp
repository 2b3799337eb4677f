// What `srmctl monitor` prints per signal (cli/monitor-lines.hpp): one line a person can read,
// starting with the time, or one JSON object per line with --json; bus text never breaks a line.
#include <gtest/gtest.h>

#include <chrono>

#include "cli/monitor-lines.hpp"
#include "util/json.hpp"

namespace srmctl {
namespace {

// 2023-11-14 22:13:20.250 UTC (the test runs with TZ=UTC).
const auto kWhen = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000250));

TEST(MonitorLines, ReconcileFinished) {
    MonitorEvent event = reconcile_finished_event(7, "request", true, 2, 0);
    EXPECT_EQ(monitor_line(event, false, kWhen),
              "22:13:20 pass 7 (request): 2 steps, 0 failed; converged");
    EXPECT_EQ(monitor_line(reconcile_finished_event(8, "events", false, 1, 1), false, kWhen),
              "22:13:20 pass 8 (events): 1 step, 1 failed; not converged");
    srmd::Json json = srmd::Json::parse(monitor_line(event, true, kWhen));
    EXPECT_EQ(json.dump(),
              R"({"signal":"ReconcileFinished","number":7,"trigger":"request","converged":true,)"
              R"("steps":2,"failed":0,"time":"2023-11-14T22:13:20.250Z"})");
}

TEST(MonitorLines, RangeChanged) {
    MonitorEvent event =
        range_changed_event("/org/srmd1/ranges/r2080000000", "r2080000000", "degraded");
    EXPECT_EQ(monitor_line(event, false, kWhen),
              "22:13:20 range r2080000000 changed, status degraded");
    EXPECT_EQ(monitor_line(event, true, kWhen),
              R"({"signal":"RangeChanged","path":"/org/srmd1/ranges/r2080000000",)"
              R"("id":"r2080000000","status":"degraded","time":"2023-11-14T22:13:20.250Z"})");
}

TEST(MonitorLines, ActionFailedStaysOnOneLine) {
    MonitorEvent event = action_failed_event("r2480000000", "offline-memory", "dax1.0", 16,
                                             "memory73: device busy\nretrying\x1b[2J");
    std::string line = monitor_line(event, false, kWhen);
    EXPECT_EQ(line,
              "22:13:20 range r2480000000: offline-memory dax1.0 failed: memory73: device "
              "busy\\nretrying\\x1b[2J (EBUSY)");
    std::string json_line = monitor_line(event, true, kWhen);
    EXPECT_EQ(json_line.find('\n'), std::string::npos);
    srmd::Json json = srmd::Json::parse(json_line);
    EXPECT_EQ(json.find("message")->as_string(), "memory73: device busy\nretrying\x1b[2J");
    EXPECT_EQ(json.find("errno_name")->as_string(), "EBUSY");
    EXPECT_EQ(json.find("errno")->as_int(), 16);

    MonitorEvent unverified = action_failed_event("r1", "enable-dax", "dax0.0", 0, "not bound");
    EXPECT_EQ(monitor_line(unverified, false, kWhen),
              "22:13:20 range r1: enable-dax dax0.0 failed: not bound");
    EXPECT_TRUE(
        srmd::Json::parse(monitor_line(unverified, true, kWhen)).find("errno_name")->is_null());
}

TEST(MonitorLines, OneLine) {
    EXPECT_EQ(one_line("plain words"), "plain words");
    EXPECT_EQ(one_line("a\tb\r\nc\x7f"), "a\\tb\\r\\nc\\x7f");
    EXPECT_EQ(one_line("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace srmctl
