// The kernel actuator driving the real libdaxctl and libcxl (ndctl 76.1) under umockdev, against
// a testbed that a small fake kernel (fake-kernel.cpp) keeps consistent as they write to it.
// Each step runs as the daemon runs it: in the killable worker's forked child, which inherits
// the preload and the write() interposer; the fake kernel's effects are files, so they persist.
//
// The executable re-executes itself under LD_PRELOAD=libumockdev-preload.so.0 and exits 77 (a
// skip) when umockdev cannot redirect /sys. It refuses to act unless /sys/.fake-sysfs is visible.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "fake-kernel.hpp"
#include "kernel/kernel-actuator.hpp"
#include "testbed.hpp"

namespace fs = std::filesystem;

namespace srmd {
namespace {

using testing::Testbed;

class KernelActuatorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        testbed_ = std::make_unique<Testbed>(testing::default_topology());
        if (!testbed_->redirected()) {
            // Safety: acting now would reach the real /sys.
            std::fprintf(stderr, "umockdev is not redirecting /sys; stopping before any write\n");
            std::abort();
        }
        testing::fake_kernel_attach(testbed_->root());
    }
    void TearDown() override {
        // SRMD_FAKE_KERNEL_TRACE=1 prints what the libraries and srmd wrote, for debugging.
        if (std::getenv("SRMD_FAKE_KERNEL_TRACE"))
            for (const auto& [path, value] : testing::fake_kernel_writes())
                std::fprintf(stderr, "  write %s <- %s\n", path.c_str(), value.c_str());
        testing::fake_kernel_attach("");
        testbed_.reset();
    }

    std::string attr(const std::string& path) const {
        std::ifstream in(testbed_->host(path));
        std::string line;
        std::getline(in, line);
        return line;
    }
    std::string block_state(int id) const {
        return attr("/sys/devices/system/memory/memory" + std::to_string(id) + "/state");
    }
    std::string block_zone(int id) const {
        return attr("/sys/devices/system/memory/memory" + std::to_string(id) + "/valid_zones");
    }
    bool block_present(int id) const {
        return fs::exists(testbed_->host("/sys/devices/system/memory/memory" + std::to_string(id)));
    }
    std::string driver(const std::string& bus, const std::string& dev) const {
        std::error_code ec;
        fs::path link = fs::read_symlink(
            fs::canonical(testbed_->host("/sys/bus/" + bus + "/devices/" + dev)) / "driver", ec);
        return ec ? "" : link.filename().string();
    }
    std::vector<std::string> written_paths() const {
        std::vector<std::string> paths;
        for (const auto& [path, value] : testing::fake_kernel_writes())
            if (path != "/sys/bus/cxl/flush")
                paths.push_back(path + "=" + value);
        return paths;
    }

    static Step step(Action action, std::string target) {
        Step s;
        s.action = action;
        s.target = std::move(target);
        s.range = "r850000000";
        s.reason = "test";
        return s;
    }
    static Step online(std::string target, std::optional<Zone> zone) {
        Step s = step(Action::OnlineMemory, std::move(target));
        s.zone = zone;
        return s;
    }
    static Step with_mode(Action action, std::string target, DaxMode mode) {
        Step s = step(action, std::move(target));
        s.mode = mode;
        return s;
    }

    StepOutcome run(const Step& s) { return actuator_.execute(s); }

    std::unique_ptr<Testbed> testbed_;
    KernelActuator actuator_;
};

TEST_F(KernelActuatorTest, DevdaxToSystemRamThenOnlineMovable) {
    ASSERT_EQ(driver("dax", "dax0.0"), "device_dax");
    StepOutcome out = run(step(Action::DisableDax, "dax0.0"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("dax", "dax0.0"), "");

    out = run(with_mode(Action::EnableDax, "dax0.0", DaxMode::SystemRam));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("dax", "dax0.0"), "kmem");
    // 0x850000000 / 256 MiB = 133: kmem added four offline blocks (auto_online_blocks=offline).
    for (int id = 133; id <= 136; ++id)
        EXPECT_EQ(block_state(id), "offline") << id;

    out = run(online("dax0.0", Zone::Movable));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    for (int id = 133; id <= 136; ++id) {
        EXPECT_EQ(block_state(id), "online") << id;
        EXPECT_EQ(block_zone(id), "Movable") << id;
    }
    // libdaxctl wrote online_movable to each block itself (the blocks were on node2).
    int movable_writes = 0;
    for (const auto& [path, value] : testing::fake_kernel_writes())
        if (value == "online_movable")
            ++movable_writes;
    EXPECT_EQ(movable_writes, 4);
}

TEST_F(KernelActuatorTest, OnlineNormalWritesOnlineKernel) {
    StepOutcome out = run(online("dax1.0", Zone::Normal));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(block_zone(261), "Movable");  // already online: untouched
    EXPECT_EQ(block_state(263), "online");
    EXPECT_EQ(block_zone(263), "Normal");
    EXPECT_EQ(block_zone(264), "Normal");
    EXPECT_EQ(written_paths(), (std::vector<std::string>{
                                   "/sys/devices/system/memory/memory263/state=online_kernel",
                                   "/sys/devices/system/memory/memory264/state=online_kernel"}));
}

