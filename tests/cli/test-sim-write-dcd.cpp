// srmd-sim-write's Dynamic Capacity subcommands (EXPERIMENTAL) as tests and operators run them on
// a copy of the constructed dcd tree: the device adds capacity, the kernel takes a claim, the
// device asks for capacity back; and `srmctl simulate --apply` placing what arrived.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "run-program.hpp"
#include "test-trees.hpp"

namespace {

using srmd::test::fixture;
using srmd::test::ProgramRun;
using srmd::test::read_file;
using srmd::test::TreeCopy;

const std::string kTag = "5be13bce-ae34-4a77-b6c3-16df975fcf1a";
const std::string kDaxRegion =
    "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0";

ProgramRun sim_write(const std::vector<std::string>& args) {
    const char* program = std::getenv("SRMD_SIM_WRITE");
    return srmd::test::run_program(program ? program : "build/bench/srmd-sim-write", args);
}

TEST(SimWriteDcd, AddClaimRelease) {
    TreeCopy tree(fixture("constructed/dcd"));
    const std::string& root = tree.path();
    ProgramRun add =
        sim_write({root, "--dc-add", "region0", "0x10000000:0x8000000,0:0x200000", kTag});
    ASSERT_EQ(add.status, 0) << add.err;
    EXPECT_EQ(read_file(root + kDaxRegion + "/extent0.0/offset"), "0x10000000\n");
    EXPECT_EQ(read_file(root + kDaxRegion + "/extent0.1/uuid"), kTag + "\n");
    EXPECT_EQ(read_file(root + kDaxRegion + "/dax_region/available_size"), "136314880\n");
    std::string trace = read_file(root + "/sys/kernel/tracing/instances/srmd/trace_pipe");
    EXPECT_NE(trace.find("event_type='Add capacity'"), std::string::npos) << trace;
    EXPECT_NE(trace.find("starting_dpa=90000000 length=8000000 tag=" + kTag), std::string::npos)
        << trace;

    ProgramRun claim = sim_write({root, "/sys/bus/dax/devices/dax0.0/uuid", kTag});
    ASSERT_EQ(claim.status, 0) << claim.err;
    EXPECT_EQ(read_file(root + kDaxRegion + "/dax0.0/size"), "136314880\n");

    ProgramRun ignored = sim_write({root, "--dc-release", "region0", kTag});
    EXPECT_EQ(ignored.status, 0) << ignored.err;
    EXPECT_EQ(ignored.out, "ignored\n");
    EXPECT_TRUE(std::filesystem::exists(root + kDaxRegion + "/extent0.0"));

    ProgramRun untagged = sim_write({root, "--dc-add", "region0", "0x200000:0x200000"});
    ASSERT_EQ(untagged.status, 0) << untagged.err;
    ProgramRun released = sim_write({root, "--dc-release", "region0", "0x200000:0x200000"});
    EXPECT_EQ(released.status, 0) << released.err;
    EXPECT_EQ(released.out, "released\n");
    EXPECT_FALSE(std::filesystem::exists(root + kDaxRegion + "/extent0.2"));
}

ProgramRun srmctl(const std::vector<std::string>& args) {
    const char* program = std::getenv("SRMCTL");
    return srmd::test::run_program(program ? program : "build/cli/srmctl", args);
}

// Two allocations arrive; `srmctl simulate --apply` places both in one go, as the daemon's pass
// does: each claim, then each device's mode.
TEST(SimWriteDcd, SimulateApplyPlacesEveryAllocation) {
    TreeCopy tree(fixture("constructed/dcd"));
    const std::string& root = tree.path();
    ASSERT_EQ(sim_write({root, "--dc-add", "region0", "0:0x10000000", kTag}).status, 0);
    ASSERT_EQ(sim_write({root, "--dc-add", "region0", "0x40000000:0x10000000"}).status, 0);
    const std::string policy = root + "/policy.d";
    std::filesystem::create_directories(policy);
    std::ofstream(policy + "/50-dc.yaml") << "version: 1\nrules:\n"
                                             "  - name: analytics\n"
                                             "    match:\n"
                                             "      tag: \"5be13bce-*\"\n"
                                             "    owner: cxl\n"
                                             "    mode: devdax\n"
                                             "  - name: dc-movable\n"
                                             "    owner: cxl\n"
                                             "    mode: system-ram\n";
    ProgramRun before = srmctl({"simulate", "--root", root, "--policy-dir", policy});
    ASSERT_EQ(before.status, 0) << before.err;
    EXPECT_NE(before.out.find("dc-extent-unused"), std::string::npos) << before.out;

    ProgramRun apply =
        srmctl({"simulate", "--root", root, "--policy-dir", policy, "--apply", "--in-place"});
    ASSERT_EQ(apply.status, 0) << apply.out << apply.err;
    for (const char* step :
         {"1. r1050000000 claim-dc-capacity dax0.0: ok",
          "2. r1050000000 claim-dc-capacity dax0.1: ok", "enable-dax dax0.0 (devdax): ok",
          "enable-dax dax0.1 (system-ram): ok", "online-memory dax0.1 (movable): ok"})
        EXPECT_NE(apply.out.find(step), std::string::npos) << step << "\n" << apply.out;
    EXPECT_EQ(read_file(root + kDaxRegion + "/dax0.0/uuid"), kTag + "\n");
    EXPECT_EQ(read_file(root + kDaxRegion + "/dax0.0/size"), "268435456\n");

    ProgramRun show = srmctl({"show", "r1050000000", "--root", root, "--policy-dir", policy});
    ASSERT_EQ(show.status, 0) << show.err;
    EXPECT_NE(show.out.find("Dynamic capacity:"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find(kTag), std::string::npos) << show.out;
    EXPECT_EQ(show.out.find("dc-extent-unused"), std::string::npos) << show.out;
}

TEST(SimWriteDcd, Refusals) {
    TreeCopy tree(fixture("constructed/dcd"));
    ProgramRun unaligned = sim_write({tree.path(), "--dc-add", "region0", "0x1000:0x200000"});
    EXPECT_EQ(unaligned.status, 1);
    EXPECT_NE(unaligned.err.find("EINVAL"), std::string::npos) << unaligned.err;
    ProgramRun nothing = sim_write({tree.path(), "--dc-release", "region0", kTag});
    EXPECT_EQ(nothing.status, 1);
    EXPECT_NE(nothing.err.find("ENOENT"), std::string::npos) << nothing.err;
    ProgramRun garbage = sim_write({tree.path(), "--dc-add", "region0", "lots"});
    EXPECT_EQ(garbage.status, 2);
    ProgramRun usage = sim_write({tree.path(), "--dc-add", "region0"});
    EXPECT_EQ(usage.status, 2);
    EXPECT_NE(usage.err.find("usage:"), std::string::npos);
}

}  // namespace
