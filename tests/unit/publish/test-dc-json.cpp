// The "dc" object of a Dynamic Capacity range's JSON (EXPERIMENTAL): its extents with tag and
// holder (null when none), its release requests; and no "dc" key on any other range.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dc-machine.hpp"
#include "ownership/ownership.hpp"
#include "publish/ranges-json.hpp"
#include "util/json.hpp"

namespace srmd {
namespace {

using namespace srmd::test::dc;

TEST(DcJson, ExtentsHoldersAndReleases) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, 256 * kMiB);
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "kmem");
    add_release(s, 0, kGiB, kTagA, 1780000000000000);
    std::vector<Range> ranges = compute_ranges(s);
    ASSERT_EQ(ranges.size(), 1u);
    Json json = range_to_json(ranges[0]);
    const Json* dc = json.find("dc");
    ASSERT_TRUE(dc);
    EXPECT_EQ(dc->dump(),
              std::string(R"({"region":"region0","dax_region":"dax_region0","seed":"dax0.0",)") +
                  R"("available_size":268435456,"extents":[)" +
                  R"({"name":"extent0.0","offset":0,"length":1073741824,"tag":")" + kTagA +
                  R"(","device":"dax0.1","release_requested":true},)" +
                  R"({"name":"extent0.1","offset":1073741824,"length":268435456,"tag":null,)" +
                  R"("device":null,"release_requested":false}],)" +
                  R"("release_requests":[{"offset":0,"length":1073741824,"tag":")" + kTagA +
                  R"(","since":1780000000000000}]})");
}

TEST(DcJson, OtherRangesHaveNoDcKey) {
    Range range;
    Json json = range_to_json(range);
    EXPECT_EQ(json.find("dc"), nullptr);
}

}  // namespace
}  // namespace srmd
