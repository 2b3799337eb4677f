// `srmctl show ID --root DIR` as an operator runs it on the fixture trees: the range in full,
// with its Performance block, and the same JSON object as simulate gives for it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "run-program.hpp"
#include "util/json.hpp"

using srmd::Json;
using srmd::test::run_srmctl;

namespace {

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::string fixture(const std::string& tree) {
    return env_or_empty("SRMD_FIXTURES") + "/" + tree;
}

std::string vendor_policy() {
    return env_or_empty("SRMD_POLICY") + "/vendor";
}

class SrmctlShow : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_FALSE(env_or_empty("SRMCTL").empty()) << "SRMCTL is not set";
        ASSERT_FALSE(env_or_empty("SRMD_FIXTURES").empty()) << "SRMD_FIXTURES is not set";
        ASSERT_FALSE(env_or_empty("SRMD_POLICY").empty()) << "SRMD_POLICY is not set";
    }
};

}  // namespace

TEST_F(SrmctlShow, AHmemRangeOnAnHmatNodeInItsOwnTier) {
    auto r = run_srmctl({"show", "r100000000", "--root", fixture("kernel-7.2/numa-kmem-movable"),
                         "--policy-dir", vendor_policy()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Range:          r100000000\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nPerformance:\n"
                         "  Node:          1, memory tier 54 (abstract distance 6912-7039)\n"
                         "  Node access0:  latency read 30 ns, write 30 ns; bandwidth read "
                         "5120 MB/s, write 5120 MB/s (from node 0)\n"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("tier-shared-with-dram"), std::string::npos);
}

TEST_F(SrmctlShow, Linux61ShowsHmatFiguresButNoTier) {
    auto r = run_srmctl({"show", "r100000000", "--root", fixture("kernel-6.1/both"), "--policy-dir",
                         vendor_policy()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("  Node:          1, no memory tier shown\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("latency read 30 ns"), std::string::npos);
}

TEST_F(SrmctlShow, ACxlRangeWithItsRegionFiguresAndQosClasses) {
    auto r = run_srmctl({"show", "r2080000000", "--root", fixture("constructed/two-windows-kmem"),
                         "--policy-dir", vendor_policy()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("  region0 access0:  latency read 160 ns"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  QoS class:        window 0, mem0 0\n"), std::string::npos);
    EXPECT_NE(r.out.find("memory tier 22"), std::string::npos);
}

TEST_F(SrmctlShow, JsonIsTheRangeSimulateGives) {
    std::string tree = fixture("constructed/two-windows-kmem");
    auto shown = run_srmctl(
        {"show", "r2480000000", "--json", "--root", tree, "--policy-dir", vendor_policy()});
    ASSERT_EQ(shown.status, 0) << shown.err;
    auto simulated =
        run_srmctl({"simulate", "--json", "--root", tree, "--policy-dir", vendor_policy()});
    ASSERT_EQ(simulated.status, 0) << simulated.err;
    Json range = Json::parse(shown.out);
    Json simulation = Json::parse(simulated.out);
    const Json* expected = nullptr;
    for (const Json& each : simulation.find("ranges")->as_array())
        if (each.find("id")->as_string() == "r2480000000")
            expected = &each;
    ASSERT_NE(expected, nullptr);
    EXPECT_TRUE(range == *expected) << shown.out;
    EXPECT_EQ(range.find("performance")->find("region")->as_string(), "region1");
}

TEST_F(SrmctlShow, AnUnknownRangeNamesTheKnownOnes) {
    auto r = run_srmctl(
        {"show", "r1", "--root", fixture("kernel-6.1/both"), "--policy-dir", vendor_policy()});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("no range 'r1'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("r100000000"), std::string::npos) << r.err;
    EXPECT_EQ(run_srmctl({"show", "--root", fixture("kernel-6.1/both")}).status, 2);
}
