// srmd-mkmachine: writes a fake machine (proc/ and sys/) into a directory.
//
//   srmd-mkmachine SCENARIO DIR           one of the constructed fixture scenarios
//   srmd-mkmachine synthetic DIR [--one-node]
//                                         the large machine of the snapshot benchmark
//   srmd-mkmachine --list                 the scenario names
//
// The constructed scenarios model what no VM here produces (kernel-interfaces.md §5); each writes
// a DESCRIPTION file saying what it models and where its numbers come from.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fake-machine.hpp"

using namespace srmd::fake;

namespace {

// The low memory map of a QEMU q35 guest with 2 GiB of RAM below 4 GiB, as the kernel-6.1
// captures show it; 128 MiB memory blocks (x86 with less than 64 GiB of boot memory).
void q35_low_memory(FakeMachine& m) {
    m.set_block_size(128 * MiB);
    m.add_iomem_line(0x0, 0xfff, "Reserved");
    m.add_boot_ram(0x1000, 0x9ec00, 0);
    m.add_iomem_line(0x9fc00, 0x9ffff, "Reserved");
    m.add_iomem_line(0xf0000, 0xfffff, "Reserved");
    m.add_boot_ram(0x100000, 0x7fee0000, 0);
    m.add_iomem_line(0x7ffe0000, 0x7fffffff, "Reserved");
    m.add_iomem_line(0xb0000000, 0xbfffffff, "PCI MMCONFIG 0000 [bus 00-ff]");
    m.add_iomem_line(0xfec00000, 0xfec003ff, "IOAPIC 0");
    m.add_iomem_line(0xfee00000, 0xfee00fff, "Local APIC");
    m.add_iomem_line(0xfffc0000, 0xffffffff, "Reserved");
    m.set_cmdline("BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro console=ttyS0");
}

// A bare-metal x86 server with boot RAM up to 0x207fffffff (130 GiB): the kernel picks 2 GiB memory
// blocks. Lines below 4 GiB follow kernel-interfaces.md §5(a). With two sockets, the upper 64 GiB
// of boot RAM and CPUs 32-63 are node 1.
void server_low_memory(FakeMachine& m, bool two_sockets) {
    m.set_block_size(2 * GiB);
    m.add_iomem_line(0x0, 0xfff, "Reserved");
    m.add_boot_ram(0x1000, 0x9f000, 0);
    m.add_boot_ram(0x100000, 0x6d6ff000, 0);
    m.add_iomem_line(0x6d7ff000, 0x6fffffff, "Reserved");
    m.add_iomem_line(0x80000000, 0x8fffffff, "PCI MMCONFIG 0000 [bus 00-ff]");
    m.add_boot_ram(0x100000000, 0x1f80000000, 0);  // one e820 range to 0x207fffffff
    if (two_sockets) {
        m.add_memory_blocks(0x1080000000, 64 * GiB, 1, "online", "Normal");
        m.add_node({0, "0-31", std::nullopt});
        m.add_node({1, "32-63", std::nullopt});
    } else {
        m.add_node({0, "0-31", std::nullopt});
    }
    m.set_cmdline("BOOT_IMAGE=/boot/vmlinuz-amd64 root=UUID=3f1c0b2e ro quiet");
}

struct Scenario {
    const char* name;
    const char* description;  // first line: what it models; then the details and sources
    std::function<void(FakeMachine&)> build;
    Kernel kernel;
};

// §5(a) with windows at TW-DEC's layout but 2 GiB aligned and 16 GiB each, so that 2 GiB blocks
// do not trim them and the tree stays small.
void two_windows(FakeMachine& m, bool kmem) {
    server_low_memory(m, true);
    m.add_node({2, "", NodeAccess{0, 160, 160, 48000, 48000}});
    const std::uint64_t base = 0x2080000000, size = 16 * GiB;
    // TW-DEC: e820 reported one merged Soft Reserved range over both windows.
    m.add_soft_reserved(base, 2 * size, false);
    for (int i = 0; i < 2; ++i) {
        std::uint64_t start = base + i * size;
        m.add_window({start, size, true, false, false, {0}, 256});
        int md = m.add_memdev({0, size, 0, 0x1c2a0000000001ULL + i, 0});
        m.add_region(
            {i, i, start, size, "ram", true, true, std::nullopt, {md}, 256, DaxRegionState::Bound});
        std::string driver = kmem ? "kmem" : i == 0 ? "device_dax" : "";
        m.add_dax_device({DaxParent::Cxl, i, 0, start, size, 2, 0, 2 * MiB, driver});
        if (kmem)
            m.add_memory_blocks(start, size, 2, "online", "Movable");
    }
}

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> list = {
        {"two-windows-kmem",
         "Two CXL windows, each with an auto-assembled ram region onlined by kmem as Movable.\n"
         "Models kernel-interfaces.md §5(a): TW-DEC's physical machine (2 CFMWS, 1 host bridge,\n"
         "2 CXL devices, both on NUMA node 2, e820 reporting one merged Soft Reserved range over\n"
         "both windows). Kernel 7.0 layout: region `mode` present; the kernel gave both ranges to\n"
         "CXL so /proc/iomem has no Soft Reserved line, only /sys/firmware/memmap has it.\n"
         "Constructed: TW-DEC's windows are 256 GiB at 0x2070000000; here they are 16 GiB at\n"
         "0x2080000000 and 0x2480000000 so that the 2 GiB memory blocks x86 uses above 64 GiB do\n"
         "not trim them and the tree stays small. auto_online_blocks=online_movable (§5(a)).\n"
         "Performance as a 7.0 kernel shows it: each region's CDAT-derived access0/access1 equal\n"
         "to node 2's HMAT figures, QoS class 0 (the QTG _DSM's answer on the kernel-7.2\n"
         "captures), DRAM node 0 in memory_tier4 and node 2 in memory_tier22 (the default dax\n"
         "distance, 5 x 576, with no DRAM figures to compare with; node 2's tier on the 7.2\n"
         "captures).\n",
         [](FakeMachine& m) {
             two_windows(m, true);
             m.set_auto_online_blocks("online_movable");
             for (int region = 0; region < 2; ++region)
                 m.set_region_access(region, NodeAccess{0, 160, 160, 48000, 48000});
             m.set_qos_class(0);
             m.set_memory_tier(0, 4);
             m.set_memory_tier(2, 22);
         },
         Kernel::V7_0},
        {"hmem-only",
         "HMEM only: no CXL window; hmem.0 holds an 8 GiB Soft Reserved range onlined as Normal.\n"
         "Models kernel-interfaces.md §5(b), the pre-series kernel of GH#246 (sysfs real there:\n"
         "/platform/hmem.0, size 8589934592, dax0.0 target_node 1, system-ram; lsmem\n"
         "0x2080000000-0x227fffffff online Normal, blocks 65-68, block size 2 GiB,\n"
         "auto_online_blocks=online). Kernel 6.8 layout: hmem.0 directly under platform, and, as\n"
         "the kernel-6.1 captures show, an `hmem.0` iomem line above Soft Reserved.\n",
         [](FakeMachine& m) {
             server_low_memory(m, false);
             m.add_node({1, "", std::nullopt});
             m.set_auto_online_blocks("online");
             m.add_soft_reserved(0x2080000000, 8 * GiB, true);
             m.add_hmem({0, 0x2080000000, 8 * GiB, 0, true});
             m.add_dax_device(
                 {DaxParent::Hmem, 0, 0, 0x2080000000, 8 * GiB, 1, 0, 2 * MiB, "kmem"});
             m.add_memory_blocks(0x2080000000, 8 * GiB, 1, "online", "Normal");
         },
         Kernel::V6_8},
        {"region-assembly-failure",
         "Region assembly failure: region0 never committed, so hmem.6 took the range (kmem).\n"
         "Models kernel-interfaces.md §5(c): iomem shape real from V8 [3] (Soft Reserved > CXL\n"
         "Window 0 > region0 > dax6.0 > System RAM (kmem)); sysfs constructed: region0 commit 0,\n"
         "no driver, no dax_region0; dax6.0 under hmem_platform.0/hmem.6 (7.1 layout) bound to\n"
         "kmem, target_node 1. Constructed: V8's window is 128 GiB; here 4 GiB at the same start\n"
         "0x850000000 (32 blocks of 128 MiB, online Movable).\n",
         [](FakeMachine& m) {
             q35_low_memory(m);
             m.add_node({0, "0-1", std::nullopt});
             const std::uint64_t start = 0x850000000, size = 4 * GiB;
             m.add_window({start, size, true, false, false, {0}, 256});
             int md = m.add_memdev({0, size, 0, 0x4d2, 0});
             m.add_region({0,
                           0,
                           start,
                           size,
                           "ram",
                           false,
                           false,
                           std::nullopt,
                           {md},
                           256,
                           DaxRegionState::Absent});
             m.add_soft_reserved(start, size, true);
             m.set_soft_reserved_outermost(true);
             m.add_hmem({6, start, size, 0, true});
             m.add_dax_device({DaxParent::Hmem, 6, 0, start, size, 1, 0, 2 * MiB, "kmem"});
             m.add_memory_blocks(start, size, 1, "online", "Movable");
         },
         Kernel::V7_1},
        {"partial-coverage",
         "Partial coverage: committed region0 (4 GiB) is smaller than its 5 GiB Soft Reserved "
         "range.\n"
         "Models kernel-interfaces.md §5(d2) (constructed, the v8/7.1 rule per §4.3): hmem.7 took\n"
         "the whole range a90000000-bcfffffff but its dax7.0 is unbound (kmem could not reserve\n"
         "the range, which partially overlaps region0); region0 is committed and bound, its\n"
         "dax_region0 exists with no driver and no device (dax_region conflict). Window and "
         "ranges\n"
         "are TW-NOV's QEMU numbers (§5(d1)). 7.1 layout. No memory blocks for the range.\n",
         [](FakeMachine& m) {
             q35_low_memory(m);
             m.add_node({0, "0-1", std::nullopt});
             m.add_node({1, "", std::nullopt});
             const std::uint64_t start = 0xa90000000;
             m.add_window({start, 5 * GiB, true, false, false, {0}, 256});
             int md = m.add_memdev({0, 4 * GiB, 0, 0x4d3, 0});
             m.add_region({0,
                           0,
                           start,
                           4 * GiB,
                           "ram",
                           true,
                           true,
                           std::nullopt,
                           {md},
                           256,
                           DaxRegionState::Unbound});
             m.add_soft_reserved(start, 5 * GiB, true);
             m.set_soft_reserved_outermost(true);
             m.add_hmem({7, start, 5 * GiB, 0, true});
             m.add_dax_device({DaxParent::Hmem, 7, 0, start, 5 * GiB, 1, 0, 2 * MiB, ""});
         },
         Kernel::V7_1},
        {"devdax",
         "devdax: region0's dax0.0 on device_dax, region1's dax1.0 unbound; no memory blocks.\n"
         "Models kernel-interfaces.md §5(e) (constructed from §5(a)): device_dax requests the\n"
         "range under its own name and adds no System RAM (kmem) child; dax1.0 as after\n"
         "`daxctl disable-device dax1.0`. Same machine and windows as two-windows-kmem\n"
         "(16 GiB at 0x2080000000 and 0x2480000000, 2 GiB blocks), kernel 7.0 layout.\n",
         [](FakeMachine& m) { two_windows(m, false); }, Kernel::V7_0},
        {"locked-region",
         "A locked CXL region (7.1 regionZ/locked = 1) onlined by kmem as Movable.\n"
         "Constructed: a firmware-programmed (BIOS-locked) root decoder and region; "
         "regionZ/locked\n"
         "is new in 7.1 (https://lkml.iu.edu/2604.0/01083.html). The window is 8 GiB at\n"
         "0x1050000000, region0 its first 4 GiB, dax0.0 on kmem with 32 blocks of 128 MiB online\n"
         "Movable on node 1. The firmware marked the region Soft Reserved (/sys/firmware/memmap),\n"
         "but 7.1 gives it to CXL and inserts no Soft Reserved line in /proc/iomem.\n",
         [](FakeMachine& m) {
             q35_low_memory(m);
             m.add_node({0, "0-1", std::nullopt});
             const std::uint64_t start = 0x1050000000;
             m.add_window({start, 8 * GiB, true, false, true, {0}, 256});
             int md = m.add_memdev({0, 4 * GiB, 0, 0x4d4, 0});
             m.add_region(
                 {0, 0, start, 4 * GiB, "ram", true, true, true, {md}, 256, DaxRegionState::Bound});
             m.add_soft_reserved(start, 4 * GiB, false);
             m.add_dax_device({DaxParent::Cxl, 0, 0, start, 4 * GiB, 1, 0, 2 * MiB, "kmem"});
             m.add_memory_blocks(start, 4 * GiB, 1, "online", "Movable");
         },
         Kernel::V7_1},
        {"conflict-6x",
         "6.x conflict: hmem.0 holds (kmem) a Soft Reserved range that committed region1 fully "
         "covers.\n"
         "Constructed (kernel-interfaces.md §4.3/§4.4 items 1 and 10): a 6.8 kernel does not\n"
         "coordinate hmem and CXL. hmem.0 registered the 2 GiB Soft Reserved range at boot and\n"
         "dax0.0 is on kmem (16 blocks online Movable, node 1); region1 (auto-assembled later,\n"
         "committed, bound) covers the same range inside the 4 GiB CXL Window 0 at 0x850000000,\n"
         "and its dax_region1 has no driver and no device. iomem nests by insertion order:\n"
         "CXL Window 0 > region1 > hmem.0 > Soft Reserved > dax0.0 > System RAM (kmem).\n",
         [](FakeMachine& m) {
             q35_low_memory(m);
             m.add_node({0, "0-1", std::nullopt});
             const std::uint64_t start = 0x850000000;
             m.add_window({start, 4 * GiB, true, false, false, {0}, 256});
             int md = m.add_memdev({0, 2 * GiB, 0, 0x4d5, 0});
             m.add_region({1,
                           0,
                           start,
                           2 * GiB,
                           "ram",
                           true,
                           true,
                           std::nullopt,
                           {md},
                           256,
                           DaxRegionState::Unbound});
             m.add_soft_reserved(start, 2 * GiB, true);
             m.add_hmem({0, start, 2 * GiB, 0, true});
             m.add_dax_device({DaxParent::Hmem, 0, 0, start, 2 * GiB, 1, 0, 2 * MiB, "kmem"});
             m.add_memory_blocks(start, 2 * GiB, 1, "online", "Movable");
         },
         Kernel::V6_8},
        {"unaligned",
         "Unaligned: a Soft Reserved range kmem must trim, and a dax device smaller than a block.\n"
         "Constructed (kernel-interfaces.md §1.3, §4.4 item 5, GH#243): 128 MiB blocks. hmem.0\n"
         "holds 0x100000000 + 1 GiB 64 MiB; kmem onlined only the aligned 1 GiB (8 blocks, "
         "Movable,\n"
         "node 1; \"DAX region truncated by 64 MiB\"). hmem.1 holds 64 MiB at 0x180000000; kmem\n"
         "rejected it (\"rejecting DAX region without any memory after alignment\"), so dax1.0 is\n"
         "unbound. Kernel 7.0 layout.\n",
         [](FakeMachine& m) {
             q35_low_memory(m);
             m.add_node({0, "0-1", std::nullopt});
             m.add_soft_reserved(0x100000000, 1 * GiB + 64 * MiB, true);
             m.add_hmem({0, 0x100000000, 1 * GiB + 64 * MiB, 0, true});
             m.add_dax_device(
                 {DaxParent::Hmem, 0, 0, 0x100000000, 1 * GiB + 64 * MiB, 1, 0, 2 * MiB, "kmem"});
             m.add_memory_blocks(0x100000000, 1 * GiB, 1, "online", "Movable");
             m.add_soft_reserved(0x180000000, 64 * MiB, true);
             m.add_hmem({1, 0x180000000, 64 * MiB, 0, true});
             m.add_dax_device({DaxParent::Hmem, 1, 0, 0x180000000, 64 * MiB, 1, 0, 2 * MiB, ""});
         },
         Kernel::V7_0},
        {"dcd",
         "Dynamic Capacity (EXPERIMENTAL): a DC region with its 0-size seed dax device, no "
         "extents.\n"
         "Models the posted DCD series v11 (2026-06, on 7.1; notes in daemon/read/dcd-abi.hpp):\n"
         "mem0 has 2 GiB of ram (unused) and a 4 GiB dynamic_ram_1 partition after it; region0,\n"
         "mode dynamic_ram_1, 1 way, 4 GiB at 0x1050000000 in an 8 GiB window, committed and\n"
         "enabled; its endpoint decoder maps DPA 0x80000000 + 4 GiB, mode dynamic_ram_1.\n"
         "dax_region0 is bound, available_size 0 (no capacity added yet); dax0.0 is the seed, "
         "size\n"
         "0, unbound, uuid the null UUID, no mapping attribute (hidden on DC regions). DC "
         "capacity\n"
         "is not firmware Soft Reserved: no memmap entry, no memory blocks. Kernel 7.1 layout.\n",
         [](FakeMachine& m) {
             q35_low_memory(m);
             m.add_node({0, "0-1", std::nullopt});
             m.add_node({1, "", std::nullopt});
             const std::uint64_t start = 0x1050000000;
             m.add_window({start, 8 * GiB, true, false, false, {0}, 256});
             int md = m.add_memdev({0, 2 * GiB, 0, 0x4d5, 0, 4 * GiB});
             m.add_region({0,
                           0,
                           start,
                           4 * GiB,
                           "dynamic_ram_1",
                           true,
                           true,
                           false,
                           {md},
                           256,
                           DaxRegionState::Bound});
             m.add_dax_device({DaxParent::Cxl, 0, 0, start, 0, 1, 0, 2 * MiB, ""});
         },
         Kernel::V7_1},
    };
    return list;
}

