#include "publish/ranges-json.hpp"

namespace srmd {

namespace {

// Absent text and absent numbers are null in the contract, never "" or -1, so that a reader can
// tell "the kernel did not say" from a value.
Json text_or_null(const std::string& s) {
    return s.empty() ? Json(nullptr) : Json(s);
}

template <typename T>
Json optional_or_null(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
}

Json strings(const std::vector<std::string>& names) {
    Json out = Json::array();
    for (const auto& name : names)
        out.push(name);
    return out;
}

const char* parent_kind_name(DaxParentKind kind) {
    switch (kind) {
        case DaxParentKind::Cxl:
            return "cxl";
        case DaxParentKind::Hmem:
            return "hmem";
        case DaxParentKind::Nd:
            return "nd";
        case DaxParentKind::Other:
            break;
    }
    return "other";
}

Json claimant_to_json(const Claimant& claimant) {
    Json::Object o;
    o.emplace_back("kind", to_string(claimant.kind));
    o.emplace_back("device", claimant.device);
    o.emplace_back("start", claimant.start);
    o.emplace_back("size", claimant.size);
    o.emplace_back("committed", claimant.committed);
    o.emplace_back("covers", claimant.full ? "full" : "partial");
    return Json(std::move(o));
}

Json dax_to_json(const RangeDax& dax) {
    Json::Object memory;
    memory.emplace_back("blocks", dax.memory.blocks);
    memory.emplace_back("online", dax.memory.online);
    memory.emplace_back("zone", dax.memory.zone ? Json(to_string(*dax.memory.zone)) : Json());

    Json::Object o;
    o.emplace_back("device", dax.device);
    o.emplace_back("driver", text_or_null(dax.driver));
    o.emplace_back("size", dax.size);
    o.emplace_back("target_node", dax.target_node);
    o.emplace_back("memory", Json(std::move(memory)));
    return Json(std::move(o));
}

Json problem_to_json(const Problem& problem) {
    Json::Object o;
    o.emplace_back("code", problem.code);
    o.emplace_back("message", problem.message);
    o.emplace_back("kernel_seq", optional_or_null(problem.kernel_seq));
    return Json(std::move(o));
}

Json kernel_line_to_json(const KernelLogLine& line) {
    Json::Object o;
    o.emplace_back("seq", line.seq);
    o.emplace_back("usec", line.usec);
    o.emplace_back("level", line.level);
    o.emplace_back("message", line.message);
    o.emplace_back("meaning", to_string(line.meaning));
    o.emplace_back("device", text_or_null(line.device));
    return Json(std::move(o));
}

Json window_to_json(const CxlWindow& window) {
    Json::Object o;
    o.emplace_back("name", window.name);
    o.emplace_back("start", window.start);
    o.emplace_back("size", window.size);
    o.emplace_back("ram", window.cap_ram);
    o.emplace_back("pmem", window.cap_pmem);
    o.emplace_back("locked", window.locked);
    return Json(std::move(o));
}

Json region_to_json(const CxlRegion& region) {
    Json::Object o;
    o.emplace_back("name", region.name);
    o.emplace_back("window", text_or_null(region.window));
    o.emplace_back("start", optional_or_null(region.start));
    o.emplace_back("size", region.size);
    o.emplace_back("mode", text_or_null(region.mode));
    o.emplace_back("committed", region.committed);
    o.emplace_back("enabled", region.enabled);
    o.emplace_back("locked", optional_or_null(region.locked));
    o.emplace_back("interleave_ways", region.interleave_ways);
    o.emplace_back("targets", strings(region.targets));
    o.emplace_back("memdevs", strings(region.memdevs));
    o.emplace_back("dax_region", text_or_null(region.dax_region));
    return Json(std::move(o));
}

Json memdev_to_json(const CxlMemdev& memdev) {
    Json::Object o;
    o.emplace_back("name", memdev.name);
    o.emplace_back("serial", memdev.serial);
    o.emplace_back("numa_node", memdev.numa_node);
    o.emplace_back("ram_size", memdev.ram_size);
    o.emplace_back("pmem_size", memdev.pmem_size);
    o.emplace_back("host", text_or_null(memdev.host));
    return Json(std::move(o));
}

Json hmem_to_json(const HmemDevice& hmem) {
    Json::Object o;
    o.emplace_back("name", hmem.name);
    o.emplace_back("path", hmem.path);
    o.emplace_back("driver", text_or_null(hmem.driver));
    o.emplace_back("start", optional_or_null(hmem.start));
    o.emplace_back("size", hmem.size);
    return Json(std::move(o));
}

Json dax_device_to_json(const DaxDevice& dax) {
    Json::Object o;
    o.emplace_back("name", dax.name);
    // "region0" alone is ambiguous: CXL and nd (pmem) regions share the name space.
    o.emplace_back("parent", text_or_null(dax.parent));
    o.emplace_back("parent_kind", parent_kind_name(dax.parent_kind));
    o.emplace_back("driver", text_or_null(dax.driver));
    o.emplace_back("size", dax.size);
    o.emplace_back("target_node", dax.target_node);
    return Json(std::move(o));
}

// The four values of an access class; each null when the kernel shows none.
Json::Object access_values(const NumaAccess& access) {
    Json::Object o;
    o.emplace_back("read_latency", optional_or_null(access.read_latency));
    o.emplace_back("write_latency", optional_or_null(access.write_latency));
    o.emplace_back("read_bandwidth", optional_or_null(access.read_bandwidth));
    o.emplace_back("write_bandwidth", optional_or_null(access.write_bandwidth));
    return o;
}

Json access_to_json(const std::optional<NumaAccess>& access) {
    if (!access)
        return Json();
    Json::Object o = access_values(*access);
    Json initiators = Json::array();
    for (int node : access->initiators)
        initiators.push(node);
    o.emplace_back("initiators", std::move(initiators));
    return Json(std::move(o));
}

Json region_access_to_json(const std::optional<NumaAccess>& access) {
    return access ? Json(access_values(*access)) : Json();
}

Json performance_to_json(const RangePerformance& perf) {
    Json::Object qos;
    qos.emplace_back("window", optional_or_null(perf.window_qos_class));
    Json memdevs = Json::array();
    for (const auto& [name, qos_class] : perf.memdev_qos_class) {
        Json::Object m;
        m.emplace_back("memdev", name);
        m.emplace_back("ram", optional_or_null(qos_class));
        memdevs.push(Json(std::move(m)));
    }
    qos.emplace_back("memdevs", std::move(memdevs));

    Json distance;
    if (perf.abstract_distance) {
        Json::Object d;
        d.emplace_back("first", perf.abstract_distance->first);
        d.emplace_back("last", perf.abstract_distance->second);
        distance = Json(std::move(d));
    }
    Json dram = Json::array();
    for (int node : perf.tier_dram_nodes)
        dram.push(node);

    Json::Object o;
    o.emplace_back("node", optional_or_null(perf.node));
    o.emplace_back("node_access0", access_to_json(perf.node_access0));
    o.emplace_back("node_access1", access_to_json(perf.node_access1));
    o.emplace_back("region", text_or_null(perf.region));
    o.emplace_back("region_access0", region_access_to_json(perf.region_access0));
    o.emplace_back("region_access1", region_access_to_json(perf.region_access1));
    o.emplace_back("qos_class", Json(std::move(qos)));
    o.emplace_back("tier", optional_or_null(perf.tier));
    o.emplace_back("abstract_distance", std::move(distance));
    o.emplace_back("tier_dram_nodes", std::move(dram));
    return Json(std::move(o));
}

Json node_to_json(const NumaNode& node) {
    Json::Object o;
    o.emplace_back("id", node.id);
    o.emplace_back("has_cpu", node.has_cpu);
    o.emplace_back("has_memory", node.has_memory);
    o.emplace_back("memory_tier", optional_or_null(node.memory_tier));
    o.emplace_back("access0", access_to_json(node.access0));
    o.emplace_back("access1", access_to_json(node.access1));
    return Json(std::move(o));
}

template <typename T, typename F>
Json list_to_json(const std::vector<T>& items, F convert) {
    Json out = Json::array();
    for (const auto& item : items)
        out.push(convert(item));
    return out;
}

// Dynamic Capacity (EXPERIMENTAL): the extents of a DC range, who holds each, and the releases the
// device asked for. Tags and devices are null when there is none.
Json dc_extent_to_json(const RangeDcExtent& extent) {
    Json::Object o;
    o.emplace_back("name", extent.name);
    o.emplace_back("offset", extent.offset);
    o.emplace_back("length", extent.length);
    o.emplace_back("tag", text_or_null(extent.tag));
    o.emplace_back("device", text_or_null(extent.device));
    o.emplace_back("release_requested", extent.release_requested);
    return Json(std::move(o));
}

Json dc_release_to_json(const DcReleaseRequest& request) {
    Json::Object o;
    o.emplace_back("offset", request.offset);
    o.emplace_back("length", request.length);
    o.emplace_back("tag", text_or_null(request.tag));
    o.emplace_back("since", request.since);
    return Json(std::move(o));
}

Json dc_to_json(const RangeDc& dc) {
    Json::Object o;
    o.emplace_back("region", dc.region);
    o.emplace_back("dax_region", text_or_null(dc.dax_region));
    o.emplace_back("seed", text_or_null(dc.seed));
    o.emplace_back("available_size", dc.available_size);
    o.emplace_back("extents", list_to_json(dc.extents, dc_extent_to_json));
    o.emplace_back("release_requests", list_to_json(dc.release_requests, dc_release_to_json));
    return Json(std::move(o));
}

}  // namespace

Json range_to_json(const Range& range) {
    Json::Object o;
    o.emplace_back("id", range.id);
    o.emplace_back("start", range.start);
    o.emplace_back("size", range.size);
    o.emplace_back("window", optional_or_null(range.window));
    o.emplace_back("soft_reserved", range.soft_reserved);
    o.emplace_back("claimants", list_to_json(range.claimants, claimant_to_json));
    o.emplace_back("kernel_owner", to_string(range.kernel_owner));
    o.emplace_back("owner", to_string(range.owner));
    o.emplace_back("dax", list_to_json(range.dax, dax_to_json));
    o.emplace_back("mode", to_string(range.mode));
    o.emplace_back("status", to_string(range.status));
    o.emplace_back("problems", list_to_json(range.problems, problem_to_json));
    o.emplace_back("kernel_log", list_to_json(range.kernel_log, kernel_line_to_json));
    o.emplace_back("performance", performance_to_json(range.performance));
    // Only on Dynamic Capacity ranges: every other range's JSON is as it always was.
    if (range.dc)
        o.emplace_back("dc", dc_to_json(*range.dc));
    return Json(std::move(o));
}

Json ranges_to_json(const std::vector<Range>& ranges) {
    return list_to_json(ranges, range_to_json);
}

Json machine_to_json(const Snapshot& snapshot) {
    Json::Object o;
    o.emplace_back("root", snapshot.root);
    o.emplace_back("kernel", text_or_null(snapshot.kernel_release));
    o.emplace_back("block_size", snapshot.memory.block_size);
    o.emplace_back("auto_online_blocks", text_or_null(snapshot.memory.auto_online_blocks));
    o.emplace_back("windows", list_to_json(snapshot.windows, window_to_json));
    o.emplace_back("regions", list_to_json(snapshot.regions, region_to_json));
    o.emplace_back("memdevs", list_to_json(snapshot.memdevs, memdev_to_json));
    o.emplace_back("hmem", list_to_json(snapshot.hmem, hmem_to_json));
    o.emplace_back("dax_devices", list_to_json(snapshot.dax_devices, dax_device_to_json));
    o.emplace_back("nodes", list_to_json(snapshot.nodes, node_to_json));
    return Json(std::move(o));
}

Json simulate_to_json(const Snapshot& snapshot, const std::vector<Range>& ranges) {
    Json::Object o;
    o.emplace_back("machine", machine_to_json(snapshot));
    o.emplace_back("ranges", ranges_to_json(ranges));
    return Json(std::move(o));
}

}  // namespace srmd
