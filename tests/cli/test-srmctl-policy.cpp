// srmctl's policy commands as an operator runs them: check-policy's exit status and messages,
// simulate --policy-dir's additions to the table and the JSON, and explain.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run-program.hpp"
#include "test-trees.hpp"
#include "util/json.hpp"

namespace {

namespace fs = std::filesystem;
using srmd::Json;

using Outcome = srmd::test::ProgramRun;

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

Outcome srmctl(const std::vector<std::string>& args) {
    return srmd::test::run_srmctl(args);
}

std::string vendor_dir() {
    return env("SRMD_POLICY") + "/vendor";
}

// "50-default.yaml:<line> default", the line read from the file rather than assumed.
std::string vendor_rule_label() {
    std::istringstream lines(srmd::test::read_file(vendor_dir() + "/50-default.yaml"));
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number)
        if (line.find("- name: default") != std::string::npos)
            return "50-default.yaml:" + std::to_string(number) + " default";
    return "(no default rule)";
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

TEST(SrmctlPolicy, CheckPolicyAcceptsTheVendorDefault) {
    Outcome run = srmctl({"check-policy", "--policy-dir", vendor_dir()});
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    EXPECT_EQ(run.out, "policy ok: 1 file, 1 rule; 0 warnings\n");
}

TEST(SrmctlPolicy, CheckPolicyRefusesErrorsAndPassesWarnings) {
    srmd::test::TempDir dir;
    std::string bad = dir.path() + "/10-bad.yaml";
    write_file(bad, "version: 1\nrules:\n  - name: x\n    mode: system-ram\n    zone: no\n");
    Outcome refused = srmctl({"check-policy", bad});
    EXPECT_EQ(refused.status, 1);
    EXPECT_EQ(refused.err, bad +
                               ":5:11: error: 'zone' is 'no'; expected movable, normal or auto "
                               "(YAML 1.1 reads a plain 'no' as a boolean, so it never names a "
                               "zone)\n");
    EXPECT_EQ(refused.out, "policy refused: 1 error, 0 warnings in 1 file\n");

    std::string warned = dir.path() + "/20-warned.yaml";
    write_file(warned,
               "version: 1\nrules:\n  - name: a\n    mode: ignore\n"
               "  - name: b\n    mode: ignore\n");
    Outcome passed = srmctl({"check-policy", warned});
    EXPECT_EQ(passed.status, 0);
    EXPECT_EQ(passed.err, warned +
                              ":5:5: warning: rule 'b' can never match: rule 'a' at "
                              "20-warned.yaml:3 matches every range\n");
    EXPECT_EQ(passed.out, "policy ok: 1 file, 2 rules; 1 warning\n");

    // A candidate file checked against an installed set: here it would come before the vendor
    // default, whose rule it does not hide.
    Outcome candidate = srmctl({"check-policy", "--policy-dir", vendor_dir(), warned});
    EXPECT_EQ(candidate.status, 0);
    EXPECT_EQ(candidate.out, "policy ok: 2 files, 3 rules; 2 warnings\n");
}

TEST(SrmctlPolicy, CheckPolicyUsage) {
    EXPECT_EQ(srmctl({"check-policy", "--policy-dir", "/nonexistent/policy.d"}).status, 1);
    EXPECT_EQ(srmctl({"check-policy", "--frobnicate"}).status, 2);
    EXPECT_EQ(srmctl({"check-policy", "--policy-dir"}).status, 2);
    Outcome help = srmctl({"check-policy", "--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("Usage: srmctl check-policy"), std::string::npos);
}

// A policy directory holding the strict example alone (45-all-movable.yaml: every Soft Reserved
// range exactly as movable system RAM), for what the vendor default no longer reports.
std::string strict_policy(const srmd::test::TempDir& dir) {
    write_file(dir.path() + "/45-all-movable.yaml",
               srmd::test::read_file(env("SRMD_POLICY") + "/examples/45-all-movable.yaml"));
    return dir.path();
}

TEST(SrmctlPolicy, SimulateAddsPolicyAndConverged) {
    Outcome run = srmctl({"simulate", "--root", srmd::test::fixture("kernel-6.1/hmem-devdax"),
                          "--json", "--policy-dir", vendor_dir()});
    ASSERT_EQ(run.status, 0) << run.err;
    Json json = Json::parse(run.out);
    const Json::Array& ranges = json.find("ranges")->as_array();
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(*ranges[0].find("policy"),
              Json::parse(R"({"rule": ")" + vendor_rule_label() +
                          R"(", "owner": "kernel", "mode": "system-ram", "zone": "movable", )"
                          R"("when": "unusable"})"));
    // A devdax device where the policy wants system RAM, but in use as someone set it up: the
    // vendor default leaves it and counts it as converged.
    EXPECT_EQ(*ranges[0].find("converged"), Json(true));
    EXPECT_EQ(json.find("policy")->find("settings")->dump(), R"({"exclusive_onlining":false})");

    // A rule that wants every range as movable system RAM does not.
    srmd::test::TempDir dir;
    Outcome strict = srmctl({"simulate", "--root", srmd::test::fixture("kernel-6.1/hmem-devdax"),
                             "--json", "--policy-dir", strict_policy(dir)});
    ASSERT_EQ(strict.status, 0) << strict.err;
    EXPECT_EQ(*Json::parse(strict.out).find("ranges")->as_array()[0].find("converged"),
              Json(false));

    Outcome table =
        srmctl({"simulate", "--root", srmd::test::fixture("kernel-6.1/hmem-kmem-movable"),
                "--policy-dir", vendor_dir()});
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_NE(table.out.find("CONVERGED"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find(vendor_rule_label() + "  kernel  system-ram  movable  unusable  yes"),
              std::string::npos)
        << table.out;

    // Without --policy-dir the contract is what it was.
    Outcome plain =
        srmctl({"simulate", "--root", srmd::test::fixture("kernel-6.1/hmem-devdax"), "--json"});
    Json plain_json = Json::parse(plain.out);
    EXPECT_EQ(plain_json.find("policy"), nullptr);
    EXPECT_EQ(plain_json.find("ranges")->as_array()[0].find("policy"), nullptr);
}

// A range that will not converge says why in simulate, with the same refusals `srmctl plan`
// shows: a strict rule wants movable memory that the kernel onlined in ZONE_NORMAL at boot.
// The vendor default does not cry wolf over it: the memory is in use.
TEST(SrmctlPolicy, SimulateShowsThePlansRefusals) {
    const std::string tree = srmd::test::fixture("kernel-7.2/numa-default-boot");
    Outcome vendor = srmctl({"simulate", "--root", tree, "--json", "--policy-dir", vendor_dir()});
    ASSERT_EQ(vendor.status, 0) << vendor.err;
    const Json vendor_json = Json::parse(vendor.out);
    const Json& vendor_range = vendor_json.find("ranges")->as_array().at(0);
    EXPECT_EQ(*vendor_range.find("converged"), Json(true));
    EXPECT_EQ(vendor_range.find("problems")->dump().find("offline-normal-refused"),
              std::string::npos);
    Outcome vendor_plan = srmctl({"plan", "--root", tree, "--json", "--policy-dir", vendor_dir()});
    ASSERT_EQ(vendor_plan.status, 0) << vendor_plan.err;
    EXPECT_TRUE(Json::parse(vendor_plan.out).find("plan")->as_array().empty()) << vendor_plan.out;

    srmd::test::TempDir dir;
    const std::string strict_dir = strict_policy(dir);
    Outcome table = srmctl({"simulate", "--root", tree, "--policy-dir", strict_dir});
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_NE(table.out.find("! offline-normal-refused: srmd would have to take dax0.0's memory "
                             "offline"),
              std::string::npos)
        << table.out;
    EXPECT_NE(table.out.find("movable  always  no"), std::string::npos) << table.out;

    Outcome simulate = srmctl({"simulate", "--root", tree, "--json", "--policy-dir", strict_dir});
    Outcome plan = srmctl({"plan", "--root", tree, "--json", "--policy-dir", strict_dir});
    ASSERT_EQ(simulate.status, 0) << simulate.err;
    ASSERT_EQ(plan.status, 0) << plan.err;
    const Json simulate_json = Json::parse(simulate.out);
    const Json plan_json = Json::parse(plan.out);
    const Json& simulated = simulate_json.find("ranges")->as_array().at(0);
    const Json& planned = plan_json.find("ranges")->as_array().at(0);
    ASSERT_NE(simulated.find("problems"), nullptr);
    EXPECT_NE(simulated.find("problems")->dump().find("\"offline-normal-refused\""),
              std::string::npos);
    // One code path decides both: the same problems and status, word for word.
    EXPECT_EQ(simulated.find("problems")->dump(), planned.find("problems")->dump());
    EXPECT_EQ(simulated.find("status")->dump(), planned.find("status")->dump());
    EXPECT_EQ(*simulated.find("converged"), Json(false));
}

TEST(SrmctlPolicy, SimulateRefusesABrokenPolicy) {
    srmd::test::TempDir dir;
    write_file(dir.path() + "/10-bad.yaml", "version: 1\nrules:\n  - name: x\n");
    Outcome run = srmctl(
        {"simulate", "--root", srmd::test::fixture("kernel-6.1/both"), "--policy-dir", dir.path()});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("10-bad.yaml:3:5: error: rule 'x' has no 'mode'"), std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find("policy refused: 1 error"), std::string::npos) << run.err;
}

TEST(SrmctlPolicy, Explain) {
    std::string tree = srmd::test::fixture("kernel-6.1/hmem-high-kmem-normal");
    Outcome run = srmctl({"explain", "r140000000", "--root", tree, "--policy-dir", vendor_dir()});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("rule " + vendor_rule_label() + " matches: it has no conditions"),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("converged: all of its memory is in use as it is (system-ram), and "
                           "the rule leaves usable memory alone"),
              std::string::npos)
        << run.out;
    srmd::test::TempDir dir;
    Outcome strict =
        srmctl({"explain", "r140000000", "--root", tree, "--policy-dir", strict_policy(dir)});
    EXPECT_NE(strict.out.find("dax0.0's memory is online in zone normal; the rule wants movable"),
              std::string::npos)
        << strict.out;

    // An address inside the range names it as well.
    Outcome by_address =
        srmctl({"explain", "0x150000000", "--root", tree, "--policy-dir", vendor_dir()});
    EXPECT_EQ(by_address.status, 0);
    EXPECT_EQ(by_address.out, run.out);

    Outcome missing = srmctl({"explain", "r1", "--root", tree, "--policy-dir", vendor_dir()});
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("no range 'r1'"), std::string::npos) << missing.err;
    EXPECT_EQ(srmctl({"explain", "--root", tree}).status, 2);
}

}  // namespace
