// An immutable picture of everything srmd needs to know about the machine's Soft Reserved memory,
// read in one pass through a RootReader. Plain data: deciding what it means is ownership.hpp's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "read/iomem.hpp"
#include "read/kmsg.hpp"

namespace srmd {

class RootReader;

// One access class of the kernel's performance attributes: a NUMA node's HMAT-derived
// accessN/initiators/ (Documentation/ABI/stable/sysfs-devices-node) or a CXL region's CDAT-derived
// accessN/ (6.9+). access0 is from the closest initiator, access1 from the closest CPU. Each value
// is nullopt when the kernel shows none, or one that is not a number: never 0 for "unknown".
struct NumaAccess {
    std::optional<std::uint64_t> read_latency;  // ns
    std::optional<std::uint64_t> write_latency;
    std::optional<std::uint64_t> read_bandwidth;  // MB/s
    std::optional<std::uint64_t> write_bandwidth;
    std::vector<int> initiators;  // nodes listed as initiators (node accesses only)
};

// A CXL root decoder: one CXL Window (CFMWS) of host physical address space.
struct CxlWindow {
    std::string name;  // "decoder0.0"
    std::string path;  // canonical sysfs directory
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    bool cap_ram = false;
    bool cap_pmem = false;
    bool locked = false;
    int interleave_ways = 0;
    int interleave_granularity = 0;  // 0 when the kernel shows none
    // The root decoder has a create_ram_region attribute: a ram region can be created under it
    // through sysfs (6.5 and later, a window with ram capability).
    bool can_create_ram = false;
    // qos_class (6.5+): the QoS Throttling Group the platform gave the window; nullopt when absent,
    // malformed or negative (the kernel shows -1 for none).
    std::optional<int> qos_class;
};

// An endpoint decoder of a memdev, whatever its state: what region creation picks from.
struct CxlEndpointDecoder {
    std::string name;    // "decoder2.0"
    std::string path;    // canonical sysfs directory
    std::string memdev;  // "mem0", "" when its endpoint names none
    std::string mode;    // "ram", "pmem", "none", "mixed"; "" when absent
    std::uint64_t dpa_size = 0;
    std::optional<std::uint64_t> dpa_resource;  // nullopt when no DPA is allocated (all ones)
    std::uint64_t size = 0;                     // HPA size decoded, 0 when not programmed
    std::string region;                         // "region0" when attached to one, else ""
    bool locked = false;
};

// One extent of Dynamic Capacity (read/dcd-abi.hpp): memory the device added to a DC region at
// run time, dax_regionZ/extentZ.N. EXPERIMENTAL: the kernel ABI is a posted series, not merged.
struct DcExtent {
    std::string name;  // "extent0.3"
    std::string path;
    std::uint64_t offset = 0;  // host physical address offset within the region
    std::uint64_t length = 0;
    // The allocation's tag (a UUID, lowercase); "" for an untagged extent (the kernel hides the
    // attribute then).
    std::string tag;
};

// The device asked for capacity back (a Release Capacity event), and the kernel has not released
// it: it ignores a release while a dax device uses the extents and waits for the device to ask
// again. srmd keeps these until the extents are gone (read/dc-events.hpp, the daemon's state).
struct DcReleaseRequest {
    std::string region;        // "region0"
    std::uint64_t offset = 0;  // within the region, as DcExtent::offset
    std::uint64_t length = 0;
    std::string tag;          // "" untagged
    std::uint64_t since = 0;  // CLOCK_REALTIME microseconds when srmd first saw it
};

struct CxlRegion {
    std::string name;                    // "region1"; names are not stable across boots
    std::string path;                    // canonical sysfs directory
    std::string window;                  // name of the root decoder it was created under
    std::optional<std::uint64_t> start;  // nullopt while no host physical address is allocated
    std::uint64_t size = 0;
    // "ram" or "pmem". Kernels before 6.3 have no mode file; we infer it from the region's
    // children (dax_regionZ or pmem_regionZ). "" when nothing tells.
    std::string mode;
    bool committed = false;      // commit == 1: the decoders are programmed
    bool enabled = false;        // bound to the cxl_region driver
    std::optional<bool> locked;  // regionZ/locked, kernel 7.1 and later
    int interleave_ways = 0;
    int interleave_granularity = 0;
    std::vector<std::string> targets;  // endpoint decoders by position ("decoder2.0")
    std::vector<std::string> memdevs;  // the memdevs behind those decoders ("mem0")
    std::string dax_region;            // "dax_region1" when the child exists, else ""
    bool dax_region_enabled = false;   // dax_regionZ is bound to cxl_dax_region
    // The region's own performance (regionZ/access0/, access1/, 6.9+), from the CDAT of its
    // devices and the path to them; nullopt when the kernel shows none (older kernels, or
    // coordinates it could not compute: it then hides the files).
    std::optional<NumaAccess> access0;
    std::optional<NumaAccess> access1;
    // A Dynamic Capacity region (mode dynamic_ram_1, read/dcd-abi.hpp): its memory comes and goes
    // in extents; its dax region starts with a 0-size seed device and no available size.
    bool dynamic = false;
    std::vector<DcExtent> extents;  // by name number; dynamic regions only
};

// A committed endpoint decoder: a memdev decodes [start, start + size) of host physical address
// space. Regions are built from these; with no region (CONFIG_CXL_REGION off, a failed assembly)
// they are what says that device memory backs an address at all.
struct CxlDecoded {
    std::string decoder;  // "decoder2.0"
    std::string memdev;   // "mem0", "" when its endpoint names none
    std::uint64_t start = 0;
    std::uint64_t size = 0;
};

struct CxlMemdev {
    std::string name;  // "mem0"
    std::string path;
    std::uint64_t serial = 0;
    int numa_node = -1;
    std::uint64_t ram_size = 0;
    std::uint64_t pmem_size = 0;
    std::string host;  // the PCI device it hangs off ("0000:0d:00.0")
    // ram/qos_class (6.8+): the QoS class of its volatile capacity; nullopt when absent, malformed
    // or negative.
    std::optional<int> ram_qos_class;
};

// Who a dax region, and so its devices, belongs to, told by sysfs parentage.
enum class DaxParentKind { Cxl, Hmem, Nd, Other };

struct HmemDevice {
    std::string name;  // "hmem.0"
    std::string path;  // /sys/devices/platform/hmem.0 (<= 7.0) or .../hmem_platform.0/hmem.0 (7.1)
    int id = -1;
    std::string driver;  // "hmem" when bound, else ""
    // The address range it was created for: its own /proc/iomem entry when the kernel lists one,
    // else the span of its dax region's devices. nullopt when nothing tells (no dax device).
    std::optional<std::uint64_t> start;
    std::uint64_t size = 0;
    bool has_dax_region = false;
};

struct DaxRegion {
    int id = -1;
    std::string path;  // the directory holding dax_region/
    DaxParentKind parent_kind = DaxParentKind::Other;
    std::string parent;  // "region1" (CXL or nd), "hmem.0"
    std::uint64_t size = 0;
    std::uint64_t align = 0;
    std::uint64_t available_size = 0;
    std::vector<std::string> devices;  // dax device names, sorted
};

struct DaxMapping {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // inclusive, as the kernel prints it
    std::uint64_t page_offset = 0;
};

struct DaxDevice {
    std::string name;  // "dax0.0"
    std::string path;  // canonical sysfs directory
    DaxParentKind parent_kind = DaxParentKind::Other;
    std::string parent;  // "region1", "hmem.0"
    int region_id = -1;
    std::uint64_t size = 0;
    std::optional<std::uint64_t> resource;
    std::vector<DaxMapping> mappings;  // by mapping index
    int target_node = -1;
    std::uint64_t align = 0;
    std::string driver;  // "kmem", "device_dax", other, or "" when unbound
    // memmap_on_memory (Linux 6.8+): kmem puts the memory map of what it hot-adds in that memory
    // itself. nullopt when the kernel has no such attribute.
    std::optional<bool> memmap_on_memory;
    // Devices of a Dynamic Capacity region: the tag of the capacity it holds ("" when untagged or
    // not yet claimed, as the kernel's null UUID). nullopt on every other dax device.
    std::optional<std::string> dc_tag;
};

struct MemoryBlock {
    std::uint64_t id = 0;     // memoryN; the block starts at id * block_size
    std::string state;        // "online", "offline", "going-offline"
    std::string valid_zones;  // online: its zone; offline: the candidate zones, default first
    int node = -1;
    int dax = -1;  // index into Snapshot::dax_devices, -1 for boot memory
    // Why the block could not be read whole, "" when it was: a memoryN directory without its
    // state or valid_zones file, or with files no kernel shows together (online with several
    // zones), as a writer killed halfway leaves it; or a memoryN that leads to nothing in the
    // tree. Its state and valid_zones are then "" (unknown), and its range gets a problem.
    std::string incomplete;
};

struct MemoryInfo {
    std::uint64_t block_size = 0;
    std::string auto_online_blocks;   // "offline", "online", "online_kernel", "online_movable"
    std::vector<MemoryBlock> blocks;  // sorted by id
    // /sys/module/memory_hotplug/parameters/memmap_on_memory ("Y", "N", "force"); "" when absent.
    // Without it on, the kernel refuses memmap_on_memory on a dax device (EOPNOTSUPP).
    std::string memmap_on_memory_param;
};

struct NumaNode {
    int id = -1;
    bool has_cpu = false;
    bool has_memory = false;
    std::optional<int> memory_tier;
    std::optional<NumaAccess> access0;
    std::optional<NumaAccess> access1;
};

// A Soft Reserved range the firmware reported (/sys/firmware/memmap), independent of whether the
// kernel inserted it into /proc/iomem (7.0 and later only insert what hmem claims).
struct FirmwareRange {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // inclusive
    std::string type;
};

struct Snapshot {
    std::string root;
    std::string kernel_release;  // /proc/sys/kernel/osrelease, "" when absent
    std::string cmdline;
    std::vector<std::string> modules;  // loaded modules, from /proc/modules
    IomemTree iomem;
    std::vector<FirmwareRange> firmware_soft_reserved;
    std::vector<CxlWindow> windows;      // sorted by start
    std::vector<CxlRegion> regions;      // sorted by name number
    std::vector<CxlDecoded> decoded;     // endpoint decoders with a size, sorted by start
    std::vector<CxlMemdev> memdevs;      // sorted by name number
    std::vector<HmemDevice> hmem;        // sorted by id
    std::vector<DaxRegion> dax_regions;  // sorted by id
    std::vector<DaxDevice> dax_devices;  // sorted by name (region id, then device id)
    MemoryInfo memory;
    std::vector<NumaNode> nodes;                        // sorted by id
    std::vector<CxlEndpointDecoder> endpoint_decoders;  // every endpoint decoder, sorted by name
    // The kernel log lines a pattern recognises (read/kmsg.hpp), oldest first, at most
    // kMaxKernelLog; and the sequence number the next read of the log starts from.
    std::vector<KernelLogLine> kernel_log;
    std::uint64_t kernel_log_next_seq = 0;
    // Release requests of Dynamic Capacity devices not yet granted, oldest first: the daemon's
    // (state.json), which the read of the trace events (read/dc-events.hpp) adds to and which
    // drops those whose extents are gone.
    std::vector<DcReleaseRequest> dc_release_requests;

    const CxlWindow* window(std::string_view name) const;
    const CxlRegion* region(std::string_view name) const;
    const HmemDevice* hmem_device(std::string_view name) const;
    const DaxDevice* dax_device(std::string_view name) const;
    const CxlMemdev* memdev(std::string_view name) const;
    const CxlEndpointDecoder* endpoint_decoder(std::string_view name) const;
};

// Reads the whole machine below reader.root(). Optional files that older kernels lack are
// tolerated; a file that exists but is malformed throws SystemError naming it. The kernel log
// (/dev/kmsg below the root) is read from its oldest record; it never makes the read fail.
Snapshot read_snapshot(const RootReader& reader);

}  // namespace srmd
