// The metrics file after a pass (service/metrics-file.hpp): written whole into the collector's
// directory, replaced atomically (a symlink planted at its name is replaced, not followed), and
// never a reason for a pass to fail: no directory, no file and no exception.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/policy-load.hpp"
#include "service/metrics-file.hpp"
#include "service/reconciler.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct Machine {
    Machine() : copy(test::fixture("constructed/devdax")), kernel(copy.path(), SimFaults{}) {
        reconciler =
            std::make_unique<Reconciler>(RootReader(copy.path()), kernel, ReconcilerSettings{});
        PolicyLoad load = parse_policy_text(
            "version: 1\nrules:\n  - name: ram\n"
            "    mode: system-ram\n    zone: movable\n"
            "    allow_teardown: true\n",
            "test.yaml");
        EXPECT_TRUE(load.policy);
        reconciler->set_policy(*load.policy);
    }
    PassSummary pass() {
        Changes full;
        full.full = true;
        return reconciler->pass(full, "coldplug", 0);
    }
    test::TreeCopy copy;
    SimulatedKernel kernel;
    std::unique_ptr<Reconciler> reconciler;
};

TEST(MetricsFile, WritesThePassIntoTheDirectoryAndNothingElse) {
    Machine m;
    test::TempDir dir;
    MetricsFile metrics(dir.path() + "/srmd.prom");
    PassSummary pass = m.pass();
    ASSERT_EQ(pass.error, "");
    metrics.after_pass(*m.reconciler, pass);
    std::string text = slurp(dir.path() + "/srmd.prom");
    EXPECT_EQ(text, metrics_text(m.reconciler->ranges(), &m.reconciler->snapshot(),
                                 m.reconciler->policy(), pass, metrics.totals()));
    EXPECT_NE(text.find("\nsrmd_passes_total 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nsrmd_converged 1\n"), std::string::npos) << text;
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1u);  // no temporary file left behind
    EXPECT_EQ(fs::status(dir.path() + "/srmd.prom").permissions() & fs::perms::others_read,
              fs::perms::others_read);  // node_exporter runs as another user

    metrics.after_pass(*m.reconciler, m.pass());
    EXPECT_NE(slurp(dir.path() + "/srmd.prom").find("\nsrmd_passes_total 2\n"), std::string::npos);
}

TEST(MetricsFile, ASymlinkAtItsNameIsReplacedNotFollowed) {
    Machine m;
    test::TempDir dir;
    std::string victim = dir.path() + "/victim";
    std::ofstream(victim) << "keep\n";
    fs::create_directory(dir.path() + "/collector");
    fs::create_symlink(victim, dir.path() + "/collector/srmd.prom");
    MetricsFile metrics(dir.path() + "/collector/srmd.prom");
    metrics.after_pass(*m.reconciler, m.pass());
    EXPECT_EQ(slurp(victim), "keep\n");
    EXPECT_FALSE(fs::is_symlink(dir.path() + "/collector/srmd.prom"));
    EXPECT_NE(slurp(dir.path() + "/collector/srmd.prom").find("srmd_passes_total 1"),
              std::string::npos);
}

TEST(MetricsFile, NoDirectoryMeansNoFileAndThePassGoesOn) {
    Machine m;
    test::TempDir dir;
    MetricsFile metrics(dir.path() + "/node-exporter/srmd.prom");
    EXPECT_NO_THROW(metrics.after_pass(*m.reconciler, m.pass()));
    EXPECT_FALSE(fs::exists(dir.path() + "/node-exporter"));
    EXPECT_EQ(metrics.totals().passes, 1u);  // still counted

    // Installed later: the next pass writes it, with the totals since start.
    fs::create_directory(dir.path() + "/node-exporter");
    metrics.after_pass(*m.reconciler, m.pass());
    EXPECT_NE(slurp(dir.path() + "/node-exporter/srmd.prom").find("\nsrmd_passes_total 2\n"),
              std::string::npos);
}

TEST(MetricsFile, AWriteThatFailsDoesNotThrow) {
    Machine m;
    test::TempDir dir;
    // A directory where the file should be: the rename cannot replace it.
    fs::create_directories(dir.path() + "/srmd.prom/inside");
    MetricsFile metrics(dir.path() + "/srmd.prom");
    EXPECT_NO_THROW(metrics.after_pass(*m.reconciler, m.pass()));
    EXPECT_TRUE(fs::is_directory(dir.path() + "/srmd.prom/inside"));
}

}  // namespace
}  // namespace srmd