TEST_F(KernelActuatorTest, OfflineMemoryOfflinesEveryBlock) {
    StepOutcome out = run(step(Action::OfflineMemory, "dax1.0"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    for (int id = 261; id <= 264; ++id)
        EXPECT_EQ(block_state(id), "offline") << id;
    EXPECT_EQ(driver("dax", "dax1.0"), "kmem");
}

TEST_F(KernelActuatorTest, DisableDaxRefusesWithOnlineMemory) {
    StepOutcome out = run(step(Action::DisableDax, "dax1.0"));
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, EBUSY);
    EXPECT_EQ(out.path, "/sys/devices/system/memory/memory261/state");
    EXPECT_EQ(driver("dax", "dax1.0"), "kmem");
    EXPECT_TRUE(written_paths().empty());
}

TEST_F(KernelActuatorTest, ReconfigureToDevdaxAfterOffline) {
    ASSERT_TRUE(run(step(Action::OfflineMemory, "dax1.0")).ok);
    StepOutcome out = run(with_mode(Action::ReconfigureDax, "dax1.0", DaxMode::Devdax));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("dax", "dax1.0"), "device_dax");
    // kmem's removal took the (offline) blocks away.
    for (int id = 261; id <= 264; ++id)
        EXPECT_FALSE(block_present(id)) << id;
}

TEST_F(KernelActuatorTest, RegionDisableThenEnable) {
    StepOutcome out = run(step(Action::DisableRegion, "region0"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("cxl", "region0"), "");
    EXPECT_FALSE(fs::exists(testbed_->host("/sys/bus/cxl/devices/region0/dax_region0")));

    out = run(step(Action::EnableRegion, "region0"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("cxl", "region0"), "cxl_region");
    EXPECT_TRUE(fs::exists(testbed_->host("/sys/bus/cxl/devices/region0/dax_region0/dax0.0")));
}

TEST_F(KernelActuatorTest, RegionDisableRefusesWithOnlineMemory) {
    ASSERT_TRUE(run(step(Action::DisableDax, "dax0.0")).ok);
    ASSERT_TRUE(run(with_mode(Action::EnableDax, "dax0.0", DaxMode::SystemRam)).ok);
    ASSERT_TRUE(run(online("dax0.0", std::nullopt)).ok);
    std::size_t writes = testing::fake_kernel_writes().size();

    StepOutcome out = run(step(Action::DisableRegion, "region0"));
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, EBUSY);
    EXPECT_EQ(out.path, "/sys/devices/system/memory/memory133/state");
    EXPECT_EQ(driver("cxl", "region0"), "cxl_region");
    EXPECT_EQ(testing::fake_kernel_writes().size(), writes);
}

TEST_F(KernelActuatorTest, HmemReleaseRefusedWhileOnlineThenReleasedAndClaimed) {
    StepOutcome out = run(step(Action::ReleaseHmem, "hmem.1"));
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, EBUSY);
    EXPECT_EQ(driver("platform", "hmem.1"), "hmem");

    ASSERT_TRUE(run(step(Action::OfflineMemory, "dax1.0")).ok);
    out = run(step(Action::ReleaseHmem, "hmem.1"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("platform", "hmem.1"), "");
    out = run(step(Action::ClaimHmem, "hmem.1"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    EXPECT_EQ(driver("platform", "hmem.1"), "hmem");
}

TEST_F(KernelActuatorTest, StuckOfflineTimesOutAndIsKilled) {
    testing::put_file(testbed_->host("/stall"), "/sys/devices/system/memory/memory261/state\n");
    KernelActuatorOptions options;
    options.offline_timeout = std::chrono::milliseconds(3000);
    KernelActuator actuator(options);
    StepOutcome out = actuator.execute(step(Action::OfflineMemory, "dax1.0"));
    EXPECT_FALSE(out.ok);
    EXPECT_TRUE(out.timed_out);
    EXPECT_EQ(out.error, ETIMEDOUT);
    EXPECT_EQ(block_state(261), "online");
}

TEST_F(KernelActuatorTest, DestroyRegionRefusesLockedAndEnabled) {
    testing::put_file(testbed_->host("/sys/bus/cxl/devices/region0/locked"), "1\n");
    StepOutcome out = run(step(Action::DestroyRegion, "region0"));
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, EPERM);
    EXPECT_EQ(out.path, "/sys/bus/cxl/devices/region0/locked");

    testing::put_file(testbed_->host("/sys/bus/cxl/devices/region0/locked"), "0\n");
    out = run(step(Action::DestroyRegion, "region0"));
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, EBUSY);
    EXPECT_EQ(driver("cxl", "region0"), "cxl_region");
    for (const std::string& written : written_paths())
        EXPECT_EQ(written.find("region0/"), std::string::npos) << written;
}

TEST_F(KernelActuatorTest, DestroyDisabledRegionResetsAndDeletes) {
    ASSERT_TRUE(run(step(Action::DisableRegion, "region0")).ok);
    StepOutcome out = run(step(Action::DestroyRegion, "region0"));
    ASSERT_TRUE(out.ok) << out.message << " " << out.path;
    std::vector<std::string> writes = written_paths();
    auto has = [&](const std::string& entry) {
        return std::find(writes.begin(), writes.end(), entry) != writes.end();
    };
    EXPECT_TRUE(has("/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/commit=0"));
    EXPECT_TRUE(has("/sys/devices/platform/ACPI0017:00/root0/decoder0.0/delete_region=region0"));
}

TEST_F(KernelActuatorTest, MissingDeviceIsNamed) {
    StepOutcome out = run(step(Action::OfflineMemory, "dax9.0"));
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, ENODEV);
    EXPECT_EQ(out.path, "/sys/bus/dax/devices/dax9.0");
}

}  // namespace
}  // namespace srmd
