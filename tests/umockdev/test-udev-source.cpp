// The daemon's udev source on the real libudev, under umockdev: a uevent sent for a device in the
// testbed reaches the monitor, and lands in the part of the snapshot it concerns.
#include <gtest/gtest.h>
#include <poll.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "kernel/udev-source.hpp"
#include "testbed.hpp"

namespace srmd {
namespace {

using testing::Testbed;

// Drains until `enough` says so or two seconds pass without an event.
std::uint64_t receive(EventSource& source, Changes& changes,
                      const std::function<bool(const Changes&)>& enough) {
    std::uint64_t count = 0;
    while (!enough(changes)) {
        pollfd p{source.fd(), POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0)
            break;
        count += source.drain(changes);
    }
    return count;
}

class UdevSourceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        testbed_ = std::make_unique<Testbed>(testing::default_topology());
        ASSERT_TRUE(testbed_->redirected());
        source_ = open_udev_source();
    }
    std::unique_ptr<Testbed> testbed_;
    std::unique_ptr<EventSource> source_;
};

TEST_F(UdevSourceTest, MemoryBlockEventNamesItsBlock) {
    testbed_->uevent("/sys/devices/system/memory/memory262", "online");
    Changes changes;
    std::uint64_t count =
        receive(*source_, changes, [](const Changes& c) { return !c.blocks.empty(); });
    EXPECT_GE(count, 1u);
    EXPECT_EQ(changes.blocks, std::set<std::uint64_t>{262});
    EXPECT_FALSE(changes.full);
}

TEST_F(UdevSourceTest, DaxAndCxlEventsMarkTheirSections) {
    testbed_->uevent("/sys/devices/platform/hmem.1/dax1.0", "change");
    testbed_->uevent("/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0", "change");
    Changes changes;
    receive(*source_, changes, [](const Changes& c) { return c.dax && c.cxl; });
    EXPECT_TRUE(changes.dax);
    EXPECT_TRUE(changes.cxl);
    EXPECT_TRUE(changes.blocks.empty());
}

TEST_F(UdevSourceTest, AStormOfBlockEventsIsReceivedWhole) {
    // Two events per block, as kmem's hot-add brings them, many times over. umockdev's sender
    // emulates the netlink socket with a Unix datagram socket, which queues only ten datagrams
    // (net.unix.max_dgram_qlen), so the storm comes in bursts of 8 events.
    Changes changes;
    std::uint64_t count = 0;
    for (int burst = 0; burst < 200; ++burst) {
        for (int round = 0; round < 1; ++round)
            for (int block : {261, 262, 263, 264}) {
                std::string path = "/sys/devices/system/memory/memory" + std::to_string(block);
                testbed_->uevent(path, "add");
                testbed_->uevent(path, "online");
            }
        std::uint64_t got = 0;
        while (got < 8) {
            pollfd p{source_->fd(), POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0)
                break;
            got += source_->drain(changes);
        }
        count += got;
    }
    EXPECT_EQ(count, 1600u);
    EXPECT_EQ(changes.blocks, (std::set<std::uint64_t>{261, 262, 263, 264}));
    EXPECT_FALSE(changes.full);
}

}  // namespace
}  // namespace srmd
