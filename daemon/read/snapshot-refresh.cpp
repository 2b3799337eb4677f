#include "read/snapshot-refresh.hpp"

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

const std::string kMemory = "/sys/devices/system/memory/";

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool is_hmem_name(std::string_view name) {
    return is_numbered(name, "hmem.") || is_numbered(name, "hmem_platform.");
}

// "/bus/dax/drivers/kmem" -> "dax"; "" when the devpath is not a driver's.
std::string_view bus_of_driver(std::string_view devpath) {
    if (!starts_with(devpath, "/bus/"))
        return "";
    std::string_view rest = devpath.substr(5);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || !starts_with(rest.substr(slash), "/drivers/"))
        return "";
    return rest.substr(0, slash);
}

void note_driver(Changes& changes, const Uevent& event) {
    std::string_view bus = bus_of_driver(event.devpath);
    if (bus == "cxl")
        changes.cxl = true;
    else if (bus == "dax" || bus == "nd")
        changes.dax = true;
    else if (bus == "platform" && starts_with(base_name(event.devpath), "hmem"))
        changes.dax = true;
    else if (bus == "memory" || bus == "node")
        changes.full = true;  // these buses have no drivers: an event we cannot place
}

// The node link inside memoryN/ ("node1"), the same link read_memory finds from the node's
// side; a node the snapshot does not list counts as none, as it does there.
int node_of_block(const RootReader& reader, const std::string& name,
                  const std::vector<NumaNode>& nodes) {
    for (const std::string& entry : reader.list(kMemory + name)) {
        if (!is_numbered(entry, "node"))
            continue;
        int id = static_cast<int>(trailing_number(entry));
        for (const NumaNode& node : nodes)
            if (node.id == id)
                return id;
    }
    return -1;
}

// Re-reads the named blocks into `memory`, keeping the others. A block whose directory is gone
// was removed.
void refresh_blocks(const RootReader& reader, const std::set<std::uint64_t>& changed,
                    const std::vector<NumaNode>& nodes, MemoryInfo& memory) {
    // One listing per node reads about as many names as there are blocks in all; one listing per
    // block reads a dozen. Past a twelfth of the blocks, the node listings are the cheaper way.
    bool by_node = changed.size() * 12 > memory.blocks.size();
    std::optional<std::unordered_map<std::uint64_t, int>> block_nodes;

    std::vector<MemoryBlock> fresh;
    for (std::uint64_t id : changed) {
        std::string name = "memory" + std::to_string(id);
        std::optional<MemoryBlock> block = read_memory_block(reader, name);
        if (!block)
            continue;
        // An incomplete block may be no directory to list: the node listings tell its node, as
        // they do in a full read.
        if (!by_node && block->incomplete.empty()) {
            block->node = node_of_block(reader, name, nodes);
        } else {
            if (!block_nodes)
                block_nodes = read_block_nodes(reader, nodes);
            if (auto node = block_nodes->find(id); node != block_nodes->end())
                block->node = node->second;
        }
        fresh.push_back(std::move(*block));
    }

    // Both lists are sorted by id: merge, the fresh reading replacing the old one.
    std::vector<MemoryBlock> blocks;
    blocks.reserve(memory.blocks.size() + fresh.size());
    auto next = fresh.begin();
    for (MemoryBlock& old : memory.blocks) {
        while (next != fresh.end() && next->id < old.id)
            blocks.push_back(std::move(*next++));
        if (!changed.count(old.id))
            blocks.push_back(std::move(old));
    }
    for (; next != fresh.end(); ++next)
        blocks.push_back(std::move(*next));
    memory.blocks = std::move(blocks);
}

}  // namespace

bool Changes::empty() const {
    return !full && !cxl && !dax && !nodes && blocks.empty();
}

void Changes::merge(const Changes& other) {
    full = full || other.full;
    cxl = cxl || other.cxl;
    dax = dax || other.dax;
    nodes = nodes || other.nodes;
    blocks.insert(other.blocks.begin(), other.blocks.end());
}

void note_uevent(Changes& changes, const Uevent& event) {
    const std::string& subsystem = event.subsystem;
    std::string_view devpath = event.devpath;
    if (subsystem == "memory") {
        std::string_view name = base_name(devpath);
        if (dir_name(devpath) == "/devices/system/memory" && is_numbered(name, "memory")) {
            changes.blocks.insert(static_cast<std::uint64_t>(trailing_number(name)));
            changes.nodes = true;
        } else {
            changes.full = true;
        }
    } else if (subsystem == "dax" || subsystem == "nd") {
        changes.dax = true;
    } else if (subsystem == "cxl") {
        changes.cxl = true;
    } else if (subsystem == "platform") {
        if (is_hmem_name(base_name(devpath)))
            changes.dax = true;
    } else if (subsystem == "node" || subsystem == "memory_tiering") {
        changes.nodes = true;
    } else if (subsystem == "drivers") {
        note_driver(changes, event);
    } else if (subsystem.empty() || starts_with(devpath, "/devices/system/memory") ||
               starts_with(devpath, "/devices/system/node") ||
               starts_with(devpath, "/devices/virtual/memory_tiering")) {
        changes.full = true;
    }
}

Snapshot refresh_snapshot(const Snapshot& previous, const RootReader& reader,
                          const Changes& changes) {
    if (changes.full)
        return read_snapshot(reader);

    // Copy what stays, section by section, and read the rest in read_snapshot's order: dax
    // parentage needs the CXL regions, block ownership the dax devices.
    Snapshot snapshot;
    snapshot.root = reader.root().empty() ? "/" : reader.root();
    snapshot.kernel_release = previous.kernel_release;
    snapshot.cmdline = previous.cmdline;
    snapshot.firmware_soft_reserved = previous.firmware_soft_reserved;
    snapshot.modules = read_modules(reader);
    snapshot.iomem = parse_iomem(reader.read("/proc/iomem"), reader.host_path("/proc/iomem"));
    // The kernel log goes on from where the last read stopped: only new records are read.
    KernelLogRead log = read_kernel_log(reader, previous.kernel_log_next_seq);
    snapshot.kernel_log = previous.kernel_log;
    append_kernel_log(snapshot.kernel_log, std::move(log.lines));
    snapshot.kernel_log_next_seq = log.next_seq;

    if (changes.cxl) {
        read_cxl(reader, snapshot);
    } else {
        snapshot.windows = previous.windows;
        snapshot.regions = previous.regions;
        snapshot.decoded = previous.decoded;
        snapshot.memdevs = previous.memdevs;
        snapshot.endpoint_decoders = previous.endpoint_decoders;
    }
    if (changes.cxl || changes.dax) {
        read_dax(reader, snapshot);
    } else {
        snapshot.hmem = previous.hmem;
        snapshot.dax_regions = previous.dax_regions;
        snapshot.dax_devices = previous.dax_devices;
    }
    if (changes.nodes)
        read_nodes(reader, snapshot);
    else
        snapshot.nodes = previous.nodes;

    // Without block_size_bytes there is no memory hotplug: read_memory reads nothing either.
    snapshot.memory = previous.memory;
    if (snapshot.memory.block_size == 0)
        return snapshot;
    snapshot.memory.auto_online_blocks =
        reader.read_attr_optional(kMemory + "auto_online_blocks").value_or("");
    if (!changes.blocks.empty())
        refresh_blocks(reader, changes.blocks, snapshot.nodes, snapshot.memory);
    // Indices into dax_devices shift when devices come or go; recomputing costs no read.
    if (changes.cxl || changes.dax || !changes.blocks.empty())
        assign_block_dax(snapshot);
    return snapshot;
}

}  // namespace srmd
