// Reading again only what kernel events say changed. A full snapshot opens two files per memory
// block (65 000 on a machine with 32 768 blocks); the event after one block goes online should
// not cost that. The daemon gathers the events since its last pass into Changes and refreshes
// its previous snapshot; it asks for a full read at coldplug, after a monitor overflow, and for
// any event it cannot place.
#pragma once

#include <cstdint>
#include <set>

#include "read/snapshot.hpp"
#include "read/uevent.hpp"

namespace srmd {

class RootReader;

// What a pass must read again, gathered from the events since the last pass.
struct Changes {
    bool full = false;  // read everything (coldplug, overflow, an event we cannot place)
    // Re-read the CXL section (windows, regions, memdevs). Implies `dax`: which dax regions
    // exist and whom they belong to is read through the CXL regions' dax_regionZ children.
    bool cxl = false;
    bool dax = false;                // re-read hmem devices and dax regions/devices
    bool nodes = false;              // re-read NUMA nodes
    std::set<std::uint64_t> blocks;  // memory blocks added, removed or changed

    bool empty() const;
    void merge(const Changes& other);
};

// Which part of the snapshot an event concerns:
//   memory  memoryN: that block, and the nodes (onlining a node's first block gives it memory
//           and a memory tier, and the kernel sends no event for that); any other devpath: full
//   dax, nd: dax (nd namespaces in devdax mode carry dax regions)
//   cxl: cxl (hence dax)
//   platform: dax for hmem.N and hmem_platform.N, nothing for other platform devices (the CXL
//           ACPI device's children send cxl events of their own)
//   node, memory_tiering: nodes
//   drivers: a driver coming or going on the dax, nd, cxl or platform (hmem) bus: that part
//   any other subsystem: full when its devpath lies where the snapshot reads (below
//           /devices/system/memory or /devices/system/node, or memory tiers), else nothing:
//           pci, block, net... cannot change what srmd sees.
void note_uevent(Changes& changes, const Uevent& event);

// A new snapshot equal to what read_snapshot(reader) would return now, provided `changes`
// covers everything that changed since `previous` was read. Whatever the changes, it re-reads
// /proc/iomem, /proc/modules and auto_online_blocks (three files that change without an event
// srmd hears), and keeps what cannot change while the kernel runs: the release, the command
// line, the block size and the firmware's Soft Reserved map. The kernel log goes on from
// previous.kernel_log_next_seq: only the records logged since are read (read/kmsg.hpp). Throws
// SystemError like read_snapshot.
Snapshot refresh_snapshot(const Snapshot& previous, const RootReader& reader,
                          const Changes& changes);

}  // namespace srmd
