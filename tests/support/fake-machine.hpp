// A builder for fake machines: it writes a proc/ and sys/ tree into a directory, laid out as the
// real kernel captures in tests/fixtures/kernel-6.1 are (same files, same relative symlinks), so
// that srmd, `cxl list` and `daxctl list` can read it as if it were the machine. It is how the
// constructed fixtures and the large synthetic machine of the benchmark are made.
//
// Describe the machine with the add_* calls, then write() it. Nothing is checked beyond what the
// writing needs: a scenario that contradicts the kernel is the scenario author's choice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace srmd::fake {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
constexpr std::uint64_t GiB = 1024 * MiB;

// The kernel generations whose sysfs layouts differ in ways srmd cares about.
//   V6_1: no region `mode`, no `create_ram_region`, no hmem_platform.0; hmem.N listed in iomem.
//   V6_8: region `mode`, hmem_platform.0 beside hmem.N, dax `memmap_on_memory`.
//   V7_0: Soft Reserved only in iomem where hmem claims it; no hmem.N in iomem.
//   V7_1: hmem.N under hmem_platform.0; region `locked`.
enum class Kernel { V6_1, V6_8, V7_0, V7_1 };

// A CXL root decoder (decoder0.N, "CXL Window N"). Windows are numbered in the order added.
struct Window {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    bool cap_ram = true;
    bool cap_pmem = false;
    bool locked = false;
    std::vector<int> host_bridges{0};  // interleave targets, by host bridge index
    int granularity = 256;
};

// A CXL type-3 memory device (memN) behind a root port of a host bridge.
struct Memdev {
    int host_bridge = 0;
    std::uint64_t ram_size = 0;
    std::uint64_t pmem_size = 0;
    std::uint64_t serial = 0;
    int numa_node = -1;
    // The Dynamic Capacity partition, memX/dynamic_ram_1 (EXPERIMENTAL, a posted kernel series):
    // 0 for none. Its DPA follows ram and pmem.
    std::uint64_t dynamic_ram_size = 0;
};

// The state of a CXL region's dax_regionZ child.
enum class DaxRegionState {
    Absent,   // no child: the region driver never probed it
    Unbound,  // present, no driver (the kernel's silent dax_region conflict)
    Bound,    // bound to cxl_dax_region
};

// A region whose mode is this is a Dynamic Capacity region: its endpoint decoders map the memdevs'
// dynamic_ram_1 partition, its dax region holds extents and starts with no available size.
bool is_dynamic_mode(const std::string& mode);

struct Region {
    int id = 0;                          // regionZ; also the id of its dax region
    int window = 0;                      // index of the root decoder it sits under
    std::optional<std::uint64_t> start;  // nullopt: no HPA allocated (resource reads all ones)
    std::uint64_t size = 0;
    std::string mode = "ram";
    bool committed = true;
    bool bound = true;           // driver link to cxl_region
    std::optional<bool> locked;  // written only on V7_1 (defaults to 0 there)
    std::vector<int> memdevs;    // memdev indices by target position
    int granularity = 256;
    DaxRegionState dax_region = DaxRegionState::Bound;
};

// An hmem platform device (hmem.N) created for one Soft Reserved range.
struct Hmem {
    int id = 0;
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    int numa_node = 0;
    bool bound = true;  // driver link to hmem; without it there is no dax_region
};

enum class DaxParent { Cxl, Hmem };

// A dax device daxR.I; its dax region is that of region R or hmem.R.
struct DaxDevice {
    DaxParent parent = DaxParent::Cxl;
    int region = 0;
    int id = 0;
    std::uint64_t start = 0;  // one mapping [start, start + size)
    std::uint64_t size = 0;
    int target_node = 0;
    int numa_node = 0;
    std::uint64_t align = 2 * MiB;
    std::string driver;  // "kmem", "device_dax" or "" (unbound)
};

// One extent of a Dynamic Capacity region: dax_regionZ/extentZ.N, N in the order added.
struct DcExtent {
    int region = 0;
    std::uint64_t offset = 0;  // within the region
    std::uint64_t length = 0;
    std::string tag;  // "" untagged: no uuid attribute
};

// HMAT access class attributes of a memory target node.
struct NodeAccess {
    int initiator = 0;
    std::uint64_t read_latency = 0;
    std::uint64_t write_latency = 0;
    std::uint64_t read_bandwidth = 0;
    std::uint64_t write_bandwidth = 0;
};

struct Node {
    int id = 0;
    std::string cpulist;  // "" for a CPU-less node
    std::optional<NodeAccess> access0;
};

class FakeMachine {
  public:
    explicit FakeMachine(Kernel kernel);

