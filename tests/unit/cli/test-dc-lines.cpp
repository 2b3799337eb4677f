// srmctl show's "Dynamic capacity:" block, from the JSON the daemon answers with
// (cli/dc-lines.cpp): nothing for an ordinary range, and for a DC range the region, each extent
// with its tag and holder, and the releases the device asked for.
#include <gtest/gtest.h>

#include <string>

#include "cli/dc-lines.hpp"
#include "util/json.hpp"

namespace {

srmd::Json parse(const std::string& text) {
    return srmd::Json::parse(text);
}

TEST(DcLines, NothingForAnOrdinaryRange) {
    EXPECT_EQ(srmctl::dc_lines(parse(R"({"id":"r100000000","dc":null})")), "");
    EXPECT_EQ(srmctl::dc_lines(parse(R"({"id":"r100000000"})")), "");
}

TEST(DcLines, ExtentsHoldersAndReleases) {
    srmd::Json range = parse(
        R"({"id":"r1000000000","dc":{"region":"region0","dax_region":"dax_region0",)"
        R"("seed":"dax0.2","available_size":268435456,"extents":[)"
        R"({"name":"extent0.0","offset":0,"length":1073741824,"tag":"5be13bce-ae34-4a77-b6c3-16df975fcf1a",)"
        R"("device":"dax0.1","release_requested":true},)"
        R"({"name":"extent0.1","offset":1073741824,"length":268435456,"tag":null,)"
        R"("device":null,"release_requested":false}],)"
        R"("release_requests":[{"offset":0,"length":1073741824,)"
        R"("tag":"5be13bce-ae34-4a77-b6c3-16df975fcf1a","since":1780000000000000}]}})");
    EXPECT_EQ(srmctl::dc_lines(range),
              "\nDynamic capacity: region0 (dax_region0), 256 MiB unclaimed, seed dax0.2\n"
              "  extent0.0  0x0         1 GiB    tag 5be13bce-ae34-4a77-b6c3-16df975fcf1a  dax0.1"
              "     release requested\n"
              "  extent0.1  0x40000000  256 MiB  untagged                                  "
              "unclaimed\n"
              "  release requested: tag 5be13bce-ae34-4a77-b6c3-16df975fcf1a, 1 GiB at offset "
              "0x0, since 2026-05-28 20:26:40 UTC\n");
}

TEST(DcLines, NoExtentsYet) {
    EXPECT_EQ(srmctl::dc_lines(parse(R"({"dc":{"region":"region0","dax_region":"dax_region0",)"
                                     R"("seed":"dax0.0","available_size":0,"extents":[],)"
                                     R"("release_requests":[]}})")),
              "\nDynamic capacity: region0 (dax_region0), 0 B unclaimed, seed dax0.0\n"
              "  no extents\n");
}

}  // namespace
