// The shared text helpers of util/format: one definition each, used by every stage.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/format.hpp"

namespace srmd {
namespace {

TEST(Format, BaseNameIsWhatFollowsTheLastSlash) {
    EXPECT_EQ(base_name("/sys/bus/dax/devices/dax0.0"), "dax0.0");
    EXPECT_EQ(base_name("50-default.yaml"), "50-default.yaml");
    EXPECT_EQ(base_name("/etc/srmd/policy.d/"), "");
    EXPECT_EQ(base_name("/"), "");
}

TEST(Format, DirNameIsWhatPrecedesTheLastSlash) {
    EXPECT_EQ(dir_name("/var/lib/srmd/state.json"), "/var/lib/srmd");
    EXPECT_EQ(dir_name("/state.json"), "/");
    EXPECT_EQ(dir_name("state.json"), ".");
    EXPECT_EQ(base_name(dir_name("/sys/devices/platform/ACPI0017:00/root0/decoder0.0")), "root0");
}

TEST(Format, TrimTakesBlanksOffBothEnds) {
    EXPECT_EQ(trim("  online_movable\r"), "online_movable");
    EXPECT_EQ(trim("\t a b \t"), "a b");
    EXPECT_EQ(trim(" \t\r "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("x\n"), "x\n");  // only spaces, tabs and carriage returns
}

TEST(Format, LowerIsAsciiOnly) {
    EXPECT_EQ(lower("System-RAM"), "system-ram");
    EXPECT_EQ(lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");
}

TEST(Format, SplitKeepsEmptyParts) {
    EXPECT_EQ(split("memory|cpu", '|'), (std::vector<std::string>{"memory", "cpu"}));
    EXPECT_EQ(split("a||b|", '|'), (std::vector<std::string>{"a", "", "b", ""}));
    EXPECT_EQ(split("", '|'), (std::vector<std::string>{""}));
    EXPECT_EQ(split("one", ','), (std::vector<std::string>{"one"}));
}

TEST(Format, HexAndHumanSize) {
    EXPECT_EQ(hex(0x100000000), "0x100000000");
    EXPECT_EQ(human_size(1536ull << 20), "1.5 GiB");
}

}  // namespace
}  // namespace srmd
