// The vocabulary of test-ownership.cpp's table of cases: a machine described by what the kernel
// shows of it (iomem lines, firmware Soft Reserved, windows, regions, hmem devices, dax regions and
// devices, memory blocks), the Ranges expected of it, and the one text rendering that actual and
// expected Ranges are compared through, every field of every Range.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "ownership/ownership.hpp"
#include "read/iomem.hpp"
#include "read/snapshot.hpp"

namespace srmd::test {

inline constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
inline constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

inline constexpr DaxParentKind Cxl = DaxParentKind::Cxl;
inline constexpr DaxParentKind Hmem = DaxParentKind::Hmem;
inline constexpr DaxParentKind Nd = DaxParentKind::Nd;

inline std::string hex_of(std::uint64_t value) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

// --- The machine ---------------------------------------------------------------------------

// `count` memory blocks of a dax device, from block `first` of the device on.
struct Blocks {
    std::string dax = {};
    int first = 0;
    int count = 0;
    std::string state = {};
    std::string zones = {};  // valid_zones
};

inline Blocks online(std::string dax, int first, int count, std::string zone) {
    return {std::move(dax), first, count, "online", std::move(zone)};
}

inline Blocks offline(std::string dax, int first, int count, std::string zones) {
    return {std::move(dax), first, count, "offline", std::move(zones)};
}

struct Extent {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
};

// A machine as read_snapshot would see it. Each field fills the Snapshot field of the same name;
// the lists keep their order.
struct Machine {
    std::uint64_t block_size = 0;          // 0: unknown
    std::vector<std::string> iomem = {};   // /proc/iomem, one line each
    std::vector<Extent> firmware_sr = {};  // Soft Reserved in the firmware memory map
    std::vector<CxlWindow> windows = {};   // window()
    std::vector<CxlRegion> regions = {};   // region()
    std::vector<CxlDecoded> decoded =
        {};                             // committed endpoint decoders: {name, memdev, start, size}
    std::vector<HmemDevice> hmem = {};  // hmem()
    std::vector<DaxRegion> dax_regions = {};  // dax_region()
    std::vector<DaxDevice> dax = {};          // dax()
    std::vector<Blocks> blocks = {};          // online(), offline()
};

inline CxlWindow window(std::string name, std::uint64_t start, std::uint64_t size) {
    CxlWindow w;
    w.name = std::move(name);
    w.start = start;
    w.size = size;
    w.cap_ram = true;
    return w;
}

// A region as the kernel shows it once assembled: committed regions are bound to cxl_region, and
// ram ones got their dax_regionZ bound to cxl_dax_region.
inline CxlRegion region(int id, std::string window_name, std::optional<std::uint64_t> start,
                        std::uint64_t size, std::string mode, bool committed) {
    CxlRegion r;
    r.name = "region" + std::to_string(id);
    r.window = std::move(window_name);
    r.start = start;
    r.size = size;
    r.mode = std::move(mode);
    r.committed = committed;
    r.enabled = committed;
    if (committed && r.mode == "ram") {
        r.dax_region = "dax_region" + std::to_string(id);
        r.dax_region_enabled = true;
    }
    return r;
}

// The region's dax_regionZ exists but cxl_dax_region did not take it.
inline CxlRegion dax_region_unbound(CxlRegion r) {
    r.dax_region_enabled = false;
    return r;
}

// An hmem device bound to its driver, which registered its dax region.
inline HmemDevice hmem(int id, std::uint64_t start, std::uint64_t size) {
    HmemDevice h;
    h.name = "hmem." + std::to_string(id);
    h.id = id;
    h.driver = "hmem";
    h.start = start;
    h.size = size;
    h.has_dax_region = true;
    return h;
}

// Bound to hmem, but the probe failed before a dax region was registered.
inline HmemDevice probe_failed(HmemDevice h) {
    h.has_dax_region = false;
    return h;
}

// Released from its driver: no driver and no dax region.
inline HmemDevice released(HmemDevice h) {
    h.has_dax_region = false;
    h.driver = "";
    return h;
}

inline DaxRegion dax_region(int id, DaxParentKind kind, std::string parent,
                            std::vector<std::string> devices) {
    DaxRegion r;
    r.id = id;
    r.parent_kind = kind;
    r.parent = std::move(parent);
    r.devices = std::move(devices);
    return r;
}

// One mapping of `size` bytes at `start`; `driver` "" for unbound.
inline DaxDevice dax(std::string name, DaxParentKind kind, std::string parent, std::uint64_t start,
                     std::uint64_t size, std::string driver, int node) {
    DaxDevice d;
    d.name = std::move(name);
    d.parent_kind = kind;
    d.parent = std::move(parent);
    d.size = size;
    d.resource = start;
    d.mappings.push_back({start, start + size - 1, 0});
    d.driver = std::move(driver);
    d.target_node = node;
    d.align = 2 * MiB;
    return d;
}

inline void add_blocks(Snapshot& s, const Blocks& blocks) {
    for (size_t i = 0; i < s.dax_devices.size(); ++i) {
        const DaxDevice& d = s.dax_devices[i];
        if (d.name != blocks.dax)
            continue;
        std::uint64_t base = d.mappings.at(0).start / s.memory.block_size;
        for (int n = blocks.first; n < blocks.first + blocks.count; ++n) {
            MemoryBlock block;
            block.id = base + n;
            block.state = blocks.state;
            block.valid_zones = blocks.zones;
            block.node = d.target_node;
            block.dax = static_cast<int>(i);
            s.memory.blocks.push_back(block);
        }
        return;
    }
    ADD_FAILURE() << "no dax device " << blocks.dax;
}

// The Snapshot read_snapshot would make of the machine.
inline Snapshot snapshot_of(const Machine& m) {
    Snapshot s;
    s.memory.block_size = m.block_size;
    if (!m.iomem.empty()) {
        std::string text;
        for (const std::string& line : m.iomem)
            text += line + "\n";
        s.iomem = parse_iomem(text, "test/proc/iomem");
    }
    for (const Extent& e : m.firmware_sr)
        s.firmware_soft_reserved.push_back({e.start, e.start + e.size - 1, "Soft Reserved"});
    s.windows = m.windows;
    s.regions = m.regions;
    s.decoded = m.decoded;
    s.hmem = m.hmem;
    s.dax_regions = m.dax_regions;
    s.dax_devices = m.dax;
    for (const Blocks& b : m.blocks)
        add_blocks(s, b);
    return s;
}

// --- The expected Ranges -------------------------------------------------------------------

enum Commit : bool { Uncommitted = false, Committed = true };
enum Cover : bool { Partial = false, Full = true };

inline Claimant cxl_claim(std::string region, std::uint64_t start, std::uint64_t size,
                          Commit commit, Cover cover) {
    return {Claimant::Kind::Cxl, std::move(region), start, size,
            commit == Committed, cover == Full};
}

inline Claimant hmem_claim(std::string hmem, std::uint64_t start, std::uint64_t size, Commit commit,
                           Cover cover) {
    return {Claimant::Kind::Hmem, std::move(hmem), start, size, commit == Committed, cover == Full};
}

// The memory blocks of a dax device: how many, how many online, and the zone of the online ones.
struct Memory {
    int blocks = 0;
    int online = 0;
    std::optional<Zone> zone = {};  // nullopt when none is online
};

// A dax device in the range: its driver ("" when unbound), size, NUMA node and memory blocks.
inline RangeDax range_dax(std::string device, std::string driver, std::uint64_t size, int node,
                          Memory memory = {}) {
    RangeDax d;
    d.device = std::move(device);
    d.driver = std::move(driver);
    d.size = size;
    d.target_node = node;
    d.memory = {memory.blocks, memory.online, memory.zone};
    return d;
}

inline Problem problem(RangeStatus severity, std::string code, std::string message) {
    return {std::move(code), std::move(message), severity};
}

// One expected Range; its id is "r" and its start in lowercase hex.
struct Expect {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    std::optional<std::string> window = {};  // nullopt: in no window
    bool soft_reserved = false;
    std::vector<Claimant> claimants = {};
    Owner kernel_owner = Owner::None;
    Owner owner = Owner::None;
    RangeMode mode = RangeMode::Absent;
    RangeStatus status = RangeStatus::Ok;
    std::vector<RangeDax> dax = {};  // range_dax()
    std::vector<Problem> problems = {};
};

inline std::vector<Range> ranges_of(const std::vector<Expect>& expected) {
    std::vector<Range> out;
    for (const Expect& e : expected) {
        Range r;
        r.id = "r" + hex_of(e.start).substr(2);
        r.start = e.start;
        r.size = e.size;
        r.window = e.window;
        r.soft_reserved = e.soft_reserved;
        r.claimants = e.claimants;
        r.kernel_owner = e.kernel_owner;
        r.owner = e.owner;
        r.mode = e.mode;
        r.status = e.status;
        r.dax = e.dax;
        r.problems = e.problems;
        out.push_back(std::move(r));
    }
    return out;
}

// Every field of every Range, one line per claimant, dax device and problem.
inline std::string render(const std::vector<Range>& ranges) {
    std::string out;
    for (const Range& r : ranges) {
        out += r.id + " " + hex_of(r.start) + "+" + hex_of(r.size) +
               " window=" + (r.window ? *r.window : "-") +
               " soft_reserved=" + (r.soft_reserved ? "yes" : "no") + "\n";
        for (const Claimant& c : r.claimants)
            out += std::string("  claimant ") + to_string(c.kind) + " " + c.device + " " +
                   hex_of(c.start) + "+" + hex_of(c.size) +
                   " committed=" + (c.committed ? "yes" : "no") +
                   " full=" + (c.full ? "yes" : "no") + "\n";
        out += std::string("  kernel_owner=") + to_string(r.kernel_owner) +
               " owner=" + to_string(r.owner) + " mode=" + to_string(r.mode) +
               " status=" + to_string(r.status) + "\n";
        for (const RangeDax& d : r.dax)
            out += "  dax " + d.device + " driver=" + (d.driver.empty() ? "-" : d.driver) +
                   " size=" + hex_of(d.size) + " node=" + std::to_string(d.target_node) +
                   " blocks=" + std::to_string(d.memory.blocks) +
                   " online=" + std::to_string(d.memory.online) +
                   " zone=" + (d.memory.zone ? to_string(*d.memory.zone) : "-") + "\n";
        for (const Problem& p : r.problems)
            out += std::string("  problem ") + to_string(p.severity) + " " + p.code + ": " +
                   p.message + "\n";
    }
    return out;
}

// --- A case: one row of the table ------------------------------------------------------------

struct Case {
    std::string name = {};  // the gtest parameter name: letters and digits only
    Machine machine = {};
    std::vector<Expect> ranges = {};  // sorted by start, as compute_ranges returns them
};

inline void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

}  // namespace srmd::test
