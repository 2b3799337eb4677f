// `srmctl simulate --apply` as an operator runs it: the plan carried out through the simulated
// kernel on a copy of the tree, the ranges afterwards, the JSON's "plan" and "applied", injected
// faults, and the tree given never touched unless --in-place says so.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run-program.hpp"
#include "test-trees.hpp"
#include "tree-compare.hpp"
#include "util/json.hpp"

namespace {

using srmd::Json;
using srmd::test::fixture;

using Outcome = srmd::test::ProgramRun;

Outcome srmctl(const std::vector<std::string>& args) {
    return srmd::test::run_srmctl(args);
}

// A policy directory with one rule for every range.
class PolicyDir {
  public:
    explicit PolicyDir(const std::string& rule_body) {
        std::ofstream(dir_.path() + "/10-test.yaml")
            << "version: 1\nrules:\n  - name: everything\n    match: {}\n"
            << rule_body;
    }
    const std::string& path() const { return dir_.path(); }

  private:
    srmd::test::TempDir dir_;
};

const char kMovable[] = "    mode: system-ram\n    zone: movable\n    allow_teardown: true\n";
const char kDevdax[] = "    mode: devdax\n    allow_teardown: true\n";

const std::set<std::string> kCounters = {"meminfo", "zoneinfo", "numastat", "vmstat"};

TEST(SrmctlApply, AppliesThroughTheSimulatedKernelAndLeavesTheTreeAlone) {
    PolicyDir policy(kMovable);
    srmd::test::TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    Outcome run =
        srmctl({"simulate", "--root", tree.path(), "--policy-dir", policy.path(), "--apply"});
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("system-ram  4/4     movable  ok"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("1. r40000000 reconfigure-dax dax0.0 (system-ram): ok"),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("2. r40000000 online-memory dax0.0 (movable): ok"), std::string::npos)
        << run.out;
    EXPECT_EQ(srmd::test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-devdax"), {}), "");
}

TEST(SrmctlApply, JsonHasThePlanAndEachStepsOutcome) {
    PolicyDir policy(kDevdax);
    Outcome run = srmctl({"simulate", "--root", fixture("kernel-6.1/hmem-kmem-movable"),
                          "--policy-dir", policy.path(), "--apply", "--json", "--inject",
                          "fail:reconfigure-dax:dax0.0:EBUSY"});
    EXPECT_EQ(run.status, 1) << run.err;
    Json json = Json::parse(run.out);
    ASSERT_NE(json.find("plan"), nullptr);
    ASSERT_EQ(json.find("plan")->as_array().size(), 2u);
    EXPECT_EQ(json.find("plan")->as_array()[1].find("action")->as_string(), "reconfigure-dax");
    const Json::Array& applied = json.find("applied")->as_array();
    ASSERT_EQ(applied.size(), 3u);
    EXPECT_EQ(applied[0].find("outcome")->as_string(), "ok");
    EXPECT_EQ(applied[1].find("outcome")->as_string(), "failed");
    EXPECT_EQ(applied[1].find("errno")->as_string(), "EBUSY");
    EXPECT_EQ(applied[1].find("path")->as_string(), "/sys/bus/dax/drivers/kmem/unbind");
    EXPECT_EQ(applied[2].find("action")->as_string(), "online-memory");
    EXPECT_TRUE(applied[2].find("rollback")->as_bool());
    const Json& range = json.find("ranges")->as_array().at(0);
    EXPECT_EQ(range.find("status")->as_string(), "degraded");
    const Json& problem = range.find("problems")->as_array().back();
    EXPECT_EQ(problem.find("code")->as_string(), "action-failed");
    // After the rollback the memory is back online, as it was.
    EXPECT_EQ(range.find("mode")->as_string(), "system-ram");
    EXPECT_EQ(range.find("dax")->as_array().at(0).find("memory")->find("online")->as_int(), 4);
}

TEST(SrmctlApply, InPlaceChangesTheTreeItself) {
    PolicyDir policy(kDevdax);
    srmd::test::TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    Outcome run = srmctl({"simulate", "--root", tree.path(), "--policy-dir", policy.path(),
                          "--apply", "--in-place"});
    EXPECT_EQ(run.status, 0) << run.err;
    std::set<std::string> skip = kCounters;
    skip.insert(".capture");
    skip.insert(".sim-kernel");
    EXPECT_EQ(srmd::test::tree_differences(tree.path(), fixture("kernel-6.1/hmem-devdax"), skip),
              "");
}

TEST(SrmctlApply, BadOptionsAreUsageErrors) {
    PolicyDir policy(kDevdax);
    std::string root = fixture("kernel-6.1/hmem-devdax");
    Outcome bad_fault = srmctl({"simulate", "--root", root, "--policy-dir", policy.path(),
                                "--apply", "--inject", "fail:offline-memory:dax0.0:EWHATEVER"});
    EXPECT_EQ(bad_fault.status, 2);
    EXPECT_NE(bad_fault.err.find("fault 'fail:offline-memory:dax0.0:EWHATEVER'"), std::string::npos)
        << bad_fault.err;
    Outcome without_apply = srmctl({"simulate", "--root", root, "--inject", "hang:*:*"});
    EXPECT_EQ(without_apply.status, 2);
    EXPECT_NE(without_apply.err.find("go with --apply"), std::string::npos) << without_apply.err;
    Outcome bad_timeout = srmctl({"simulate", "--root", root, "--apply", "--step-timeout", "soon"});
    EXPECT_EQ(bad_timeout.status, 2);
}

}  // namespace
