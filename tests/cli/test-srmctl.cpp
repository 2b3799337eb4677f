// Runs the built srmctl (path in $SRMCTL, set by meson) on the real fixture trees, the way an
// operator would, and checks what it prints and how it exits.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run-program.hpp"
#include "util/json.hpp"

using srmd::Json;

namespace {

using Result = srmd::test::ProgramRun;

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

Result run_srmctl(const std::vector<std::string>& args) {
    return srmd::test::run_srmctl(args);
}

std::string fixture(const std::string& tree) {
    return env_or_empty("SRMD_FIXTURES") + "/kernel-6.1/" + tree;
}

const char* const real_trees[] = {"both",        "cxl-no-region",     "cxl-pmem-region",
                                  "hmem-devdax", "hmem-kmem-movable", "hmem-high-kmem-normal"};

std::vector<std::string> keys(const Json& object) {
    std::vector<std::string> out;
    for (const auto& member : object.as_object())
        out.push_back(member.first);
    return out;
}

class Srmctl : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_FALSE(env_or_empty("SRMCTL").empty()) << "SRMCTL is not set";
        ASSERT_FALSE(env_or_empty("SRMD_FIXTURES").empty()) << "SRMD_FIXTURES is not set";
    }
};

}  // namespace

TEST_F(Srmctl, TableOnBothTree) {
    Result r = run_srmctl({"simulate", "--root", fixture("both")});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("kernel "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("memory block 128 MiB"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("auto_online_blocks offline"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ID "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("STATUS"), std::string::npos) << r.out;
    // The hmem range onlined as kmem: 1 GiB at 4 GiB, all 8 blocks movable.
    std::istringstream lines(r.out);
    std::string line, row;
    while (std::getline(lines, line)) {
        if (line.rfind("r100000000 ", 0) == 0)
            row = line;
    }
    ASSERT_NE(row, "") << r.out;
    for (const char* cell : {"0x100000000", "1 GiB", "hmem", "system-ram", "8/8", "movable"}) {
        EXPECT_NE(row.find(cell), std::string::npos) << cell << " missing in: " << row;
    }
}

TEST_F(Srmctl, JsonOnEveryRealTreeFollowsTheContract) {
    const std::vector<std::string> range_keys = {
        "id",    "start", "size", "window", "soft_reserved", "claimants",  "kernel_owner",
        "owner", "dax",   "mode", "status", "problems",      "kernel_log", "performance"};
    for (const char* tree : real_trees) {
        SCOPED_TRACE(tree);
        Result r = run_srmctl({"simulate", "--root", fixture(tree), "--json"});
        ASSERT_EQ(r.status, 0) << r.err;
        Json doc;
        ASSERT_NO_THROW(doc = Json::parse(r.out)) << r.out;
        EXPECT_EQ(keys(doc), (std::vector<std::string>{"machine", "ranges"}));
        const Json* machine = doc.find("machine");
        ASSERT_NE(machine, nullptr);
        EXPECT_EQ(machine->find("root")->as_string().find(tree) != std::string::npos, true);
        EXPECT_EQ(machine->find("block_size")->as_uint(), 0x8000000u);
        for (const Json& range : doc.find("ranges")->as_array()) {
            EXPECT_EQ(keys(range), range_keys) << range.dump();
            std::uint64_t start = range.find("start")->as_uint();
            std::ostringstream id;
            id << "r" << std::hex << start;
            EXPECT_EQ(range.find("id")->as_string(), id.str());
            EXPECT_TRUE(range.find("size")->is_number());
            for (const Json& claimant : range.find("claimants")->as_array()) {
                EXPECT_EQ(keys(claimant),
                          (std::vector<std::string>{"kind", "device", "start", "size", "committed",
                                                    "covers"}));
            }
            for (const Json& dax : range.find("dax")->as_array()) {
                EXPECT_EQ(keys(dax), (std::vector<std::string>{"device", "driver", "size",
                                                               "target_node", "memory"}));
                EXPECT_EQ(keys(*dax.find("memory")),
                          (std::vector<std::string>{"blocks", "online", "zone"}));
            }
            for (const Json& problem : range.find("problems")->as_array()) {
                EXPECT_EQ(keys(problem),
                          (std::vector<std::string>{"code", "message", "kernel_seq"}));
            }
            EXPECT_EQ(keys(*range.find("performance")),
                      (std::vector<std::string>{"node", "node_access0", "node_access1", "region",
                                                "region_access0", "region_access1", "qos_class",
                                                "tier", "abstract_distance", "tier_dram_nodes"}));
        }
    }
}

TEST_F(Srmctl, JsonOnBothTreeHasTheHmemRange) {
    Result r = run_srmctl({"simulate", "--json", "--root=" + fixture("both")});
    ASSERT_EQ(r.status, 0) << r.err;
    Json doc = Json::parse(r.out);
    const Json* found = nullptr;
    for (const Json& range : doc.find("ranges")->as_array()) {
        if (range.find("id")->as_string() == "r100000000")
            found = &range;
    }
    ASSERT_NE(found, nullptr) << r.out;
    EXPECT_EQ(found->find("start")->as_uint(), 0x100000000u);
    EXPECT_EQ(found->find("size")->as_uint(), 0x40000000u);
    EXPECT_EQ(found->find("owner")->as_string(), "hmem");
    EXPECT_EQ(found->find("mode")->as_string(), "system-ram");
    const Json& dax = found->find("dax")->as_array().at(0);
    EXPECT_EQ(dax.find("device")->as_string(), "dax0.0");
    EXPECT_EQ(dax.find("driver")->as_string(), "kmem");
    EXPECT_EQ(dax.find("memory")->dump(), R"({"blocks":8,"online":8,"zone":"movable"})");
}

TEST_F(Srmctl, MissingRootIsAnErrorNamingIt) {
    std::string missing = ::testing::TempDir() + "srmctl-no-such-tree";
    Result r = run_srmctl({"simulate", "--root", missing});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("srmctl: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST_F(Srmctl, MissingRootWithJsonPrintsAJsonError) {
    std::string missing = ::testing::TempDir() + "srmctl-no-such-tree";
    Result r = run_srmctl({"simulate", "--root", missing, "--json"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
    Json doc;
    ASSERT_NO_THROW(doc = Json::parse(r.out)) << r.out;
    EXPECT_EQ(keys(doc), (std::vector<std::string>{"error"}));
    EXPECT_NE(doc.find("error")->find("message")->as_string().find(missing), std::string::npos);
}

TEST_F(Srmctl, TreeWithoutProcIsAnErrorNamingTheFile) {
    // A directory that exists but is no capture: the reader must say which file it lacks.
    std::string pattern = ::testing::TempDir() + "srmctl-empty-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    std::string empty = pattern;
    Result r = run_srmctl({"simulate", "--root", empty});
    ::rmdir(empty.c_str());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(empty + "/proc/"), std::string::npos) << r.err;
}

TEST_F(Srmctl, UsageErrorsExitTwo) {
    Result none = run_srmctl({});
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.err.find("Usage: srmctl"), std::string::npos) << none.err;
    EXPECT_EQ(none.out, "");

    Result unknown = run_srmctl({"frobnicate"});
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("frobnicate"), std::string::npos) << unknown.err;

    Result bad_option = run_srmctl({"simulate", "--root", fixture("both"), "--yaml"});
    EXPECT_EQ(bad_option.status, 2);
    EXPECT_NE(bad_option.err.find("--yaml"), std::string::npos) << bad_option.err;
    EXPECT_EQ(bad_option.out, "");

    EXPECT_EQ(run_srmctl({"simulate"}).status, 2);
    EXPECT_EQ(run_srmctl({"simulate", "--root"}).status, 2);
}

// Options are read with getopt_long, but only as srmctl has always spelled them: in full, as
// --name VALUE or --name=VALUE, and -h alone.
TEST_F(Srmctl, OptionsAreSpelledInFull) {
    Result joined = run_srmctl({"simulate", "--root=" + fixture("both"), "--json"});
    EXPECT_EQ(joined.status, 0) << joined.err;
    EXPECT_EQ(joined.out, run_srmctl({"simulate", "--json", "--root", fixture("both")}).out);

    // Abbreviated, given a value it does not take, "--" and bundled short options.
    for (std::string word : {"--ro", "--js", "--json=yes", "--", "-hx"}) {
        Result r = run_srmctl({"simulate", word, "--root", fixture("both")});
        EXPECT_EQ(r.status, 2) << word;
        EXPECT_NE(r.err.find("unknown argument '" + word + "'"), std::string::npos) << r.err;
        EXPECT_EQ(r.out, "");
    }
    Result help = run_srmctl({"simulate", "-h"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("Usage: srmctl simulate"), std::string::npos) << help.out;
    Result leading = run_srmctl({"--jso", "simulate"});
    EXPECT_EQ(leading.status, 2);
    EXPECT_NE(leading.err.find("unknown command '--jso'"), std::string::npos) << leading.err;
}

TEST_F(Srmctl, HelpAndVersion) {
    Result help = run_srmctl({"--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("simulate --root DIR"), std::string::npos);

    Result version = run_srmctl({"--version"});
    EXPECT_EQ(version.status, 0);
    EXPECT_EQ(version.out, "srmctl " + env_or_empty("SRMD_VERSION") + "\n");

    Result simulate_help = run_srmctl({"simulate", "--help"});
    EXPECT_EQ(simulate_help.status, 0);
    EXPECT_NE(simulate_help.out.find("--json"), std::string::npos);
}
