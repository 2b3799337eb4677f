// Memory blocks and NUMA nodes, from /sys/devices/system/{memory,node}.
// This is where most of a snapshot's file reads go (two per block), so it avoids any per-block
// work beyond those reads: the node of each block comes from one listing per node.
#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

const std::string kMemory = "/sys/devices/system/memory/";
const std::string kNode = "/sys/devices/system/node/";

// A kernel cpu/node list such as "0-1,3". Empty text is an empty list.
std::vector<int> parse_node_list(std::string_view text, const std::string& path) {
    std::vector<int> ids;
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            ids.push_back(static_cast<int>(parse_number(item, path)));
        } else {
            auto first = parse_number(item.substr(0, dash), path);
            auto last = parse_number(item.substr(dash + 1), path);
            if (last < first || last - first > 4096)
                throw SystemError(path, "malformed node list " + quote_value(text));
            for (auto id = first; id <= last; ++id)
                ids.push_back(static_cast<int>(id));
        }
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    return ids;
}

std::vector<int> read_node_list(const RootReader& reader, const std::string& path) {
    std::optional<std::string> text = reader.read_attr_optional(path);
    if (!text)
        return {};
    return parse_node_list(*text, reader.host_path(path));
}

std::optional<NumaAccess> read_access(const RootReader& reader, const std::string& node_dir,
                                      const char* access) {
    std::string dir = node_dir + "/" + access + "/initiators/";
    std::optional<NumaAccess> result = read_access_class(reader, dir);
    if (!result)
        return std::nullopt;
    for (const std::string& entry : reader.list_optional(dir))
        if (is_numbered(entry, "node"))
            result->initiators.push_back(static_cast<int>(trailing_number(entry)));
    std::sort(result->initiators.begin(), result->initiators.end());
    return result;
}

// Memory tiers (6.1+) list their nodes; a node belongs to exactly one tier.
std::unordered_map<int, int> read_memory_tiers(const RootReader& reader) {
    std::unordered_map<int, int> tier_of_node;
    const std::string base = "/sys/devices/virtual/memory_tiering/";
    for (const std::string& entry : reader.list_optional(base)) {
        if (!is_numbered(entry, "memory_tier"))
            continue;
        int tier = static_cast<int>(trailing_number(entry));
        // Advisory: a tier whose node list does not parse places no node (never a failed read).
        std::vector<int> nodes;
        try {
            nodes = read_node_list(reader, base + entry + "/nodelist");
        } catch (const SystemError&) {
            continue;
        }
        for (int node : nodes)
            tier_of_node[node] = tier;
    }
    return tier_of_node;
}

// A memory block's attribute, nullopt when it is not there: missing (ENOENT) or below something
// that is not a directory (ENOTDIR).
std::optional<std::string> read_block_attr(const RootReader& reader, const std::string& path) {
    try {
        return reader.read_attr(path);
    } catch (const SystemError& error) {
        if (error.error_number() == ENOENT || error.error_number() == ENOTDIR)
            return std::nullopt;
        throw;
    }
}

// Index of the dax device whose mapping holds [start, start + size), or -1.
struct DaxSpan {
    std::uint64_t start;
    std::uint64_t end;  // inclusive
    int dax;
};

int dax_of_block(const std::vector<DaxSpan>& spans, std::uint64_t start, std::uint64_t size) {
    auto it =
        std::upper_bound(spans.begin(), spans.end(), start,
                         [](std::uint64_t value, const DaxSpan& s) { return value < s.start; });
    // Spans do not overlap, so only the last one starting at or before the block can hold it.
    if (it == spans.begin())
        return -1;
    --it;
    return start + size - 1 <= it->end ? it->dax : -1;
}

}  // namespace

void read_nodes(const RootReader& reader, Snapshot& snapshot) {
    std::vector<int> with_cpu = read_node_list(reader, kNode + "has_cpu");
    std::vector<int> with_memory = read_node_list(reader, kNode + "has_memory");
    std::unordered_map<int, int> tiers = read_memory_tiers(reader);
    auto contains = [](const std::vector<int>& ids, int id) {
        return std::find(ids.begin(), ids.end(), id) != ids.end();
    };

    for (const std::string& entry : reader.list_optional(kNode)) {
        if (!is_numbered(entry, "node"))
            continue;
        NumaNode node;
        node.id = static_cast<int>(trailing_number(entry));
        node.has_cpu = contains(with_cpu, node.id);
        node.has_memory = contains(with_memory, node.id);
        if (auto tier = tiers.find(node.id); tier != tiers.end())
            node.memory_tier = tier->second;
        node.access0 = read_access(reader, kNode + entry, "access0");
        node.access1 = read_access(reader, kNode + entry, "access1");
        snapshot.nodes.push_back(std::move(node));
    }
    std::sort(snapshot.nodes.begin(), snapshot.nodes.end(),
              [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });
}

