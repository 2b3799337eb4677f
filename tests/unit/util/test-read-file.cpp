// read_regular_file: whole files read without ever blocking on what is not a regular file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test-trees.hpp"
#include "util/read-file.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

TEST(ReadFile, ReadsARegularFileWhole) {
    test::TempDir dir;
    std::string path = dir.path() + "/policy.yaml";
    std::string big(100000, 'x');
    std::ofstream(path) << big;
    std::string text;
    EXPECT_FALSE(read_regular_file(path, text));
    EXPECT_EQ(text, big);
}

TEST(ReadFile, AMissingFileIsEnoent) {
    test::TempDir dir;
    std::string text = "stale";
    std::optional<SystemFailure> failure = read_regular_file(dir.path() + "/none", text);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->error, ENOENT);
    EXPECT_EQ(failure->path, dir.path() + "/none");
    EXPECT_EQ(text, "");
}

// A FIFO with no writer: open() would wait for ever. It is refused at once instead.
TEST(ReadFile, AFifoIsRefusedWithoutWaiting) {
    test::TempDir dir;
    std::string path = dir.path() + "/state.json";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    std::string text;
    std::optional<SystemFailure> failure = read_regular_file(path, text);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->error, 0);
    EXPECT_EQ(failure->message, "not a regular file (a FIFO)");
}

TEST(ReadFile, DirectoriesAndDevicesAreRefused) {
    test::TempDir dir;
    std::string text;
    std::optional<SystemFailure> directory = read_regular_file(dir.path(), text);
    ASSERT_TRUE(directory);
    EXPECT_EQ(directory->message, "not a regular file (a directory)");
    std::optional<SystemFailure> device = read_regular_file("/dev/zero", text);
    ASSERT_TRUE(device);
    EXPECT_EQ(device->message, "not a regular file (a character device)");
}

TEST(ReadFile, SymlinksAreFollowedUnlessRefused) {
    test::TempDir dir;
    std::ofstream(dir.path() + "/real") << "text";
    fs::create_symlink(dir.path() + "/real", dir.path() + "/link");
    std::string text;
    EXPECT_FALSE(read_regular_file(dir.path() + "/link", text));
    EXPECT_EQ(text, "text");
    ReadFileOptions no_links;
    no_links.follow_symlinks = false;
    std::optional<SystemFailure> failure = read_regular_file(dir.path() + "/link", text, no_links);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->message, "not a regular file (a symbolic link)");
    EXPECT_FALSE(read_regular_file(dir.path() + "/real", text, no_links));
}

TEST(ReadFile, ALimitRefusesLargerFiles) {
    test::TempDir dir;
    std::ofstream(dir.path() + "/big") << std::string(5000, 'y');
    ReadFileOptions limited;
    limited.max_size = 4096;
    std::string text;
    std::optional<SystemFailure> failure = read_regular_file(dir.path() + "/big", text, limited);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->error, EFBIG);
    EXPECT_EQ(text, "");
}

}  // namespace
}  // namespace srmd
