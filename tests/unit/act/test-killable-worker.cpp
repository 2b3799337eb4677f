// The killable worker: what the forked child reports reaches the parent intact, a child that does
// not finish in time is killed and reaped, and one that dies without reporting is told apart.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "act/killable-worker.hpp"
#include "test-trees.hpp"

using namespace std::chrono_literals;

namespace srmd {
namespace {

TEST(KillableWorker, ReportsSuccess) {
    WorkerResult result = run_killable([] { return WorkerReport::success(); }, 5s);
    EXPECT_EQ(result.kind, WorkerResult::Kind::Ok);
    EXPECT_EQ(result.error, 0);
    EXPECT_EQ(result.path, "");
}

TEST(KillableWorker, ReportsErrnoPathAndMessage) {
    std::string long_message(10000, 'x');  // longer than one pipe read
    WorkerResult result = run_killable(
        [&] {
            return WorkerReport::failure(EBUSY, "/sys/devices/system/memory/memory8/state",
                                         long_message);
        },
        5s);
    EXPECT_EQ(result.kind, WorkerResult::Kind::Failed);
    EXPECT_EQ(result.error, EBUSY);
    EXPECT_EQ(result.path, "/sys/devices/system/memory/memory8/state");
    EXPECT_EQ(result.message, long_message);
}

TEST(KillableWorker, ChangesMadeByTheChildAreVisible) {
    test::TempDir dir;
    std::string file = dir.path() + "/state";
    WorkerResult result = run_killable(
        [&] {
            std::ofstream(file) << "offline\n";
            return WorkerReport::success();
        },
        5s);
    ASSERT_EQ(result.kind, WorkerResult::Kind::Ok);
    std::ifstream in(file);
    std::string text;
    in >> text;
    EXPECT_EQ(text, "offline");
}

TEST(KillableWorker, ExceptionsBecomeFailures) {
    WorkerResult result =
        run_killable([]() -> WorkerReport { throw std::runtime_error("boom"); }, 5s);
    EXPECT_EQ(result.kind, WorkerResult::Kind::Failed);
    EXPECT_EQ(result.error, EIO);
    EXPECT_EQ(result.message, "boom");
}

TEST(KillableWorker, TimeoutKillsAndReapsTheChild) {
    test::TempDir dir;
    std::string late = dir.path() + "/late";
    auto start = std::chrono::steady_clock::now();
    WorkerResult result = run_killable(
        [&] {
            std::this_thread::sleep_for(600ms);
            std::ofstream(late) << "still running\n";  // must never happen
            return WorkerReport::success();
        },
        100ms);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(result.kind, WorkerResult::Kind::TimedOut);
    EXPECT_EQ(result.error, ETIMEDOUT);
    EXPECT_GE(elapsed, 100ms);
    EXPECT_LT(elapsed, 500ms);
    // Reaped: no child of ours is left, not even a zombie.
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    std::this_thread::sleep_for(700ms);
    EXPECT_FALSE(std::filesystem::exists(late));
}

TEST(KillableWorker, ABlockedWriteIsInterrupted) {
    // A child blocked in a system call (as in an offline write) is killed too.
    WorkerResult result = run_killable(
        [] {
            for (;;)
                ::pause();
            return WorkerReport::success();
        },
        50ms);
    EXPECT_EQ(result.kind, WorkerResult::Kind::TimedOut);
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

TEST(KillableWorker, CrashIsReportedWithTheSignal) {
    WorkerResult result = run_killable(
        [] {
            ::raise(SIGKILL);  // not SIGSEGV: sanitizers catch that one
            return WorkerReport::success();
        },
        5s);
    EXPECT_EQ(result.kind, WorkerResult::Kind::Crashed);
    EXPECT_NE(result.message.find("signal " + std::to_string(SIGKILL)), std::string::npos)
        << result.message;
}

TEST(KillableWorker, ExitWithoutReportIsACrash) {
    WorkerResult result = run_killable(
        [] {
            ::_exit(3);
            return WorkerReport::success();
        },
        5s);
    EXPECT_EQ(result.kind, WorkerResult::Kind::Crashed);
    EXPECT_NE(result.message.find("status 3"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace srmd