    // add_window and add_memdev return the index that Region::window and Region::memdevs use.
    int add_window(const Window& window);
    int add_memdev(const Memdev& memdev);
    void add_region(const Region& region);
    void add_hmem(const Hmem& hmem);
    void add_dax_device(const DaxDevice& dax);
    // Dynamic Capacity: an extent of a region whose mode is_dynamic_mode(); the tag the dax device
    // daxR.I of such a region holds (its uuid reads the null UUID without one). A 0-size dax
    // device of such a region (the seed) has no mapping.
    void add_dc_extent(const DcExtent& extent);
    void set_dc_tag(int region, int id, const std::string& tag) { dc_tags_[{region, id}] = tag; }
    void add_node(const Node& node);

    // Memory blocks covering [start, start + size), all in one state. `zones` is what valid_zones
    // shows: the zone of an online block ("Movable"), the candidates of an offline one.
    void add_memory_blocks(std::uint64_t start, std::uint64_t size, int node,
                           const std::string& state, const std::string& zones);
    // Boot RAM: a "System RAM" iomem line, a firmware memmap entry and online blocks (DMA32
    // below 4 GiB, Normal above, "none" for block 0, as a real x86 boot shows them).
    void add_boot_ram(std::uint64_t start, std::uint64_t size, int node);
    // A firmware Soft Reserved range (/sys/firmware/memmap). `in_iomem` adds its iomem line, which
    // 6.x kernels always show and 7.x kernels only where hmem claimed the range.
    void add_soft_reserved(std::uint64_t start, std::uint64_t size, bool in_iomem);
    // Any other top-level iomem line ("Reserved", "PCI MMCONFIG 0000 [bus 00-ff]").
    void add_iomem_line(std::uint64_t start, std::uint64_t end_inclusive, const std::string& name);

    void set_block_size(std::uint64_t bytes) { block_size_ = bytes; }
    void set_auto_online_blocks(const std::string& policy) { auto_online_ = policy; }
    void set_cmdline(const std::string& cmdline) { cmdline_ = cmdline; }
    void set_osrelease(const std::string& release) { osrelease_ = release; }
    // Where equal iomem ranges nest depends on who inserted last. By default a CXL Window sits
    // outside an equal Soft Reserved range; this puts Soft Reserved outermost instead (what the
    // kernel shows when hmem inserts it after the window, e.g. after a region assembly failure).
    void set_soft_reserved_outermost(bool outermost) { soft_reserved_outermost_ = outermost; }
    // Replace the generated /proc/iomem with this text.
    void set_iomem(const std::string& text) { iomem_text_ = text; }
    // Write /sys/firmware/memmap (on by default).
    void set_firmware_memmap(bool enabled) { firmware_memmap_ = enabled; }
    // Performance facts (written only when set): regionZ/access0/ and access1/ with these figures
    // (kernels from 6.9, V7_0 here, compute them from CDAT); the node's memory tier
    // (memory_tiering/memory_tierN/nodelist); the QoS class of every window and memdev ram
    // (6.8+, "-1" when unset, as a platform without QTG _DSM shows).
    void set_region_access(int region_id, const NodeAccess& access) {
        region_access_[region_id] = access;
    }
    void set_memory_tier(int node, int tier) { memory_tiers_[node] = tier; }
    void set_qos_class(int qos_class) { qos_class_ = qos_class; }

    std::uint64_t block_size() const { return block_size_; }
    // The /proc/iomem text write() would produce.
    std::string iomem() const;

    // Writes proc/ and sys/ below `dir` (created if missing; must not hold an older tree).
    // Throws std::runtime_error naming the path on failure.
    void write(const std::string& dir) const;

  private:
    struct Block {
        int node = 0;
        std::string state;
        std::string zones;
    };
    struct FirmwareEntry {
        std::uint64_t start = 0;
        std::uint64_t end = 0;  // inclusive
        std::string type;
    };
    struct IomemLine {
        std::uint64_t start = 0;
        std::uint64_t end = 0;  // inclusive
        std::string name;
        int rank = 0;  // among equal ranges, lower ranks are printed outside
    };

    std::vector<IomemLine> iomem_lines() const;

    Kernel kernel_;
    std::vector<Window> windows_;
    std::vector<Memdev> memdevs_;
    std::vector<Region> regions_;
    std::vector<Hmem> hmem_;
    std::vector<DaxDevice> dax_;
    std::vector<DcExtent> dc_extents_;
    std::map<std::pair<int, int>, std::string> dc_tags_;  // by (region, id)
    std::vector<Node> nodes_;
    std::map<std::uint64_t, Block> blocks_;
    std::vector<FirmwareEntry> firmware_;
    std::vector<IomemLine> extra_iomem_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> soft_reserved_iomem_;
    std::uint64_t block_size_ = 128 * MiB;
    std::string auto_online_ = "offline";
    std::string cmdline_ = "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro quiet";
    std::string osrelease_;
    bool soft_reserved_outermost_ = false;
    std::optional<std::string> iomem_text_;
    bool firmware_memmap_ = true;
    std::map<int, NodeAccess> region_access_;  // by region id
    std::map<int, int> memory_tiers_;          // node -> tier
    std::optional<int> qos_class_;

    friend class TreeWriter;
};

}  // namespace srmd::fake
