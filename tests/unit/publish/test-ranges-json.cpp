// The JSON contract of `srmctl simulate --json`: exact keys, their order, nulls, and integer
// numbers. Built from hand-made Ranges and Snapshots so each field's source is plain.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "publish/ranges-json.hpp"
#include "read/snapshot.hpp"
#include "util/json.hpp"

using namespace srmd;

namespace {

std::vector<std::string> keys(const Json& object) {
    std::vector<std::string> out;
    for (const auto& member : object.as_object())
        out.push_back(member.first);
    return out;
}

// hmem took a Soft Reserved range inside a CXL window and put it online; a partial CXL region
// also claims it.
Range conflicting_range() {
    Range r;
    r.id = "r150000000";
    r.start = 0x150000000;
    r.size = 0x40000000;
    r.window = "decoder0.0";
    r.soft_reserved = true;
    r.claimants.push_back(
        {Claimant::Kind::Cxl, "region1", 0x150000000, 0x10000000, true, /*full=*/false});
    r.claimants.push_back(
        {Claimant::Kind::Hmem, "hmem.0", 0x150000000, 0x40000000, true, /*full=*/true});
    r.kernel_owner = Owner::Hmem;
    r.owner = Owner::Hmem;
    r.dax.push_back({"dax0.0", "kmem", 0x40000000, 1, {8, 8, Zone::Movable}});
    r.mode = RangeMode::SystemRam;
    r.status = RangeStatus::Conflict;
    r.problems.push_back(
        {"hmem-inside-cxl-window", "hmem.0 holds memory inside decoder0.0", RangeStatus::Conflict});
    return r;
}

// Nothing holds the range: no window, no dax device, no problem.
Range bare_range() {
    Range r;
    r.id = "r40000000";
    r.start = 0x40000000;
    r.size = 0x20000000;
    r.soft_reserved = true;
    r.kernel_owner = Owner::None;
    r.owner = Owner::None;
    r.mode = RangeMode::Absent;
    r.status = RangeStatus::Ok;
    return r;
}

}  // namespace

TEST(RangeJson, FullRangeExactText) {
    EXPECT_EQ(range_to_json(conflicting_range()).dump(),
              R"({"id":"r150000000","start":5637144576,"size":1073741824,"window":"decoder0.0",)"
              R"("soft_reserved":true,)"
              R"("claimants":[)"
              R"({"kind":"cxl","device":"region1","start":5637144576,"size":268435456,)"
              R"("committed":true,"covers":"partial"},)"
              R"({"kind":"hmem","device":"hmem.0","start":5637144576,"size":1073741824,)"
              R"("committed":true,"covers":"full"}],)"
              R"("kernel_owner":"hmem","owner":"hmem",)"
              R"("dax":[{"device":"dax0.0","driver":"kmem","size":1073741824,"target_node":1,)"
              R"("memory":{"blocks":8,"online":8,"zone":"movable"}}],)"
              R"("mode":"system-ram","status":"conflict",)"
              R"("problems":[{"code":"hmem-inside-cxl-window",)"
              R"("message":"hmem.0 holds memory inside decoder0.0","kernel_seq":null}],)"
              R"("kernel_log":[],)"
              R"("performance":{"node":null,"node_access0":null,"node_access1":null,"region":null,)"
              R"("region_access0":null,"region_access1":null,"qos_class":{"window":null,)"
              R"("memdevs":[]},"tier":null,"abstract_distance":null,"tier_dram_nodes":[]}})");
}

TEST(RangeJson, AbsentValuesAreNullAndListsEmpty) {
    EXPECT_EQ(range_to_json(bare_range()).dump(),
              R"({"id":"r40000000","start":1073741824,"size":536870912,"window":null,)"
              R"("soft_reserved":true,"claimants":[],"kernel_owner":"none","owner":"none",)"
              R"("dax":[],"mode":"absent","status":"ok","problems":[],"kernel_log":[],)"
              R"("performance":{"node":null,"node_access0":null,"node_access1":null,"region":null,)"
              R"("region_access0":null,"region_access1":null,"qos_class":{"window":null,)"
              R"("memdevs":[]},"tier":null,"abstract_distance":null,"tier_dram_nodes":[]}})");
}

TEST(RangeJson, UnboundDaxHasNullDriverAndZone) {
    Range r = bare_range();
    r.dax.push_back({"dax1.0", "", 0x20000000, -1, {0, 0, std::nullopt}});
    r.mode = RangeMode::Unbound;
    r.status = RangeStatus::Stranded;
    Json j = range_to_json(r);
    EXPECT_EQ(j.find("dax")->dump(),
              R"([{"device":"dax1.0","driver":null,"size":536870912,"target_node":-1,)"
              R"("memory":{"blocks":0,"online":0,"zone":null}}])");
    EXPECT_EQ(j.find("mode")->as_string(), "unbound");
    EXPECT_EQ(j.find("status")->as_string(), "stranded");
}

