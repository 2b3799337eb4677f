// The daemon's loop on a simulated machine, driven in-process: what it does when the machine
// cannot be read (a full re-read backs off like any failure; --until-converged gives its verdict
// at once), and the retry timer's time conversion.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "service/daemon.hpp"
#include "sim/sim-event-source.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::TreeCopy;

// A machine whose /proc/iomem cannot be read: a directory stands in its place.
void break_iomem(const std::string& root) {
    fs::remove(root + "/proc/iomem");
    fs::create_directory(root + "/proc/iomem");
}

void mend_iomem(const std::string& root, const std::string& text) {
    fs::remove(root + "/proc/iomem");
    std::ofstream(root + "/proc/iomem") << text;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct DaemonRun {
    explicit DaemonRun(bool until_converged) : tree(fixture("constructed/devdax")) {
        fs::create_directories(work.path() + "/policy.d");
        std::ofstream(work.path() + "/policy.d/50-test.yaml")
            << "version: 1\nrules:\n  - name: ram\n    mode: system-ram\n";
        options.root = tree.path();
        options.policy_dirs = {work.path() + "/policy.d"};
        options.state_dir = work.path() + "/state";
        options.until_converged = until_converged;
        options.coalesce.quiet = std::chrono::milliseconds(10);
    }
    // Sets the daemon up; every pass is recorded, and the loop is ended after `limit` passes so
    // that a daemon that would spin ends the test instead of hanging it.
    Daemon& start(int limit = 50) {
        daemon = std::make_unique<Daemon>(options, std::make_unique<SimulatedKernel>(tree.path()),
                                          open_sim_source(tree.path()));
        daemon->setup();
        daemon->on_pass([this, limit](const PassSummary& summary) {
            passes.push_back(summary);
            if (static_cast<int>(passes.size()) >= limit)
                sd_event_exit(daemon->event(), 99);
        });
        return *daemon;
    }
    // Ends the loop after `ms` milliseconds on the monotonic clock.
    void stop_after(std::uint64_t ms) {
        std::uint64_t now = 0;
        sd_event_now(daemon->event(), CLOCK_MONOTONIC, &now);
        sd_event_add_time(
            daemon->event(), nullptr, CLOCK_MONOTONIC, now + ms * 1000, 0,
            [](sd_event_source*, uint64_t, void* loop) {
                return sd_event_exit(static_cast<sd_event*>(loop), 0);
            },
            daemon->event());
    }

    TreeCopy tree;
    test::TempDir work;
    DaemonOptions options;
    std::unique_ptr<Daemon> daemon;
    std::vector<PassSummary> passes;
};

// srmd(8): --until-converged exits 1 when the machine could not be read. It ran full reads for
// ever instead, at full CPU.
TEST(Daemon, UntilConvergedExitsOneOnceTheReadFailed) {
    DaemonRun run(true);
    break_iomem(run.tree.path());
    Daemon& daemon = run.start();
    EXPECT_EQ(daemon.loop(), 1);
    ASSERT_EQ(run.passes.size(), 1u);
    EXPECT_NE(run.passes[0].error.find("cannot read the machine"), std::string::npos);
}

// Without --until-converged, a failed read is not retried at once: the next full read waits for
// the backoff (30 s here), so a quarter of a second sees one pass, not thousands.
TEST(Daemon, AFailedReadIsNotRetriedBeforeTheBackoff) {
    DaemonRun run(false);
    break_iomem(run.tree.path());
    Daemon& daemon = run.start();
    run.stop_after(250);
    EXPECT_EQ(daemon.loop(), 0);
    EXPECT_EQ(run.passes.size(), 1u);
}

// The re-read does come, once the backoff is over, and reads the whole machine.
TEST(Daemon, AFailedReadIsRetriedAfterTheBackoff) {
    DaemonRun run(false);
    run.options.backoff.first = std::chrono::seconds(1);
    std::string iomem = slurp(run.tree.path() + "/proc/iomem");
    break_iomem(run.tree.path());
    Daemon& daemon = run.start(2);
    daemon.on_pass([&](const PassSummary& summary) {
        if (summary.number == 1)
            mend_iomem(run.tree.path(), iomem);
    });
    EXPECT_EQ(daemon.loop(), 99);
    ASSERT_EQ(run.passes.size(), 2u);
    EXPECT_NE(run.passes[0].error, "");
    EXPECT_EQ(run.passes[1].error, "");
    EXPECT_EQ(run.passes[1].trigger, "retry-read");
    EXPECT_TRUE(run.passes[1].full_read);
    EXPECT_EQ(run.passes[1].steps, 2);
}

TEST(Daemon, RetryTimesNeverWrap) {
    EXPECT_EQ(realtime_usec(1700000000), 1700000000000000u);
    EXPECT_EQ(realtime_usec(0), 0u);
    EXPECT_EQ(realtime_usec(-5), 0u);
    // 2^62 s in µs does not fit: it is "never", not a time long past.
    EXPECT_EQ(realtime_usec(std::int64_t{1} << 62), UINT64_MAX);
    EXPECT_EQ(realtime_usec(INT64_MAX), UINT64_MAX);
}

}  // namespace
}  // namespace srmd
