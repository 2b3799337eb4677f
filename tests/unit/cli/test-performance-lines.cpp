// The "Performance:" block of `srmctl show`, from the range JSON the daemon answers with.
#include <gtest/gtest.h>

#include <string>

#include "cli/performance-lines.hpp"
#include "util/json.hpp"

using srmd::Json;

namespace {

std::string lines_of(const std::string& performance) {
    return srmctl::performance_lines(
        Json::parse(R"({"id":"r1","performance":)" + performance + "}"));
}

}  // namespace

TEST(PerformanceLines, EveryFact) {
    std::string out = lines_of(
        R"({"node":2,"node_access0":{"read_latency":30,"write_latency":31,"read_bandwidth":5120,)"
        R"("write_bandwidth":4096,"initiators":[0]},"node_access1":null,"region":"region0",)"
        R"("region_access0":{"read_latency":250,"write_latency":null,"read_bandwidth":null,)"
        R"("write_bandwidth":null},"region_access1":null,)"
        R"("qos_class":{"window":1,"memdevs":[{"memdev":"mem0","ram":1},{"memdev":"mem1","ram":null}]},)"
        R"("tier":4,"abstract_distance":{"first":512,"last":639},"tier_dram_nodes":[0]})");
    EXPECT_EQ(out,
              "\nPerformance:\n"
              "  Node:             2, memory tier 4 (abstract distance 512-639), shared with DRAM "
              "node 0\n"
              "  Node access0:     latency read 30 ns, write 31 ns; bandwidth read 5120 MB/s, "
              "write 4096 MB/s (from node 0)\n"
              "  region0 access0:  latency read 250 ns\n"
              "  QoS class:        window 1, mem0 1\n");
}

TEST(PerformanceLines, AbsentFiguresAreLeftOutNeverZero) {
    std::string out = lines_of(
        R"({"node":1,"node_access0":null,"node_access1":null,"region":null,"region_access0":null,)"
        R"("region_access1":null,"qos_class":{"window":null,"memdevs":[]},"tier":null,)"
        R"("abstract_distance":null,"tier_dram_nodes":[]})");
    EXPECT_EQ(out, "\nPerformance:\n  Node:  1, no memory tier shown\n");
    EXPECT_EQ(out.find(" 0 "), std::string::npos);
}

TEST(PerformanceLines, NothingKnown) {
    EXPECT_EQ(lines_of(R"({"node":null,"qos_class":{"window":null,"memdevs":[]}})"),
              "\nPerformance: the kernel shows nothing\n");
    EXPECT_EQ(srmctl::performance_lines(Json::parse(R"({"id":"r1"})")),
              "\nPerformance: not known\n");
}
