// Golden tests: every fixture tree, read as srmd reads a machine, gives exactly the Ranges written
// in tests/expected/<group>/<tree>.json. The expected files were written from what each tree's
// kernel state means, not by saving srmd's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "publish/ranges-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/json.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

const char* const groups[] = {"kernel-6.1", "kernel-7.2", "constructed"};

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

// "<group>/<tree>" for every captured or constructed tree: a directory holding proc/ or sys/.
std::vector<std::string> all_trees() {
    std::vector<std::string> trees;
    std::string fixtures = env_or_empty("SRMD_FIXTURES");
    if (fixtures.empty())
        return trees;
    for (const char* group : groups) {
        fs::path dir = fs::path(fixtures) / group;
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            continue;
        for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
            std::string name = entry.path().filename().string();
            if (name.empty() || name[0] == '.' || !entry.is_directory())
                continue;
            if (fs::is_directory(entry.path() / "proc") || fs::is_directory(entry.path() / "sys"))
                trees.push_back(std::string(group) + "/" + name);
        }
    }
    std::sort(trees.begin(), trees.end());
    return trees;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    if (!in)
        return "";
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class RangesOfTree : public testing::TestWithParam<std::string> {};

TEST_P(RangesOfTree, MatchesExpected) {
    const std::string& tree = GetParam();
    fs::path root = fs::path(env_or_empty("SRMD_FIXTURES")) / tree;
    fs::path expected_path = fs::path(env_or_empty("SRMD_EXPECTED")) / (tree + ".json");

    std::string expected_text = read_text(expected_path);
    ASSERT_FALSE(expected_text.empty())
        << "no expected Ranges for " << tree << ": write " << expected_path.string();
    Json expected = Json::parse(expected_text);

    Snapshot snapshot = read_snapshot(RootReader(root.string()));
    Json actual = ranges_to_json(compute_ranges(snapshot));

    EXPECT_TRUE(actual == expected)
        << "Ranges of " << tree << "\nactual:\n"
        << actual.dump(2) << "\nexpected (" << expected_path.string() << "):\n"
        << expected.dump(2);
}

// Test names may only hold letters, digits and underscores.
std::string test_name(const testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RangesOfTree, testing::ValuesIn(all_trees()), test_name);

// Guards against the golden tests silently running on nothing (a wrong SRMD_FIXTURES).
TEST(RangesTrees, EveryRealCaptureIsChecked) {
    std::vector<std::string> trees = all_trees();
    int real_6_1 = 0;
    int real_7_2 = 0;
    for (const std::string& tree : trees) {
        if (tree.rfind("kernel-6.1/", 0) == 0)
            ++real_6_1;
        if (tree.rfind("kernel-7.2/", 0) == 0)
            ++real_7_2;
    }
    EXPECT_GE(real_6_1, 6) << "SRMD_FIXTURES=" << env_or_empty("SRMD_FIXTURES");
    EXPECT_GE(real_7_2, 9) << "SRMD_FIXTURES=" << env_or_empty("SRMD_FIXTURES");
}

// Every expected file belongs to a tree, so a renamed tree cannot leave a stale file behind.
TEST(RangesTrees, NoExpectedFileWithoutTree) {
    std::vector<std::string> trees = all_trees();
    std::string expected = env_or_empty("SRMD_EXPECTED");
    ASSERT_FALSE(expected.empty());
    for (const char* group : groups) {
        fs::path dir = fs::path(expected) / group;
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            continue;
        for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() != ".json")
                continue;
            std::string tree = std::string(group) + "/" + entry.path().stem().string();
            EXPECT_NE(std::find(trees.begin(), trees.end(), tree), trees.end())
                << entry.path().string() << " has no fixture tree";
        }
    }
}

}  // namespace
}  // namespace srmd