TEST(RangeJson, EveryEnumValueHasItsContractName) {
    Range r = bare_range();
    const std::pair<RangeMode, const char*> modes[] = {{RangeMode::SystemRam, "system-ram"},
                                                       {RangeMode::Devdax, "devdax"},
                                                       {RangeMode::Unbound, "unbound"},
                                                       {RangeMode::Absent, "absent"}};
    for (const auto& [mode, name] : modes) {
        r.mode = mode;
        EXPECT_EQ(range_to_json(r).find("mode")->as_string(), name);
    }
    const std::pair<RangeStatus, const char*> statuses[] = {
        {RangeStatus::Ok, "ok"},
        {RangeStatus::Conflict, "conflict"},
        {RangeStatus::Stranded, "stranded"},
        {RangeStatus::PartialCoverage, "partial-coverage"},
        {RangeStatus::Unaligned, "unaligned"}};
    for (const auto& [status, name] : statuses) {
        r.status = status;
        EXPECT_EQ(range_to_json(r).find("status")->as_string(), name);
    }
    const std::pair<Owner, const char*> owners[] = {
        {Owner::Cxl, "cxl"}, {Owner::Hmem, "hmem"}, {Owner::None, "none"}};
    for (const auto& [owner, name] : owners) {
        r.owner = owner;
        r.kernel_owner = owner;
        Json j = range_to_json(r);
        EXPECT_EQ(j.find("owner")->as_string(), name);
        EXPECT_EQ(j.find("kernel_owner")->as_string(), name);
    }
    const std::pair<Zone, const char*> zones[] = {
        {Zone::Movable, "movable"}, {Zone::Normal, "normal"}, {Zone::Mixed, "mixed"}};
    for (const auto& [zone, name] : zones) {
        r.dax = {{"dax0.0", "kmem", 0x20000000, 0, {4, 2, zone}}};
        Json j = range_to_json(r);
        EXPECT_EQ(j.find("dax")->as_array()[0].find("memory")->find("zone")->as_string(), name);
    }
}

TEST(RangeJson, FullUint64AddressesStayExact) {
    Range r = bare_range();
    r.start = 0xfffffffffffff000ULL;
    r.size = 0x1000;
    Json back = Json::parse(range_to_json(r).dump());
    EXPECT_EQ(back.find("start")->as_uint(), 0xfffffffffffff000ULL);
    // A JSON integer, not a string and not a rounded double.
    EXPECT_NE(range_to_json(r).dump().find(R"("start":18446744073709547520,)"), std::string::npos);
}

TEST(RangeJson, RangesInOrder) {
    Json list = ranges_to_json({bare_range(), conflicting_range()});
    ASSERT_EQ(list.as_array().size(), 2u);
    EXPECT_EQ(list.as_array()[0].find("id")->as_string(), "r40000000");
    EXPECT_EQ(list.as_array()[1].find("id")->as_string(), "r150000000");
    EXPECT_EQ(ranges_to_json({}).dump(), "[]");
}

namespace {

Snapshot small_machine() {
    Snapshot s;
    s.root = "/tmp/tree";
    s.kernel_release = "6.1.0-56-amd64";
    s.memory.block_size = 0x8000000;
    s.memory.auto_online_blocks = "offline";

    CxlWindow w;
    w.name = "decoder0.0";
    w.start = 0x150000000;
    w.size = 0x100000000;
    w.cap_ram = true;
    w.cap_pmem = true;
    s.windows.push_back(w);

    CxlRegion placed;
    placed.name = "region1";
    placed.window = "decoder0.0";
    placed.start = 0x150000000;
    placed.size = 0x10000000;
    placed.mode = "pmem";
    placed.committed = true;
    placed.enabled = true;
    placed.interleave_ways = 1;
    placed.targets = {"decoder2.0"};
    placed.memdevs = {"mem0"};
    s.regions.push_back(placed);

    // A region being set up: no address yet, no mode known, a kernel with a `locked` file.
    CxlRegion pending;
    pending.name = "region2";
    pending.window = "decoder0.0";
    pending.locked = false;
    pending.dax_region = "dax_region2";
    s.regions.push_back(pending);

    CxlMemdev mem;
    mem.name = "mem0";
    mem.serial = 0xffffffffffffffffULL;
    mem.numa_node = -1;
    mem.pmem_size = 0x10000000;
    mem.host = "0000:0d:00.0";
    s.memdevs.push_back(mem);

    HmemDevice hmem;
    hmem.name = "hmem.0";
    hmem.path = "/sys/devices/platform/hmem.0";
    hmem.id = 0;
    hmem.driver = "hmem";
    hmem.start = 0x100000000;
    hmem.size = 0x40000000;
    hmem.has_dax_region = true;
    s.hmem.push_back(hmem);
    HmemDevice unbound;
    unbound.name = "hmem.1";
    unbound.path = "/sys/devices/platform/hmem.1";
    unbound.id = 1;
    s.hmem.push_back(unbound);

    DaxDevice dax;
    dax.name = "dax1.0";
    dax.parent_kind = DaxParentKind::Nd;
    dax.parent = "region1";
    dax.size = 0xfa00000;
    dax.target_node = 2;
    dax.driver = "device_dax";
    s.dax_devices.push_back(dax);

    NumaNode node0;
    node0.id = 0;
    node0.has_cpu = true;
    node0.has_memory = true;
    node0.access0 = NumaAccess{10, 10, 10240, 10240, {0}};
    s.nodes.push_back(node0);
    NumaNode node1;
    node1.id = 1;
    node1.has_memory = true;
    node1.memory_tier = 4;
    s.nodes.push_back(node1);
    return s;
}

}  // namespace

