// srmctl and the kernel's own words, offline: on a real 7.2 tree (seed [4], Soft Reserved larger
// than the committed region) with the kernel log lines the guest logged, `simulate --json` puts
// them on the range and links its problems to them, `explain` quotes them, and `capture` keeps
// them so that a captured tree explains itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "run-program.hpp"
#include "test-trees.hpp"
#include "util/json.hpp"

namespace {

using srmd::Json;
using srmd::test::run_srmctl;

const std::string kRange = "r110000000";

// What the 7.2 guest logged at stage 3 of srmd72-firmware, in /dev/kmsg's format (the lines
// srmd uses, as its capture kept them, less the two failed probes).
const std::string kLog =
    "7,458,9200800,-;hmem_platform hmem_platform.0: await CXL initial probe: [mem "
    "0x110000000-0x14fffffff flags 0x80000200]\n"
    "7,459,9356425,-;hmem_platform hmem_platform.0: CXL did not claim resource, registering: "
    "[mem 0x110000000-0x14fffffff flags 0x80000200]\n"
    "3,460,9566119,-;cxl_dax_region dax_region0: dax_region resource conflict for [mem "
    "0x110000000-0x12fffffff]\n"
    "4,462,9689791,-;kmem dax2.0: mapping0: 0x110000000-0x14fffffff could not reserve region\n";

class SrmctlKernelLog : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(tree_.path() + "/dev");
        std::ofstream(tree_.path() + "/dev/kmsg") << kLog;
    }
    const Json* range(const Json& doc) const {
        for (const Json& r : doc.find("ranges")->as_array())
            if (r.find("id")->as_string() == kRange)
                return &r;
        return nullptr;
    }
    srmd::test::TreeCopy tree_{srmd::test::fixture("kernel-7.2/firmware-sr-larger-than-region")};
};

TEST_F(SrmctlKernelLog, SimulateJsonCarriesTheLinesAndLinksTheProblems) {
    auto r = run_srmctl({"simulate", "--json", "--root", tree_.path()});
    ASSERT_EQ(r.status, 0) << r.err;
    Json doc = Json::parse(r.out);
    const Json* found = range(doc);
    ASSERT_NE(found, nullptr) << r.out;
    const auto& lines = found->find("kernel_log")->as_array();
    ASSERT_EQ(lines.size(), 4u) << r.out;
    EXPECT_EQ(lines[1].find("meaning")->as_string(), "hmem-registers");
    EXPECT_EQ(lines[2].find("seq")->as_uint(), 460u);
    EXPECT_EQ(lines[2].find("level")->as_int(), 3);
    EXPECT_EQ(lines[2].find("device")->as_string(), "dax_region0");
    for (const Json& problem : found->find("problems")->as_array()) {
        std::string code = problem.find("code")->as_string();
        if (code == "dax-region-conflict") {
            EXPECT_EQ(problem.find("kernel_seq")->as_uint(), 460u);
            EXPECT_NE(problem.find("message")->as_string().find(
                          "the kernel logged: \"cxl_dax_region dax_region0: dax_region resource "
                          "conflict"),
                      std::string::npos);
        } else if (code == "dax-unbound") {
            EXPECT_EQ(problem.find("kernel_seq")->as_uint(), 462u);
        } else if (code == "region-smaller-than-range") {
            EXPECT_EQ(problem.find("kernel_seq")->as_uint(), 459u);
        }
    }
}

TEST_F(SrmctlKernelLog, PlanLinksTheRefusalsToo) {
    auto r = run_srmctl({"plan", "--json", "--root", tree_.path(), "--policy-dir",
                         std::string(std::getenv("SRMD_POLICY")) + "/vendor"});
    ASSERT_EQ(r.status, 0) << r.err;
    Json doc = Json::parse(r.out);
    const Json* found = range(doc);
    ASSERT_NE(found, nullptr) << r.out;
    bool refusal = false;
    for (const Json& problem : found->find("problems")->as_array()) {
        ASSERT_NE(problem.find("kernel_seq"), nullptr) << problem.dump();
        if (problem.find("code")->as_string() == "committed-region-in-the-way") {
            refusal = true;
            EXPECT_EQ(problem.find("kernel_seq")->as_uint(), 460u);
        }
    }
    EXPECT_TRUE(refusal) << r.out;
}

TEST_F(SrmctlKernelLog, ExplainQuotesTheKernel) {
    auto r = run_srmctl({"explain", kRange, "--root", tree_.path(), "--policy-dir",
                         std::string(std::getenv("SRMD_POLICY")) + "/vendor"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("  the kernel logged: \"hmem_platform hmem_platform.0: CXL did not claim "
                         "resource, registering: [mem 0x110000000-0x14fffffff flags 0x80000200]\" "
                         "(#459, hmem-registers: "),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("(#460, dax-region-conflict: "), std::string::npos) << r.out;
}

TEST_F(SrmctlKernelLog, CaptureKeepsTheLinesItUsed) {
    srmd::test::TempDir out;
    std::string dest = out.path() + "/captured";
    // Another line the kernel logged, which srmd does not use, stays behind.
    std::ofstream(tree_.path() + "/dev/kmsg", std::ios::app)
        << "6,1300,6000000,-;random: crng init done\n";
    auto r = run_srmctl({"capture", "--root", tree_.path(), dest});
    ASSERT_EQ(r.status, 0) << r.err;
    std::ifstream in(dest + "/dev/kmsg");
    std::string captured((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(captured, kLog);
    // And the capture explains itself as the original does.
    auto a = run_srmctl({"simulate", "--json", "--root", tree_.path()});
    auto b = run_srmctl({"simulate", "--json", "--root", dest});
    ASSERT_EQ(a.status, 0);
    ASSERT_EQ(b.status, 0) << b.err;
    Json doc_a = Json::parse(a.out);
    Json doc_b = Json::parse(b.out);
    ASSERT_NE(range(doc_a), nullptr);
    ASSERT_NE(range(doc_b), nullptr);
    EXPECT_TRUE(*range(doc_a) == *range(doc_b));
}

TEST_F(SrmctlKernelLog, NoLogNoCapturedLog) {
    std::filesystem::remove(tree_.path() + "/dev/kmsg");
    srmd::test::TempDir out;
    auto r = run_srmctl({"capture", "--root", tree_.path(), out.path() + "/c"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out.path() + "/c/dev/kmsg"));
}

}  // namespace