// 16 windows of 512 GiB, one host bridge each with four 128 GiB memdevs; one 1-way ram region per
// memdev (64), each with one kmem dax device whose 512 blocks of 256 MiB are online Movable:
// 32768 CXL memory blocks in all. Boot RAM is 16 GiB on node 0.
void synthetic(FakeMachine& m, bool one_node) {
    m.set_block_size(256 * MiB);
    m.set_auto_online_blocks("online_movable");
    m.add_iomem_line(0x0, 0xfff, "Reserved");
    m.add_boot_ram(0x1000, 0x9f000, 0);
    m.add_boot_ram(0x100000, 0x7ff00000, 0);
    m.add_iomem_line(0x80000000, 0x8fffffff, "PCI MMCONFIG 0000 [bus 00-ff]");
    m.add_boot_ram(0x100000000, 14 * GiB, 0);
    m.add_node({0, "0-63", std::nullopt});
    const std::uint64_t base = 0x10000000000;  // 1 TiB
    const std::uint64_t window_size = 512 * GiB, region_size = 128 * GiB;
    for (int w = 0; w < 16; ++w) {
        std::uint64_t window_start = base + w * window_size;
        int node = one_node ? 0 : w + 1;
        if (!one_node)
            m.add_node({node, "", NodeAccess{0, 250, 250, 32000, 32000}});
        m.add_window({window_start, window_size, true, false, false, {w}, 256});
        m.add_soft_reserved(window_start, window_size, false);
        for (int j = 0; j < 4; ++j) {
            int id = w * 4 + j;
            std::uint64_t start = window_start + j * region_size;
            int md = m.add_memdev({w, region_size, 0, 0x5e000000ULL + id, 0});
            m.add_region({id,
                          w,
                          start,
                          region_size,
                          "ram",
                          true,
                          true,
                          std::nullopt,
                          {md},
                          256,
                          DaxRegionState::Bound});
            m.add_dax_device({DaxParent::Cxl, id, 0, start, region_size, node, 0, 2 * MiB, "kmem"});
            m.add_memory_blocks(start, region_size, node, "online", "Movable");
        }
    }
}

