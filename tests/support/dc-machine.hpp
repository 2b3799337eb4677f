// A machine with a Dynamic Capacity region, built in code for the tests of every stage that
// decides about one (ownership, policy, plan, publish): a window, a committed DC region (mode
// dynamic_ram_1) with its dax region and 0-size seed dax0.0, and then whatever extents, claimed dax
// devices, memory blocks and release requests a test adds. EXPERIMENTAL, as read/dcd-abi.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "read/snapshot.hpp"

namespace srmd::test::dc {

inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
inline constexpr std::uint64_t kBase = 0x1000000000;  // region0's start
inline constexpr std::uint64_t kRegionSize = 4 * kGiB;
inline constexpr const char* kTagA = "5be13bce-ae34-4a77-b6c3-16df975fcf1a";
inline constexpr const char* kTagB = "0f8a4c1e-7d2b-4c55-9e1a-3b6d2f0c9a77";

// The machine before any capacity arrived: region0 (4 GiB) in decoder0.0, dax_region0 with
// available_size 0, the seed dax0.0 (unbound, size 0).
inline Snapshot machine() {
    Snapshot s;
    s.kernel_release = "7.3.0";
    s.memory.block_size = 128 * kMiB;
    s.memory.auto_online_blocks = "offline";
    CxlWindow w;
    w.name = "decoder0.0";
    w.start = kBase;
    w.size = 16 * kGiB;
    w.cap_ram = true;
    s.windows.push_back(w);
    CxlRegion r;
    r.name = "region0";
    r.window = "decoder0.0";
    r.start = kBase;
    r.size = kRegionSize;
    r.mode = "dynamic_ram_1";
    r.committed = true;
    r.enabled = true;
    r.interleave_ways = 1;
    r.dax_region = "dax_region0";
    r.dax_region_enabled = true;
    r.dynamic = true;
    s.regions.push_back(r);
    DaxRegion dr;
    dr.id = 0;
    dr.parent_kind = DaxParentKind::Cxl;
    dr.parent = "region0";
    dr.size = kRegionSize;
    dr.align = 2 * kMiB;
    dr.devices = {"dax0.0"};
    s.dax_regions.push_back(dr);
    DaxDevice seed;
    seed.name = "dax0.0";
    seed.parent_kind = DaxParentKind::Cxl;
    seed.parent = "region0";
    seed.region_id = 0;
    seed.target_node = 1;
    seed.align = 2 * kMiB;
    seed.dc_tag = "";
    s.dax_devices.push_back(seed);
    return s;
}

inline CxlRegion& region0(Snapshot& s) {
    return s.regions.at(0);
}

// An extent the device added, not yet claimed: the dax region's available_size grows by it.
inline void add_extent(Snapshot& s, const std::string& name, std::uint64_t offset,
                       std::uint64_t length, const std::string& tag = "") {
    DcExtent e;
    e.name = name;
    e.path = "/sys/bus/cxl/devices/dax_region0/" + name;
    e.offset = offset;
    e.length = length;
    e.tag = tag;
    region0(s).extents.push_back(e);
    s.dax_regions.at(0).available_size += length;
}

// A dax device that claimed `extents` (by name), one mapping each, bound to `driver` ("" none).
// The seed stays dax0.0's name only until something claims it: tests name claimed devices
// dax0.1, dax0.2, ... and keep dax0.0 the seed.
inline void add_device(Snapshot& s, const std::string& name, const std::string& tag,
                       const std::vector<std::string>& extents, const std::string& driver) {
    DaxDevice d;
    d.name = name;
    d.parent_kind = DaxParentKind::Cxl;
    d.parent = "region0";
    d.region_id = 0;
    d.target_node = 1;
    d.align = 2 * kMiB;
    d.driver = driver;
    d.dc_tag = tag;
    std::uint64_t page = 0;
    for (const std::string& extent : extents)
        for (const DcExtent& e : region0(s).extents)
            if (e.name == extent) {
                d.mappings.push_back({kBase + e.offset, kBase + e.offset + e.length - 1, page});
                page += e.length / 4096;
                d.size += e.length;
                s.dax_regions.at(0).available_size -= e.length;
            }
    if (d.mappings.empty())
        ADD_FAILURE() << name << " claims no extent";
    d.resource = d.mappings.empty() ? 0 : d.mappings[0].start;
    s.dax_devices.push_back(d);
    s.dax_regions.at(0).devices.push_back(name);
}

// Memory blocks for every whole block of the device's mappings, `state` "online"/"offline",
// online ones in `zone`.
inline void add_blocks(Snapshot& s, const std::string& device, const std::string& state,
                       const std::string& zone = "Movable") {
    for (std::size_t i = 0; i < s.dax_devices.size(); ++i) {
        const DaxDevice& d = s.dax_devices[i];
        if (d.name != device)
            continue;
        for (const DaxMapping& m : d.mappings)
            for (std::uint64_t a = m.start; a + s.memory.block_size - 1 <= m.end;
                 a += s.memory.block_size) {
                MemoryBlock block;
                block.id = a / s.memory.block_size;
                block.state = state;
                block.valid_zones = state == "online" ? zone : "Movable Normal";
                block.node = d.target_node;
                block.dax = static_cast<int>(i);
                s.memory.blocks.push_back(block);
            }
        return;
    }
    ADD_FAILURE() << "no dax device " << device;
}

// The device asked for [offset, offset + length) of region0 back at `since` (microseconds).
inline void add_release(Snapshot& s, std::uint64_t offset, std::uint64_t length,
                        const std::string& tag, std::uint64_t since = 1780000000000000) {
    s.dc_release_requests.push_back({"region0", offset, length, tag, since});
}

}  // namespace srmd::test::dc
