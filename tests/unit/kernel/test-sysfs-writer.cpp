// SysfsWriter below a temporary root: one write of the whole value, errors with errno and path.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernel/sysfs-writer.hpp"

namespace fs = std::filesystem;

namespace srmd {
namespace {

class SysfsWriterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("srmd-writer-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(root_ / "sys/devices/system/memory/memory5");
        std::ofstream(root_ / "sys/devices/system/memory/memory5/state") << "offline\n";
    }
    void TearDown() override { fs::remove_all(root_); }

    std::string read(const std::string& path) const {
        std::ifstream in(root_.string() + path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    fs::path root_;
};

TEST_F(SysfsWriterTest, WritesBelowTheRoot) {
    SysfsWriter writer(root_.string() + "/");
    WriteResult result = writer.write("/sys/devices/system/memory/memory5/state", "online_kernel");
    EXPECT_TRUE(result.ok);
    EXPECT_EQ(result.error, 0);
    EXPECT_EQ(result.path, root_.string() + "/sys/devices/system/memory/memory5/state");
    // Not truncated, as a sysfs attribute would not be: the new value is written over the old.
    EXPECT_EQ(read("/sys/devices/system/memory/memory5/state"), "online_kernel");
}

TEST_F(SysfsWriterTest, MissingAttributeIsNotCreated) {
    SysfsWriter writer(root_.string());
    WriteResult result = writer.write("/sys/bus/platform/drivers/hmem/unbind", "hmem.0");
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.error, ENOENT);
    EXPECT_EQ(result.path, root_.string() + "/sys/bus/platform/drivers/hmem/unbind");
    EXPECT_FALSE(fs::exists(root_ / "sys/bus/platform/drivers/hmem/unbind"));
}

TEST_F(SysfsWriterTest, DirectoryIsAnError) {
    SysfsWriter writer(root_.string());
    WriteResult result = writer.write("/sys/devices/system/memory/memory5", "1");
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.error, EISDIR);
}

TEST_F(SysfsWriterTest, RootSlashMeansTheKernelPath) {
    EXPECT_EQ(SysfsWriter("/").host_path("/sys/bus/cxl/flush"), "/sys/bus/cxl/flush");
}

}  // namespace
}  // namespace srmd