bool directory_is_empty_or_missing(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec))
        return true;
    return std::filesystem::is_directory(dir, ec) && std::filesystem::is_empty(dir, ec);
}

int usage() {
    std::fprintf(stderr,
                 "usage: srmd-mkmachine SCENARIO DIR\n"
                 "       srmd-mkmachine synthetic DIR [--one-node]\n"
                 "       srmd-mkmachine --list\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && args[0] == "--list") {
        for (const Scenario& s : scenarios())
            std::printf("%s\n", s.name);
        std::printf("synthetic\n");
        return 0;
    }
    if (args.size() < 2)
        return usage();
    const std::string& name = args[0];
    const std::string& dir = args[1];
    bool one_node = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        if (args[i] == "--one-node" && name == "synthetic")
            one_node = true;
        else
            return usage();
    }
    if (!directory_is_empty_or_missing(dir)) {
        std::fprintf(stderr, "srmd-mkmachine: %s: exists and is not empty\n", dir.c_str());
        return 1;
    }
    try {
        if (name == "synthetic") {
            FakeMachine m(Kernel::V7_0);
            synthetic(m, one_node);
            m.write(dir);
            return 0;
        }
        for (const Scenario& s : scenarios()) {
            if (name != s.name)
                continue;
            FakeMachine m(s.kernel);
            s.build(m);
            m.write(dir);
            FILE* f = std::fopen((dir + "/DESCRIPTION").c_str(), "w");
            if (!f || std::fputs(s.description, f) < 0 || std::fclose(f) != 0) {
                std::fprintf(stderr, "srmd-mkmachine: %s/DESCRIPTION: %s\n", dir.c_str(),
                             std::strerror(errno));
                return 1;
            }
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmd-mkmachine: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "srmd-mkmachine: unknown scenario '%s' (see --list)\n", name.c_str());
    return 2;
}