TEST(MachineJson, KeysInOrder) {
    Json m = machine_to_json(small_machine());
    EXPECT_EQ(keys(m), (std::vector<std::string>{"root", "kernel", "block_size",
                                                 "auto_online_blocks", "windows", "regions",
                                                 "memdevs", "hmem", "dax_devices", "nodes"}));
    EXPECT_EQ(m.find("root")->as_string(), "/tmp/tree");
    EXPECT_EQ(m.find("kernel")->as_string(), "6.1.0-56-amd64");
    EXPECT_EQ(m.find("block_size")->as_uint(), 0x8000000u);
    EXPECT_EQ(m.find("auto_online_blocks")->as_string(), "offline");
}

TEST(MachineJson, WindowsMemdevsHmemDax) {
    Json m = machine_to_json(small_machine());
    EXPECT_EQ(m.find("windows")->dump(),
              R"([{"name":"decoder0.0","start":5637144576,"size":4294967296,"ram":true,)"
              R"("pmem":true,"locked":false}])");
    EXPECT_EQ(m.find("memdevs")->dump(),
              R"([{"name":"mem0","serial":18446744073709551615,"numa_node":-1,"ram_size":0,)"
              R"("pmem_size":268435456,"host":"0000:0d:00.0"}])");
    EXPECT_EQ(m.find("hmem")->dump(),
              R"([{"name":"hmem.0","path":"/sys/devices/platform/hmem.0","driver":"hmem",)"
              R"("start":4294967296,"size":1073741824},)"
              R"({"name":"hmem.1","path":"/sys/devices/platform/hmem.1","driver":null,)"
              R"("start":null,"size":0}])");
    EXPECT_EQ(m.find("dax_devices")->dump(),
              R"([{"name":"dax1.0","parent":"region1","parent_kind":"nd",)"
              R"("driver":"device_dax","size":262144000,"target_node":2}])");
}

TEST(MachineJson, RegionsWithNullsWhereTheKernelSaysNothing) {
    Json m = machine_to_json(small_machine());
    EXPECT_EQ(m.find("regions")->dump(),
              R"([{"name":"region1","window":"decoder0.0","start":5637144576,"size":268435456,)"
              R"("mode":"pmem","committed":true,"enabled":true,"locked":null,)"
              R"("interleave_ways":1,"targets":["decoder2.0"],"memdevs":["mem0"],)"
              R"("dax_region":null},)"
              R"({"name":"region2","window":"decoder0.0","start":null,"size":0,"mode":null,)"
              R"("committed":false,"enabled":false,"locked":false,"interleave_ways":0,)"
              R"("targets":[],"memdevs":[],"dax_region":"dax_region2"}])");
}

TEST(MachineJson, NodesWithOptionalTierAndAccess) {
    Json m = machine_to_json(small_machine());
    EXPECT_EQ(m.find("nodes")->dump(),
              R"([{"id":0,"has_cpu":true,"has_memory":true,"memory_tier":null,)"
              R"("access0":{"read_latency":10,"write_latency":10,"read_bandwidth":10240,)"
              R"("write_bandwidth":10240,"initiators":[0]},"access1":null},)"
              R"({"id":1,"has_cpu":false,"has_memory":true,"memory_tier":4,"access0":null,)"
              R"("access1":null}])");
}

TEST(MachineJson, UnknownKernelAndPolicyAreNull) {
    Snapshot s;
    Json m = machine_to_json(s);
    EXPECT_TRUE(m.find("kernel")->is_null());
    EXPECT_TRUE(m.find("auto_online_blocks")->is_null());
    EXPECT_EQ(m.find("windows")->dump(), "[]");
    EXPECT_EQ(m.find("nodes")->dump(), "[]");
}

TEST(SimulateJson, MachineThenRanges) {
    Json doc = simulate_to_json(small_machine(), {conflicting_range()});
    EXPECT_EQ(keys(doc), (std::vector<std::string>{"machine", "ranges"}));
    EXPECT_EQ(*doc.find("machine"), machine_to_json(small_machine()));
    ASSERT_EQ(doc.find("ranges")->as_array().size(), 1u);
    EXPECT_EQ(keys(doc.find("ranges")->as_array()[0]),
              (std::vector<std::string>{"id", "start", "size", "window", "soft_reserved",
                                        "claimants", "kernel_owner", "owner", "dax", "mode",
                                        "status", "problems", "kernel_log", "performance"}));
    // What srmctl prints parses back to the same document.
    EXPECT_EQ(Json::parse(doc.dump(2)), doc);
}
