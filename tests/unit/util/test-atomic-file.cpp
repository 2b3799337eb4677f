// atomic_write_file: the one way srmd replaces a whole file. It must leave the old contents or the
// new, never follow anything planted in the directory, and leave no temporary file behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test-trees.hpp"
#include "util/atomic-file.hpp"
#include "util/error.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t entries(const std::string& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir))
        ++n;
    return n;
}

class AtomicFile : public testing::TestWithParam<bool> {
  protected:
    AtomicWriteOptions options() const {
        AtomicWriteOptions o;
        o.allow_tmpfile = GetParam();
        return o;
    }
    test::TempDir dir;
};

TEST_P(AtomicFile, CreatesThenReplacesAndLeavesNothingElse) {
    std::string path = dir.path() + "/state.json";
    atomic_write_file(path, "one\n", options());
    EXPECT_EQ(slurp(path), "one\n");
    atomic_write_file(path, "two\n", options());
    EXPECT_EQ(slurp(path), "two\n");
    atomic_write_file(path, "", options());
    EXPECT_EQ(slurp(path), "");
    EXPECT_EQ(entries(dir.path()), 1u);
}

TEST_P(AtomicFile, HonoursTheMode) {
    std::string path = dir.path() + "/record";
    mode_t old = ::umask(022);
    AtomicWriteOptions o = options();
    o.mode = 0600;
    atomic_write_file(path, "x", o);
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
}

// The bug this replaces: a symlink at the old fixed temporary names was followed and its target
// overwritten, as root.
TEST_P(AtomicFile, NeverFollowsALinkPlantedAtATemporaryName) {
    std::string victim = dir.path() + "/victim";
    std::ofstream(victim) << "precious";
    std::string path = dir.path() + "/state.json";
    fs::create_symlink(victim, path + ".new");
    fs::create_symlink(victim, path + ".srmd-new");
    fs::create_symlink(victim, dir.path() + "/.state.json.srmd-new");
    atomic_write_file(path, "state", options());
    EXPECT_EQ(slurp(victim), "precious");
    EXPECT_EQ(slurp(path), "state");
    EXPECT_FALSE(fs::is_symlink(path));
    EXPECT_EQ(entries(dir.path()), 5u);  // the victim, three links, the file
}

// A symlink at the file's own name is replaced by the file, its target left alone.
TEST_P(AtomicFile, ReplacesALinkAtThePathInsteadOfWritingThroughIt) {
    std::string victim = dir.path() + "/victim";
    std::ofstream(victim) << "precious";
    std::string path = dir.path() + "/50-mask.rules";
    fs::create_symlink(victim, path);
    atomic_write_file(path, "# masked\n", options());
    EXPECT_FALSE(fs::is_symlink(path));
    EXPECT_EQ(slurp(path), "# masked\n");
    EXPECT_EQ(slurp(victim), "precious");
}

TEST_P(AtomicFile, AMissingDirectoryIsASystemErrorOnIt) {
    try {
        atomic_write_file(dir.path() + "/missing/state.json", "x", options());
        FAIL() << "no error";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.path(), dir.path() + "/missing");
        EXPECT_EQ(e.error_number(), ENOENT);
    }
}

// The rename fails (a directory holds the name): the error names the file and no temporary file
// is left behind.
TEST_P(AtomicFile, AFailedRenameLeavesNoTemporaryFile) {
    std::string path = dir.path() + "/state.json";
    fs::create_directory(path);
    std::ofstream(path + "/inside") << "x";
    try {
        atomic_write_file(path, "x", options());
        FAIL() << "no error";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.path(), path);
        EXPECT_EQ(e.error_number(), EISDIR);
    }
    EXPECT_EQ(entries(dir.path()), 1u);
    EXPECT_TRUE(fs::is_directory(path));
}

TEST_P(AtomicFile, APathWithoutAFileNameIsRefused) {
    EXPECT_THROW(atomic_write_file(dir.path() + "/", "x", options()), SystemError);
    EXPECT_EQ(entries(dir.path()), 0u);
}

INSTANTIATE_TEST_SUITE_P(Ways, AtomicFile, testing::Values(true, false),
                         [](const testing::TestParamInfo<bool>& info) {
                             return info.param ? "Tmpfile" : "NamedTemporary";
                         });

}  // namespace
}  // namespace srmd
