// The state file: what survives a restart, written so that a crash never leaves half of it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/state-store.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

State sample() {
    State s;
    s.boot_id = "7d1c9a0e";
    s.passes = 12;
    StepRecord step;
    step.time = 1700000000;
    step.pass = 12;
    step.action = "offline-memory";
    step.target = "dax0.0";
    step.reason = "rule wants devdax";
    step.result = "started";
    s.in_progress = step;
    s.in_progress_range = "r140000000";
    RangeRecord& r = s.ranges["r140000000"];
    r.failures = 2;
    r.retry_after = 1700000060;
    StepRecord done = step;
    done.result = "failed";
    done.error = 16;
    done.message = "device busy";
    r.steps.push_back(done);
    return s;
}

TEST(StateStore, RoundTripsEveryField) {
    State s = sample();
    Json j = state_to_json(s);
    State back = state_from_json(Json::parse(j.dump()));
    EXPECT_EQ(state_to_json(back), j);
    ASSERT_TRUE(back.in_progress);
    EXPECT_EQ(back.in_progress->target, "dax0.0");
    EXPECT_EQ(back.in_progress_range, "r140000000");
    EXPECT_EQ(back.ranges.at("r140000000").failures, 2);
    EXPECT_EQ(back.ranges.at("r140000000").steps.at(0).error, 16);
}

TEST(StateStore, SaveReplacesAtomicallyAndLoadsBack) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    save_state(path, sample());
    State other = sample();
    other.passes = 13;
    save_state(path, other);
    EXPECT_FALSE(fs::exists(path + ".new"));  // no temporary left behind
    StateLoad load = load_state(path);
    EXPECT_EQ(load.warning, "");
    EXPECT_EQ(load.state.passes, 13u);
}

TEST(StateStore, MissingFileIsAFreshState) {
    srmd::test::TempDir dir;
    StateLoad load = load_state(dir.path() + "/state.json");
    EXPECT_EQ(load.warning, "");
    EXPECT_EQ(load.state.passes, 0u);
    EXPECT_FALSE(load.state.in_progress);
}

// A torn or foreign file must not stop the daemon: it is kept aside for a post-mortem.
TEST(StateStore, CorruptFileIsMovedAsideWithAWarning) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    std::ofstream(path) << "{\"version\": 1, \"ranges\": {\"r1\": ";
    StateLoad load = load_state(path);
    EXPECT_NE(load.warning.find("moved it to " + path + ".corrupt"), std::string::npos)
        << load.warning;
    EXPECT_TRUE(fs::exists(path + ".corrupt"));
    EXPECT_FALSE(fs::exists(path));
    EXPECT_EQ(load.state.passes, 0u);
}

// The warning says where the file went wrong, with the JSON error's byte offset.
TEST(StateStore, CorruptFileWarningSaysWhere) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    std::ofstream(path) << "{\"version\": 1, \"ranges\": {\"r1\": {}, \"r1\": {}}}";
    StateLoad load = load_state(path);
    EXPECT_NE(load.warning.find("(JSON: duplicate key \"r1\" at byte 36)"), std::string::npos)
        << load.warning;
    EXPECT_THROW(state_from_text("{\"version\": 1}"), std::runtime_error);  // no "ranges"
    EXPECT_THROW(state_from_text(R"({"version": 1, "ranges": {"r1": {"steps": [
                     {"action": 1, "target": "dax0.0"}]}}})"),
                 std::runtime_error);  // an action that is no string
}

// What save_state writes is what state_from_text reads, and writing it again gives the same text.
TEST(StateStore, TextRoundTrips) {
    std::string text = state_to_text(sample());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(state_to_text(state_from_text(text)), text);
}

// A machine with very many ranges: building the document, writing and reading it back are linear
// (one object key per range). Times are printed, not asserted.
TEST(StateStore, EightyThousandRangesSaveAndLoad) {
    constexpr int ranges = 80000;
    State s = sample();
    for (int i = 0; i < ranges; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "r%llx", 0x200000000ULL + 0x10000000ULL * i);
        RangeRecord& r = s.ranges[id];
        r.failures = i % 4;
        if (i % 1000 == 0)
            remember_step(s, id,
                          StepRecord{0, 1, "online-memory", "dax" + std::to_string(i) + ".0",
                                     "rule", "ok", false, 0, ""});
    }
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    auto start = std::chrono::steady_clock::now();
    save_state(path, s);
    auto saved = std::chrono::steady_clock::now();
    StateLoad load = load_state(path);
    auto loaded = std::chrono::steady_clock::now();
    std::printf("%d ranges: saved in %.3f s, loaded in %.3f s\n", ranges,
                std::chrono::duration<double>(saved - start).count(),
                std::chrono::duration<double>(loaded - saved).count());

    EXPECT_EQ(load.warning, "");
    ASSERT_EQ(load.state.ranges.size(), static_cast<std::size_t>(ranges) + 1);
    EXPECT_EQ(load.state.ranges.at("r200000000").steps.at(0).target, "dax0.0");
    EXPECT_EQ(load.state.ranges.at("r1389e0000000").failures, (ranges - 2) % 4);
    EXPECT_EQ(load.state.ranges.at("r140000000").failures, 2);  // sample()'s range is kept
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(state_to_text(load.state), text.str());
}

TEST(StateStore, UnknownVersionIsRefused) {
    Json j = state_to_json(sample());
    j.set("version", 99);
    EXPECT_THROW(state_from_json(j), std::runtime_error);
}

TEST(StateStore, KeepsOnlyTheLastStepsOfARange) {
    State s;
    for (int i = 0; i < 40; ++i) {
        StepRecord r;
        r.action = "online-memory";
        r.target = "dax" + std::to_string(i) + ".0";
        remember_step(s, "r1", r);
    }
    ASSERT_EQ(s.ranges["r1"].steps.size(), kStepsKept);
    EXPECT_EQ(s.ranges["r1"].steps.back().target, "dax39.0");
}

}  // namespace
}  // namespace srmd
