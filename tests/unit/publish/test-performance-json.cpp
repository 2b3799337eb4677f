// The "performance" object of a range's JSON: every fact the kernel shows, and null (or left
// out of an access class) for what it does not, never 0.
#include <gtest/gtest.h>

#include <string>

#include "ownership/ownership.hpp"
#include "publish/ranges-json.hpp"
#include "util/json.hpp"

using namespace srmd;

namespace {

std::string performance_of(const Range& range) {
    Json json = range_to_json(range);
    const Json* perf = json.find("performance");
    return perf ? perf->dump() : "missing";
}

}  // namespace

TEST(PerformanceJson, NothingKnownIsAllNull) {
    Range range;
    EXPECT_EQ(performance_of(range),
              R"({"node":null,"node_access0":null,"node_access1":null,"region":null,)"
              R"("region_access0":null,"region_access1":null,)"
              R"("qos_class":{"window":null,"memdevs":[]},"tier":null,"abstract_distance":null,)"
              R"("tier_dram_nodes":[]})");
}

TEST(PerformanceJson, EveryFact) {
    Range range;
    RangePerformance& perf = range.performance;
    perf.node = 2;
    NumaAccess node;
    node.read_latency = 30;
    node.write_latency = 31;
    node.read_bandwidth = 5120;
    node.write_bandwidth = 4096;
    node.initiators = {0};
    perf.node_access0 = node;
    perf.region = "region0";
    NumaAccess region;
    region.read_latency = 250;  // the others the kernel did not give
    perf.region_access1 = region;
    perf.window_qos_class = 1;
    perf.memdev_qos_class = {{"mem0", 1}, {"mem1", std::nullopt}};
    perf.tier = 22;
    perf.abstract_distance = std::make_pair(22 * 128, 23 * 128 - 1);
    perf.tier_dram_nodes = {0, 1};
    EXPECT_EQ(performance_of(range),
              R"({"node":2,"node_access0":{"read_latency":30,"write_latency":31,)"
              R"("read_bandwidth":5120,"write_bandwidth":4096,"initiators":[0]},)"
              R"("node_access1":null,"region":"region0","region_access0":null,)"
              R"("region_access1":{"read_latency":250,"write_latency":null,)"
              R"("read_bandwidth":null,"write_bandwidth":null},)"
              R"("qos_class":{"window":1,"memdevs":[{"memdev":"mem0","ram":1},)"
              R"({"memdev":"mem1","ram":null}]},"tier":22,)"
              R"("abstract_distance":{"first":2816,"last":2943},"tier_dram_nodes":[0,1]})");
}

TEST(PerformanceJson, IsTheLastFieldOfARange) {
    Json json = range_to_json(Range{});
    ASSERT_TRUE(json.is_object());
    EXPECT_EQ(json.as_object().back().first, "performance");
}
