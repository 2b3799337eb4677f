// Per range, what the kernel knows about how fast it is and where it sits: the HMAT access
// classes of its NUMA node, the CDAT-derived ones of its CXL region, the QoS classes, and the
// memory tier its node landed in. And the one problem these show: memory that shares DRAM's tier,
// where the kernel cannot demote to it.
#include <algorithm>
#include <set>
#include <string>

#include "ownership/ownership-parts.hpp"

namespace srmd {

namespace {

// The node the range's memory is in: its dax devices' target node, else that of its blocks.
std::optional<int> range_node(const Snapshot& snapshot, const Range& range) {
    for (const RangeDax& dax : range.dax)
        if (dax.target_node >= 0)
            return dax.target_node;
    std::uint64_t size = snapshot.memory.block_size;
    if (size == 0)
        return std::nullopt;
    for (const MemoryBlock& block : snapshot.memory.blocks) {
        std::uint64_t start = block.id * size;
        if (block.node >= 0 && start >= range.start && start - range.start < range.size)
            return block.node;
    }
    return std::nullopt;
}

const NumaNode* find_node(const Snapshot& snapshot, int id) {
    for (const NumaNode& node : snapshot.nodes)
        if (node.id == id)
            return &node;
    return nullptr;
}

// DRAM nodes as the kernel's default tier sees them: nodes with CPUs, and nodes holding boot
// memory (blocks no dax device added).
std::set<int> dram_nodes(const Snapshot& snapshot) {
    std::set<int> nodes;
    for (const NumaNode& node : snapshot.nodes)
        if (node.has_cpu)
            nodes.insert(node.id);
    for (const MemoryBlock& block : snapshot.memory.blocks)
        if (block.dax < 0 && block.node >= 0)
            nodes.insert(block.node);
    return nodes;
}

std::string node_list(const std::vector<int>& nodes) {
    std::string out;
    for (int node : nodes)
        out += (out.empty() ? "" : ", ") + std::to_string(node);
    return out;
}

void add_tier_problem(const RangePerformance& perf, Range& range) {
    if (perf.tier_dram_nodes.empty())
        return;
    bool online = std::any_of(range.dax.begin(), range.dax.end(),
                              [](const RangeDax& dax) { return dax.memory.online > 0; });
    if (!online)
        return;  // none of the range's memory is in the tier yet
    bool own = std::find(perf.tier_dram_nodes.begin(), perf.tier_dram_nodes.end(), *perf.node) !=
               perf.tier_dram_nodes.end();
    std::string tier = "memory tier " + std::to_string(*perf.tier);
    std::string where =
        own ? "its memory is on node " + std::to_string(*perf.node) +
                  ", a DRAM node (CPUs or boot memory), in " + tier
            : "its node " + std::to_string(*perf.node) + " is in " + tier + " with DRAM node" +
                  (perf.tier_dram_nodes.size() > 1 ? "s " : " ") + node_list(perf.tier_dram_nodes);
    range.problems.push_back({"tier-shared-with-dram",
                              where + ": the kernel ranks it as fast as DRAM, so no demotion is "
                                      "possible: cold pages cannot be moved from DRAM to it",
                              RangeStatus::Ok});
}

}  // namespace

void attach_performance(const Snapshot& snapshot, const RangeParts& parts, Range& range) {
    RangePerformance perf;
    perf.node = range_node(snapshot, range);
    const NumaNode* node = perf.node ? find_node(snapshot, *perf.node) : nullptr;
    if (node) {
        perf.node_access0 = node->access0;
        perf.node_access1 = node->access1;
        perf.tier = node->memory_tier;
    }
    if (perf.tier) {
        int first = *perf.tier << kMemtierChunkBits;
        perf.abstract_distance = std::make_pair(first, first + (1 << kMemtierChunkBits) - 1);
        std::set<int> dram = dram_nodes(snapshot);
        for (const NumaNode& other : snapshot.nodes)
            if (other.memory_tier == perf.tier && dram.count(other.id))
                perf.tier_dram_nodes.push_back(other.id);
    }
    if (!parts.regions.empty()) {
        const CxlRegion& region = *parts.regions.front();
        perf.region = region.name;
        perf.region_access0 = region.access0;
        perf.region_access1 = region.access1;
        for (const std::string& name : region.memdevs) {
            const CxlMemdev* memdev = snapshot.memdev(name);
            perf.memdev_qos_class.emplace_back(name, memdev ? memdev->ram_qos_class : std::nullopt);
        }
    }
    if (range.window)
        if (const CxlWindow* window = snapshot.window(*range.window))
            perf.window_qos_class = window->qos_class;
    add_tier_problem(perf, range);
    range.performance = std::move(perf);
}

}  // namespace srmd
