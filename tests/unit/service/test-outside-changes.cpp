// What srmd did not do: differences between the Ranges a pass left and those the next one finds,
// on devices srmd's own steps did not touch.
#include <gtest/gtest.h>

#include "service/outside-changes.hpp"

namespace srmd {
namespace {

Range range_with(const std::string& id, const std::string& device, const std::string& driver,
                 int blocks, int online, std::optional<Zone> zone) {
    Range range;
    range.id = id;
    RangeDax dax;
    dax.device = device;
    dax.driver = driver;
    dax.memory = {blocks, online, zone};
    range.dax.push_back(dax);
    return range;
}

TEST(OutsideChanges, NothingChangedNothingReported) {
    std::vector<Range> ranges = {range_with("r1", "dax0.0", "kmem", 4, 4, Zone::Movable)};
    EXPECT_TRUE(outside_changes(ranges, ranges).empty());
}

TEST(OutsideChanges, ADriverChangedBehindSrmdsBack) {
    std::vector<OutsideChange> changes =
        outside_changes({range_with("r1", "dax0.0", "kmem", 4, 4, Zone::Movable)},
                        {range_with("r1", "dax0.0", "device_dax", 0, 0, std::nullopt)});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].range, "r1");
    EXPECT_EQ(changes[0].device, "dax0.0");
    EXPECT_EQ(changes[0].what, "driver kmem -> device_dax");
}

TEST(OutsideChanges, MemoryTakenOfflineOrMovedZone) {
    std::vector<OutsideChange> offline =
        outside_changes({range_with("r1", "dax0.0", "kmem", 4, 4, Zone::Movable)},
                        {range_with("r1", "dax0.0", "kmem", 4, 1, Zone::Movable)});
    ASSERT_EQ(offline.size(), 1u);
    EXPECT_EQ(offline[0].what, "4 of 4 blocks online (movable) -> 1 of 4 blocks online (movable)");
    std::vector<OutsideChange> zone =
        outside_changes({range_with("r1", "dax0.0", "kmem", 4, 4, Zone::Movable)},
                        {range_with("r1", "dax0.0", "kmem", 4, 4, Zone::Normal)});
    ASSERT_EQ(zone.size(), 1u);
    EXPECT_EQ(zone[0].what, "4 of 4 blocks online (movable) -> 4 of 4 blocks online (normal)");
}

TEST(OutsideChanges, DevicesThatComeOrGoAreHotplugNotInterference) {
    EXPECT_TRUE(
        outside_changes({}, {range_with("r1", "dax0.0", "kmem", 4, 0, std::nullopt)}).empty());
    EXPECT_TRUE(
        outside_changes({range_with("r1", "dax0.0", "kmem", 4, 0, std::nullopt)}, {}).empty());
}

}  // namespace
}  // namespace srmd