std::unordered_map<std::uint64_t, int> read_block_nodes(const RootReader& reader,
                                                        const std::vector<NumaNode>& nodes) {
    std::unordered_map<std::uint64_t, int> node_of_block;
    // The kernel unregisters a CPU-less node when kmem removes its last memory, so a node of an
    // earlier listing may be gone by now: its blocks went with it.
    for (const NumaNode& node : nodes)
        for (const std::string& entry :
             reader.list_optional(kNode + "node" + std::to_string(node.id)))
            if (is_numbered(entry, "memory"))
                node_of_block[static_cast<std::uint64_t>(trailing_number(entry))] = node.id;
    return node_of_block;
}

std::optional<MemoryBlock> read_memory_block(const RootReader& reader, const std::string& name) {
    MemoryBlock block;
    block.id = static_cast<std::uint64_t>(trailing_number(name));
    const std::string dir = kMemory + name;
    std::optional<std::string> state = read_block_attr(reader, dir + "/state");
    if (!state) {
        // Asked only when the state is missing: a present block costs its two reads alone.
        RootReader::Kind kind = reader.kind(dir);
        if (kind == RootReader::Kind::Missing)
            return std::nullopt;
        if (kind == RootReader::Kind::Directory)
            block.incomplete = name + " has no state file";
        else if (kind == RootReader::Kind::Symlink)
            block.incomplete = name + " is a symlink that leads to no memory block in the tree";
        else
            block.incomplete = name + " is not a directory";
        return block;
    }
    std::optional<std::string> zones = read_block_attr(reader, dir + "/valid_zones");
    if (!zones) {
        block.incomplete =
            name + " has a state (" + quote_value(*state) + ") but no valid_zones file";
        return block;
    }
    // An online block shows the one zone it is in ("none" when it spans several); a list of zones
    // is what an offline block shows. Both at once is a block written halfway.
    if (*state == "online" && zones->find_first_of(" \t") != std::string::npos) {
        block.incomplete = name +
                           " is online but its valid_zones lists the zones of an offline "
                           "block (" +
                           quote_value(*zones) + ")";
        return block;
    }
    block.state = std::move(*state);
    block.valid_zones = std::move(*zones);
    return block;
}

void assign_block_dax(Snapshot& snapshot) {
    std::vector<DaxSpan> spans;
    for (size_t i = 0; i < snapshot.dax_devices.size(); ++i)
        for (const DaxMapping& m : snapshot.dax_devices[i].mappings)
            spans.push_back({m.start, m.end, static_cast<int>(i)});
    std::sort(spans.begin(), spans.end(),
              [](const DaxSpan& a, const DaxSpan& b) { return a.start < b.start; });
    std::uint64_t size = snapshot.memory.block_size;
    for (MemoryBlock& block : snapshot.memory.blocks)
        block.dax = dax_of_block(spans, block.id * size, size);
}

void read_memory(const RootReader& reader, Snapshot& snapshot) {
    MemoryInfo& memory = snapshot.memory;
    std::optional<std::string> block_size = reader.read_attr_optional(kMemory + "block_size_bytes");
    if (!block_size)
        return;  // no memory hotplug support: nothing can be onlined, nothing to read
    memory.block_size = parse_hex(*block_size, reader.host_path(kMemory + "block_size_bytes"));
    if (memory.block_size == 0)
        throw SystemError(reader.host_path(kMemory + "block_size_bytes"), "block size is zero");
    memory.auto_online_blocks =
        reader.read_attr_optional(kMemory + "auto_online_blocks").value_or("");
    memory.memmap_on_memory_param =
        reader.read_attr_optional("/sys/module/memory_hotplug/parameters/memmap_on_memory")
            .value_or("");

    std::unordered_map<std::uint64_t, int> node_of_block = read_block_nodes(reader, snapshot.nodes);
    for (const std::string& entry : reader.list(kMemory)) {
        if (!is_numbered(entry, "memory"))
            continue;
        std::optional<MemoryBlock> block = read_memory_block(reader, entry);
        if (!block)
            continue;  // removed since the listing
        if (auto node = node_of_block.find(block->id); node != node_of_block.end())
            block->node = node->second;
        memory.blocks.push_back(std::move(*block));
    }
    std::sort(memory.blocks.begin(), memory.blocks.end(),
              [](const MemoryBlock& a, const MemoryBlock& b) { return a.id < b.id; });
    assign_block_dax(snapshot);
}

}  // namespace srmd
