// Comparing two snapshots field by field: every field of every struct is printed as one line
// naming it, and the differences are the lines only one side has. For checking that a snapshot
// made another way (refresh_snapshot) is the one read_snapshot makes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "read/snapshot.hpp"

namespace srmd::test {

namespace detail {

inline std::string text(const std::string& value) {
    return "'" + value + "'";
}
inline std::string text(std::uint64_t value) {
    return std::to_string(value);
}
inline std::string text(int value) {
    return std::to_string(value);
}
inline std::string text(bool value) {
    return value ? "true" : "false";
}
inline std::string text(DaxParentKind kind) {
    switch (kind) {
        case DaxParentKind::Cxl:
            return "cxl";
        case DaxParentKind::Hmem:
            return "hmem";
        case DaxParentKind::Nd:
            return "nd";
        case DaxParentKind::Other:
            return "other";
    }
    return "?";
}
template <typename T>
std::string text(const std::optional<T>& value) {
    return value ? text(*value) : "none";
}
template <typename T>
std::string text(const std::vector<T>& values) {
    std::string out = "[";
    for (const T& value : values)
        out += (out.size() > 1 ? " " : "") + text(value);
    return out + "]";
}

// Lines of one struct: "<prefix>.<field> = <value>".
struct Lines {
    std::vector<std::string>& out;
    std::string prefix;
    template <typename T>
    void operator()(const char* field, const T& value) {
        out.push_back(prefix + "." + field + " = " + text(value));
    }
};

inline void access_lines(std::vector<std::string>& out, const std::string& prefix,
                         const std::optional<NumaAccess>& access) {
    Lines f{out, prefix};
    f("present", access.has_value());
    if (!access)
        return;
    f("read_latency", access->read_latency);
    f("write_latency", access->write_latency);
    f("read_bandwidth", access->read_bandwidth);
    f("write_bandwidth", access->write_bandwidth);
    f("initiators", access->initiators);
}

}  // namespace detail

// Every field of the snapshot, one line each, in a stable order.
inline std::vector<std::string> snapshot_lines(const Snapshot& s) {
    using detail::Lines;
    std::vector<std::string> out;
    Lines top{out, "snapshot"};
    top("root", s.root);
    top("kernel_release", s.kernel_release);
    top("cmdline", s.cmdline);
    top("modules", s.modules);
    for (size_t i = 0; i < s.iomem.nodes.size(); ++i) {
        const IomemNode& n = s.iomem.nodes[i];
        Lines f{out, "iomem[" + std::to_string(i) + "]"};
        f("start", n.start);
        f("end", n.end);
        f("names", n.names);
        f("parent", n.parent);
        f("children", n.children);
    }
    top("iomem.roots", s.iomem.roots);
    for (const FirmwareRange& r : s.firmware_soft_reserved) {
        Lines f{out, "firmware " + detail::text(r.start)};
        f("end", r.end);
        f("type", r.type);
    }
    for (const CxlWindow& w : s.windows) {
        Lines f{out, "window " + w.name};
        f("path", w.path);
        f("start", w.start);
        f("size", w.size);
        f("cap_ram", w.cap_ram);
        f("cap_pmem", w.cap_pmem);
        f("locked", w.locked);
        f("ways", w.interleave_ways);
        f("qos_class", w.qos_class);
    }
    for (const CxlDecoded& d : s.decoded) {
        Lines f{out, "decoded " + d.decoder};
        f("memdev", d.memdev);
        f("start", d.start);
        f("size", d.size);
    }
    for (const CxlRegion& r : s.regions) {
        Lines f{out, "region " + r.name};
        f("path", r.path);
        f("window", r.window);
        f("start", r.start);
        f("size", r.size);
        f("mode", r.mode);
        f("committed", r.committed);
        f("enabled", r.enabled);
        f("locked", r.locked);
        f("ways", r.interleave_ways);
        f("granularity", r.interleave_granularity);
        f("targets", r.targets);
        f("memdevs", r.memdevs);
        f("dax_region", r.dax_region);
        f("dax_region_enabled", r.dax_region_enabled);
        detail::access_lines(out, "region " + r.name + ".access0", r.access0);
        detail::access_lines(out, "region " + r.name + ".access1", r.access1);
    }
    for (const CxlMemdev& m : s.memdevs) {
        Lines f{out, "memdev " + m.name};
        f("path", m.path);
        f("serial", m.serial);
        f("numa_node", m.numa_node);
        f("ram_size", m.ram_size);
        f("pmem_size", m.pmem_size);
        f("host", m.host);
        f("ram_qos_class", m.ram_qos_class);
    }
    for (const HmemDevice& h : s.hmem) {
        Lines f{out, "hmem " + h.name};
        f("path", h.path);
        f("id", h.id);
        f("driver", h.driver);
        f("start", h.start);
        f("size", h.size);
        f("has_dax_region", h.has_dax_region);
    }
    for (const DaxRegion& r : s.dax_regions) {
        Lines f{out, "dax_region " + std::to_string(r.id)};
        f("path", r.path);
        f("parent_kind", r.parent_kind);
        f("parent", r.parent);
        f("size", r.size);
        f("align", r.align);
        f("available_size", r.available_size);
        f("devices", r.devices);
    }
    for (const DaxDevice& d : s.dax_devices) {
        Lines f{out, "dax " + d.name};
        f("path", d.path);
        f("parent_kind", d.parent_kind);
        f("parent", d.parent);
        f("region_id", d.region_id);
        f("size", d.size);
        f("resource", d.resource);
        for (size_t i = 0; i < d.mappings.size(); ++i) {
            Lines m{out, "dax " + d.name + " mapping" + std::to_string(i)};
            m("start", d.mappings[i].start);
            m("end", d.mappings[i].end);
            m("page_offset", d.mappings[i].page_offset);
        }
        f("target_node", d.target_node);
        f("align", d.align);
        f("driver", d.driver);
    }
    top("memory.block_size", s.memory.block_size);
    top("memory.auto_online_blocks", s.memory.auto_online_blocks);
    for (const MemoryBlock& b : s.memory.blocks) {
        // The owner by name too: an index can be right by accident when devices shift.
        std::string owner = b.dax >= 0 && static_cast<size_t>(b.dax) < s.dax_devices.size()
                                ? s.dax_devices[static_cast<size_t>(b.dax)].name
                                : "";
        Lines f{out, "memory" + std::to_string(b.id)};
        f("state", b.state);
        f("valid_zones", b.valid_zones);
        f("node", b.node);
        f("dax", b.dax);
        f("dax_name", owner);
    }
    for (const NumaNode& n : s.nodes) {
        Lines f{out, "node" + std::to_string(n.id)};
        f("has_cpu", n.has_cpu);
        f("has_memory", n.has_memory);
        f("memory_tier", n.memory_tier);
        detail::access_lines(out, "node" + std::to_string(n.id) + ".access0", n.access0);
        detail::access_lines(out, "node" + std::to_string(n.id) + ".access1", n.access1);
    }
    return out;
}

// "only in first: ..." / "only in second: ..." lines, at most `limit` of them; "" when equal.
inline std::string snapshot_differences(const Snapshot& a, const Snapshot& b, size_t limit = 20) {
    std::vector<std::string> left = snapshot_lines(a), right = snapshot_lines(b);
    if (left == right)
        return "";
    std::vector<std::string> sorted_left = left, sorted_right = right, only_left, only_right;
    std::sort(sorted_left.begin(), sorted_left.end());
    std::sort(sorted_right.begin(), sorted_right.end());
    std::set_difference(sorted_left.begin(), sorted_left.end(), sorted_right.begin(),
                        sorted_right.end(), std::back_inserter(only_left));
    std::set_difference(sorted_right.begin(), sorted_right.end(), sorted_left.begin(),
                        sorted_left.end(), std::back_inserter(only_right));
    std::string out;
    size_t shown = 0;
    for (const std::string& line : only_left)
        if (shown++ < limit)
            out += "only in first: " + line + "\n";
    for (const std::string& line : only_right)
        if (shown++ < limit)
            out += "only in second: " + line + "\n";
    // Same lines in another order: the sort order of a list differs.
    if (out.empty())
        out = "same fields in a different order\n";
    return out;
}

}  // namespace srmd::test
