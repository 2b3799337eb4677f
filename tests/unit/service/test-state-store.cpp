// The state file: what survives a restart, written so that a crash never leaves half of it.
#include <gtest/gtest.h>
#include <sys/stat.h>

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
    // No temporary file left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
    StateLoad load = load_state(path);
    EXPECT_EQ(load.warning, "");
    EXPECT_EQ(load.state.passes, 13u);
}

// srmd saves as root into a directory others may reach: a symlink planted where the temporary
// file used to go (state.json.new) must not be followed, nor its target overwritten.
TEST(StateStore, SaveNeverFollowsALinkAtTheTemporaryName) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    std::string victim = dir.path() + "/victim";
    std::ofstream(victim) << "precious";
    fs::create_symlink(victim, path + ".new");
    save_state(path, sample());
    std::ifstream in(victim);
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "precious");
    EXPECT_EQ(load_state(path).state.passes, 12u);
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

// The warning says what happened: when the corrupt file cannot be moved aside, it does not claim
// it was.
TEST(StateStore, ACorruptFileThatCannotBeMovedAsideIsSaidSo) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    std::ofstream(path) << "{\"version\": 1, \"ranges\": {\"r1\": ";
    fs::create_directory(path + ".corrupt");
    std::ofstream(path + ".corrupt/taken") << "x";  // rename(2) cannot replace it
    StateLoad load = load_state(path);
    EXPECT_EQ(load.warning.find("moved it"), std::string::npos) << load.warning;
    EXPECT_NE(load.warning.find("cannot move it to " + path + ".corrupt"), std::string::npos)
        << load.warning;
    EXPECT_TRUE(fs::exists(path));
    EXPECT_EQ(load.state.passes, 0u);
}

// A FIFO as the state file hung start-up for ever (open() waits for a writer, and SIGTERM is
// blocked for sd-event). It is refused at once: a warning and a fresh state.
TEST(StateStore, AFifoIsRefusedWithAWarning) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    StateLoad load = load_state(path);
    EXPECT_NE(load.warning.find("not a regular file (a FIFO)"), std::string::npos) << load.warning;
    EXPECT_EQ(load.state.passes, 0u);
    // The next save puts a regular file in its place.
    save_state(path, sample());
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(path)));
}

// srmd only ever renames a regular file into place: a symlink there was planted, and is not read.
TEST(StateStore, ASymlinkIsNotReadThrough) {
    srmd::test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    save_state(dir.path() + "/elsewhere.json", sample());
    fs::create_symlink(dir.path() + "/elsewhere.json", path);
    StateLoad load = load_state(path);
    EXPECT_NE(load.warning.find("not a regular file (a symbolic link)"), std::string::npos)
        << load.warning;
    EXPECT_EQ(load.state.passes, 0u);
}

// Values a state file may hold but srmd never writes: each is brought within bounds, with a
// warning naming the range and the value.
TEST(StateStore, ValidationBoundsEveryCountAndTime) {
    const std::int64_t now = 1700000000;
    const std::chrono::seconds cap(3600);
    Json j = state_to_json(sample());
    Json::Object& ranges = const_cast<Json&>(*j.find("ranges")).as_object();
    auto add = [&](const std::string& id, Json failures, Json retry_after) {
        Json r = Json::object();
        r.set("failures", std::move(failures));
        r.set("retry_after", std::move(retry_after));
        r.set("steps", Json::array());
        ranges.emplace_back(id, std::move(r));
    };
    add("r-int-max", 2147483647, 0);
    add("r-wraps-to-one", 4294967297LL, 0);
    add("r-negative", -3, -5);
    add("r-far", 1, 4611686018427387904LL);  // 2^62: the retry timer wrapped to 0
    add("r-parked", 1, 1e13);                // 317,000 years
    State state = state_from_json(Json::parse(j.dump()));
    std::vector<std::string> warnings = validate_state(state, now, cap);

    EXPECT_EQ(state.ranges.at("r-int-max").failures, kMaxFailures);
    EXPECT_EQ(state.ranges.at("r-wraps-to-one").failures, kMaxFailures);
    EXPECT_EQ(state.ranges.at("r-negative").failures, 0);
    EXPECT_EQ(state.ranges.at("r-negative").retry_after, 0);
    EXPECT_EQ(state.ranges.at("r-far").retry_after, now + 3600);
    EXPECT_EQ(state.ranges.at("r-parked").retry_after, now + 3600);
    // Sound values are left as they are, without a word.
    EXPECT_EQ(state.ranges.at("r140000000").failures, 2);
    EXPECT_EQ(state.ranges.at("r140000000").retry_after, 1700000060);
    ASSERT_EQ(warnings.size(), 6u) << ::testing::PrintToString(warnings);
    EXPECT_EQ(warnings[0],
              "range r-far: retry_after 4611686018427387904 is more than the longest wait "
              "(3600 s) away; it is retried by 1700003600");
    EXPECT_EQ(warnings[1],
              "range r-int-max: failures 2147483647 is out of bounds (0 to 1000); "
              "1000 is used");
    EXPECT_TRUE(validate_state(state, now, cap).empty());
}

TEST(StateStore, ValidationKeepsTheLastStepsOnly) {
    State state = sample();
    for (int i = 0; i < 40; ++i) {
        StepRecord step;
        step.time = i;
        state.ranges["r1"].steps.push_back(step);
    }
    std::vector<std::string> warnings = validate_state(state, 1700000000, std::chrono::seconds(60));
    ASSERT_EQ(state.ranges["r1"].steps.size(), kStepsKept);
    EXPECT_EQ(state.ranges["r1"].steps.back().time, 39);
    EXPECT_EQ(warnings,
              std::vector<std::string>{"range r1: 40 steps recorded; the last 16 are kept"});
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

namespace srmd {
namespace {

// Found by fuzz-state: a negative "pass" was read as 2^64 - 12, saved so, and the saved file then
// did not load. Negative counts read as 0, and what is saved loads again.
TEST(StateStore, NegativeCountsReadAsZeroAndSaveLoadable) {
    State state = state_from_text(
        R"({"version": 1, "passes": -3, "in_progress": {"time": 1, "pass": -12,)"
        R"( "action": "offline-memory", "target": "dax0.0", "result": "started"}, "ranges": {}})");
    EXPECT_EQ(state.passes, 0u);
    ASSERT_TRUE(state.in_progress);
    EXPECT_EQ(state.in_progress->pass, 0u);
    EXPECT_EQ(state_to_text(state_from_text(state_to_text(state))), state_to_text(state));
}

}  // namespace
}  // namespace srmd
