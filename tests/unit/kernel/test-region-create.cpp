// create_region() (kernel/region-create.cpp) below a temporary root of plain files: what it
// writes where, the leftover DPA it frees first, and a region the kernel placed elsewhere
// deleted again with EADDRINUSE. Plain files take a write without truncating, so the checks
// read what each file starts with.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernel/region-create.hpp"

namespace fs = std::filesystem;

namespace srmd {
namespace {

class RegionCreateTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("srmd-region-create-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        const std::string cxl = "sys/bus/cxl/devices/";
        put(cxl + "decoder0.0/create_ram_region", "region0\n");
        put(cxl + "decoder0.0/interleave_granularity", "256\n");
        put(cxl + "decoder0.0/delete_region", "");
        for (const char* attr :
             {"interleave_granularity", "interleave_ways", "size", "target0", "commit"})
            put(cxl + "region0/" + attr, "\n");
        put(cxl + "region0/resource", "0x110000000\n");
        fs::create_directories(root_ / (cxl + "region0/dax_region0/driver"));
        put(cxl + "decoder2.0/mode", "none\n");
        put(cxl + "decoder2.0/dpa_size", "0x10000000\n");  // a failed attempt's leftover
        put("sys/bus/cxl/drivers/cxl_region/bind", "");
    }
    void TearDown() override { fs::remove_all(root_); }

    void put(const std::string& rel, const std::string& text) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << text;
    }
    std::string read(const std::string& rel) const {
        std::ifstream in(root_ / rel);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    bool starts(const std::string& rel, const std::string& prefix) const {
        return read(rel).rfind(prefix, 0) == 0;
    }

    RegionSpec spec() const {
        RegionSpec s;
        s.root_decoder = "decoder0.0";
        s.endpoint_decoders = {"decoder2.0"};
        s.memdevs = {"mem0"};
        s.start = 0x110000000;
        s.size = 0x20000000;
        s.interleave_granularity = 256;
        return s;
    }

    fs::path root_;
};

TEST_F(RegionCreateTest, WritesTheKernelsSequence) {
    RootReader reader(root_.string());
    SysfsWriter writer(root_.string());
    WorkerReport report = create_region(reader, writer, spec());
    ASSERT_TRUE(report.ok) << report.message;
    const std::string cxl = "sys/bus/cxl/devices/";
    EXPECT_TRUE(starts(cxl + "decoder0.0/create_ram_region", "region0"));
    EXPECT_TRUE(starts(cxl + "region0/interleave_granularity", "256"));
    EXPECT_TRUE(starts(cxl + "region0/interleave_ways", "1"));
    EXPECT_TRUE(starts(cxl + "region0/size", "0x20000000"));
    EXPECT_TRUE(starts(cxl + "decoder2.0/mode", "ram"));
    EXPECT_TRUE(starts(cxl + "decoder2.0/dpa_size", "0x20000000"));
    EXPECT_TRUE(starts(cxl + "region0/target0", "decoder2.0"));
    EXPECT_TRUE(starts(cxl + "region0/commit", "1"));
    EXPECT_EQ(read("sys/bus/cxl/drivers/cxl_region/bind"), "region0");
    EXPECT_EQ(read(cxl + "decoder0.0/delete_region"), "");
}

TEST_F(RegionCreateTest, ARegionPlacedElsewhereIsDeletedAgain) {
    put("sys/bus/cxl/devices/region0/resource", "0x130000000\n");
    RootReader reader(root_.string());
    SysfsWriter writer(root_.string());
    WorkerReport report = create_region(reader, writer, spec());
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.error, EADDRINUSE);
    EXPECT_NE(report.message.find("0x130000000"), std::string::npos) << report.message;
    EXPECT_NE(report.path.find("region0/resource"), std::string::npos) << report.path;
    EXPECT_EQ(read("sys/bus/cxl/devices/decoder0.0/delete_region"), "region0");
    // Nothing was allocated on the endpoint decoder.
    EXPECT_TRUE(starts("sys/bus/cxl/devices/decoder2.0/mode", "none"));
}

TEST_F(RegionCreateTest, AFailedWriteNamesItsFileAndUndoes) {
    fs::remove(root_ / "sys/bus/cxl/devices/region0/target0");
    RootReader reader(root_.string());
    SysfsWriter writer(root_.string());
    WorkerReport report = create_region(reader, writer, spec());
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.error, ENOENT);
    EXPECT_NE(report.path.find("region0/target0"), std::string::npos) << report.path;
    EXPECT_EQ(read("sys/bus/cxl/devices/decoder0.0/delete_region"), "region0");
    EXPECT_TRUE(starts("sys/bus/cxl/devices/decoder2.0/dpa_size", "0"));
}

}  // namespace
}  // namespace srmd
