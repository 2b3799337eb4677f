// parse_iomem on the real 6.1 captures and on the listings of kernel-interfaces.md §5: the tree is
// rebuilt by address, equal ranges are one node, and unusable text is refused with its location.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "iomem-invariants.hpp"
#include "read/iomem.hpp"
#include "util/error.hpp"

namespace {

using srmd::IomemNode;
using srmd::IomemTree;
using srmd::parse_iomem;
using srmd::SystemError;
using Names = std::vector<std::string>;

std::string read_fixture_iomem(const std::string& tree) {
    const char* fixtures = std::getenv("SRMD_FIXTURES");
    if (!fixtures) {
        ADD_FAILURE() << "SRMD_FIXTURES is not set; run through meson test";
        return "";
    }
    std::string path = std::string(fixtures) + "/kernel-6.1/" + tree + "/proc/iomem";
    std::ifstream in(path);
    if (!in) {
        ADD_FAILURE() << "cannot read " << path;
        return "";
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Parses and checks the structural promises every tree keeps.
IomemTree parse_checked(const std::string& text) {
    IomemTree tree = parse_iomem(text, "/proc/iomem");
    EXPECT_EQ(srmd::testing::iomem_tree_problem(tree, srmd::testing::count_iomem_lines(text)), "");
    return tree;
}

// The single node with exactly this range; fails the test when there is none.
const IomemNode& node_at(const IomemTree& tree, std::uint64_t start, std::uint64_t end) {
    for (const IomemNode& node : tree.nodes) {
        if (node.start == start && node.end == end)
            return node;
    }
    ADD_FAILURE() << "no node " << std::hex << start << "-" << end;
    static const IomemNode none;
    return none;
}

// The names of a node's children (each child's first name), in order.
Names child_names(const IomemTree& tree, const IomemNode& node) {
    Names names;
    for (int child : node.children)
        names.push_back(tree.nodes[child].names.front());
    return names;
}

Names root_names(const IomemTree& tree) {
    Names names;
    for (int root : tree.roots)
        names.push_back(tree.nodes[root].names.front());
    return names;
}

const IomemNode* parent_of(const IomemTree& tree, const IomemNode& node) {
    return node.parent < 0 ? nullptr : &tree.nodes[node.parent];
}

// What SystemError parse_iomem throws for `text`, or "" when it parses.
std::string error_for(const std::string& text, const std::string& path = "/proc/iomem") {
    try {
        parse_iomem(text, path);
    } catch (const SystemError& e) {
        return e.what();
    }
    return "";
}

TEST(IomemFixtures, BothTreeMergesTheHmemStackIntoOneNode) {
    IomemTree tree = parse_checked(read_fixture_iomem("both"));
    const IomemNode& hmem = node_at(tree, 0x100000000, 0x13fffffff);
    EXPECT_EQ(hmem.names, (Names{"hmem.0", "Soft Reserved", "dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(hmem.parent, -1);
    EXPECT_TRUE(hmem.children.empty());
    EXPECT_EQ(hmem.size(), 0x40000000u);
    EXPECT_TRUE(hmem.has_name("Soft Reserved"));
    EXPECT_FALSE(hmem.has_name("Soft"));
    EXPECT_EQ(hmem.name_with_prefix("System RAM"), "System RAM (kmem)");
    EXPECT_EQ(hmem.name_with_prefix("CXL Window "), "");
}

TEST(IomemFixtures, BothTreeNestsTheCxlPmemRegionUnderItsWindow) {
    IomemTree tree = parse_checked(read_fixture_iomem("both"));
    const IomemNode& window = node_at(tree, 0x150000000, 0x24fffffff);
    EXPECT_EQ(window.names, (Names{"CXL Window 0"}));
    EXPECT_EQ(window.parent, -1);
    ASSERT_EQ(window.children.size(), 1u);
    const IomemNode& region = tree.nodes[window.children[0]];
    EXPECT_EQ(region.start, 0x150000000u);
    EXPECT_EQ(region.end, 0x15fffffffu);
    EXPECT_EQ(region.names, (Names{"Persistent Memory", "region1"}));
    EXPECT_EQ(child_names(tree, region), (Names{"namespace1.0", "dax1.0"}));
    const IomemNode& dax = node_at(tree, 0x150600000, 0x15fffffff);
    EXPECT_EQ(parent_of(tree, dax), &region);
}

TEST(IomemFixtures, BothTreeTopLevelAndPciNesting) {
    IomemTree tree = parse_checked(read_fixture_iomem("both"));
    EXPECT_EQ(root_names(tree), (Names{"Reserved",        "System RAM",
                                       "Reserved",        "PCI Bus 0000:00",
                                       "Video ROM",       "Reserved",
                                       "System RAM",      "Reserved",
                                       "PCI Bus 0000:00", "PCI MMCONFIG 0000 [bus 00-ff]",
                                       "PCI Bus 0000:00", "PCI Bus 0000:0c",
                                       "PCI Bus 0000:00", "PCI Bus 0000:0c",
                                       "IOAPIC 0",        "HPET 0",
                                       "Reserved",        "Local APIC",
                                       "Reserved",        "hmem.0",
                                       "CXL Window 0",    "PCI Bus 0000:00",
                                       "Reserved"}));

    const IomemNode& ram = node_at(tree, 0x00100000, 0x7ffdffff);
    EXPECT_EQ(child_names(tree, ram),
              (Names{"Kernel code", "Kernel rodata", "Kernel data", "Kernel bss"}));

    const IomemNode& mmconfig = node_at(tree, 0xb0000000, 0xbfffffff);
    EXPECT_EQ(mmconfig.names, (Names{"PCI MMCONFIG 0000 [bus 00-ff]", "Reserved", "pnp 00:05"}));

    const IomemNode& bus0c = node_at(tree, 0xfe600000, 0xfe80ffff);
    EXPECT_EQ(child_names(tree, bus0c), (Names{"PCI Bus 0000:0d", "0000:0c:00.0"}));
    const IomemNode& bus0d = node_at(tree, 0xfe600000, 0xfe7fffff);
    EXPECT_EQ(child_names(tree, bus0d), (Names{"0000:0d:00.0", "0000:0d:00.0", "0000:0d:00.0"}));
    EXPECT_EQ(node_at(tree, 0xfe600000, 0xfe60ffff).names, (Names{"0000:0d:00.0", "endpoint2"}));
    const IomemNode& bar = node_at(tree, 0xfe610000, 0xfe610fff);
    EXPECT_EQ(parent_of(tree, bar), &bus0d);
    EXPECT_EQ(bar.children.size(), 3u);

    // fea00000-febfffff is printed twice (bus 0c and bus 0d): one node, both names.
    EXPECT_EQ(node_at(tree, 0xfea00000, 0xfebfffff).names,
              (Names{"PCI Bus 0000:0c", "PCI Bus 0000:0d"}));
}

TEST(IomemFixtures, EveryCaptureParsesWithoutLosingALine) {
    for (const char* tree_name : {"both", "cxl-no-region", "cxl-pmem-region", "hmem-devdax",
                                  "hmem-high-kmem-normal", "hmem-kmem-movable"}) {
        SCOPED_TRACE(tree_name);
        std::string text = read_fixture_iomem(tree_name);
        ASSERT_FALSE(text.empty());
        parse_checked(text);
    }
}

TEST(IomemFixtures, HmemDevdaxAndKmemTrees) {
    IomemTree devdax = parse_checked(read_fixture_iomem("hmem-devdax"));
    EXPECT_EQ(node_at(devdax, 0x40000000, 0x5fffffff).names,
              (Names{"hmem.0", "Soft Reserved", "dax0.0"}));
    ASSERT_EQ(devdax.find("Soft Reserved").size(), 1u);
    EXPECT_TRUE(devdax.find("System RAM (kmem)").empty());

    IomemTree movable = parse_checked(read_fixture_iomem("hmem-kmem-movable"));
    EXPECT_EQ(node_at(movable, 0x40000000, 0x5fffffff).names,
              (Names{"hmem.0", "Soft Reserved", "dax0.0", "System RAM (kmem)"}));

    IomemTree high = parse_checked(read_fixture_iomem("hmem-high-kmem-normal"));
    std::vector<const IomemNode*> ram = high.find("System RAM");
    ASSERT_EQ(ram.size(), 4u);
    EXPECT_EQ(ram[2]->start, 0x100000000u);
    EXPECT_EQ(ram[3]->start, 0x160000000u);
    EXPECT_EQ(node_at(high, 0x140000000, 0x15fffffff).names,
              (Names{"hmem.0", "Soft Reserved", "dax0.0", "System RAM (kmem)"}));
}

TEST(IomemFixtures, CxlNoRegionHasAnEmptyWindow) {
    IomemTree tree = parse_checked(read_fixture_iomem("cxl-no-region"));
    std::vector<const IomemNode*> windows = tree.find_prefix("CXL Window ");
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_EQ(windows[0]->start, 0x110000000u);
    EXPECT_EQ(windows[0]->size(), 0x100000000u);
    EXPECT_TRUE(windows[0]->children.empty());

    const IomemNode& bus = node_at(tree, 0xfec00000, 0xffffffff);
    EXPECT_EQ(child_names(tree, bus),
              (Names{"IOAPIC 0", "HPET 0", "Reserved", "Local APIC", "Reserved"}));
    EXPECT_EQ(node_at(tree, 0xfed00000, 0xfed003ff).names, (Names{"HPET 0", "PNP0103:00"}));
}

TEST(IomemFixtures, CxlPmemRegion) {
    IomemTree tree = parse_checked(read_fixture_iomem("cxl-pmem-region"));
    const IomemNode& region = node_at(tree, 0x110000000, 0x11fffffff);
    EXPECT_EQ(region.names, (Names{"Persistent Memory", "region0"}));
    EXPECT_EQ(parent_of(tree, region)->names, (Names{"CXL Window 0"}));
    EXPECT_EQ(child_names(tree, region), (Names{"namespace0.0", "dax0.0"}));
}

TEST(IomemQueries, FindFindPrefixAndInnermostContaining) {
    IomemTree tree = parse_checked(read_fixture_iomem("both"));

    std::vector<const IomemNode*> buses = tree.find("PCI Bus 0000:00");
    std::vector<std::uint64_t> starts;
    for (const IomemNode* node : buses)
        starts.push_back(node->start);
    EXPECT_EQ(starts, (std::vector<std::uint64_t>{0xa0000, 0x80000000, 0xc0000000, 0xfe810000,
                                                  0x280000000}));
    // A name that only some node carries as a later name is still found.
    ASSERT_EQ(tree.find("dax0.0").size(), 1u);
    EXPECT_EQ(tree.find("dax0.0")[0]->start, 0x100000000u);
    EXPECT_TRUE(tree.find("PCI Bus").empty());

    std::vector<const IomemNode*> pci = tree.find_prefix("PCI Bus ");
    EXPECT_EQ(pci.size(), 8u);  // five 0000:00, two 0000:0c, one 0000:0d on its own range
    EXPECT_EQ(tree.find_prefix("dax").size(), 2u);
    EXPECT_TRUE(tree.find_prefix("CXL Window 1").empty());

    const IomemNode* dax = tree.innermost_containing(0x150600000, 0x1000);
    ASSERT_NE(dax, nullptr);
    EXPECT_EQ(dax->names, (Names{"dax1.0"}));
    const IomemNode* hmem = tree.innermost_containing(0x100000000, 0x40000000);
    ASSERT_NE(hmem, nullptr);
    EXPECT_EQ(hmem->start, 0x100000000u);
    // Straddles namespace1.0 and dax1.0: the region holds it.
    const IomemNode* region = tree.innermost_containing(0x150500000, 0x200000);
    ASSERT_NE(region, nullptr);
    EXPECT_TRUE(region->has_name("region1"));
    const IomemNode* window = tree.innermost_containing(0x24fffffff, 1);
    ASSERT_NE(window, nullptr);
    EXPECT_TRUE(window->has_name("CXL Window 0"));
    // The gap between the hmem range and the window, a range crossing a node's end, an empty
    // range and one that wraps past 2^64 are inside nothing.
    EXPECT_EQ(tree.innermost_containing(0x140000000, 0x1000), nullptr);
    EXPECT_EQ(tree.innermost_containing(0x13ffff000, 0x2000), nullptr);
    EXPECT_EQ(tree.innermost_containing(0x150000000, 0), nullptr);
    EXPECT_EQ(tree.innermost_containing(0xfffffffffffff000, 0x2000), nullptr);
}

// kernel-interfaces.md §5 (a): two CXL windows, auto-assembled ram regions onlined by kmem.
const char* const two_windows_kmem =
    "00000000-00000fff : Reserved\n"
    "00001000-0009ffff : System RAM\n"
    "00100000-6d7fefff : System RAM\n"
    "6d7ff000-6fffffff : Reserved\n"
    "80000000-8fffffff : PCI MMCONFIG 0000 [bus 00-ff]\n"
    "100000000-206fffffff : System RAM\n"
    "2070000000-606fffffff : CXL Window 0\n"
    "  2070000000-606fffffff : region0\n"
    "    2070000000-606fffffff : dax0.0\n"
    "      2070000000-606fffffff : System RAM (kmem)\n"
    "6070000000-a06fffffff : CXL Window 1\n"
    "  6070000000-a06fffffff : region1\n"
    "    6070000000-a06fffffff : dax1.0\n"
    "      6070000000-a06fffffff : System RAM (kmem)\n";

// §5 (a), two regions in one window.
const char* const two_regions_one_window =
    "a90000000-c8fffffff : CXL Window 0\n"
    "  a90000000-b8fffffff : region0\n"
    "    a90000000-b8fffffff : dax0.0\n"
    "      a90000000-b8fffffff : System RAM (kmem)\n"
    "  b90000000-c8fffffff : region1\n"
    "    b90000000-c8fffffff : dax1.0\n"
    "      b90000000-c8fffffff : System RAM (kmem)\n";

// §5 (b): HMEM only, the window inserted before Soft Reserved.
const char* const window_above_soft_reserved =
    "850000000-284fffffff : CXL Window 0\n"
    "  850000000-284fffffff : Soft Reserved\n"
    "    850000000-284fffffff : dax0.0\n"
    "      850000000-284fffffff : System RAM (kmem)\n";

// §5 (b): a pre-series kernel with no CXL window.
const char* const soft_reserved_no_window =
    "100000000-207fffffff : System RAM\n"
    "2080000000-227fffffff : Soft Reserved\n"
    "  2080000000-227fffffff : dax0.0\n"
    "    2080000000-227fffffff : System RAM (kmem)\n";

// §5 (c): region assembly failed and HMEM took the range; Soft Reserved printed above the window.
const char* const soft_reserved_above_window =
    "850000000-284fffffff : Soft Reserved\n"
    "  850000000-284fffffff : CXL Window 0\n"
    "    850000000-284fffffff : region0\n"
    "      850000000-284fffffff : dax6.0\n"
    "        850000000-284fffffff : System RAM (kmem)\n";

// §5 (d1): the region covers only part of the window.
const char* const partial_region =
    "a90000000-bcfffffff : CXL Window 0\n"
    "  a90000000-b8fffffff : region0\n"
    "    a90000000-b8fffffff : dax0.0\n"
    "      a90000000-b8fffffff : System RAM (kmem)\n";

// §5 (d2): the same under the 7.1 rule, Soft Reserved kept above the window.
const char* const partial_region_soft_reserved =
    "a90000000-bcfffffff : Soft Reserved\n"
    "  a90000000-bcfffffff : CXL Window 0\n"
    "    a90000000-b8fffffff : region0\n";

// §5 (d3): a listing whose indentation contradicts its addresses (dax6.0 is printed under a
// region smaller than itself). Not something the kernel produces; here it shows that the
// addresses, not the indentation, decide.
const char* const indentation_contradicts_addresses =
    "850000000-284fffffff : Soft Reserved\n"
    "  850000000-284fffffff : CXL Window 0\n"
    "    850000000-280fffffff : region0\n"
    "      850000000-284fffffff : dax6.0\n"
    "        850000000-284fffffff : System RAM (kmem)\n";

// §5 (e): devdax mode, and region1's device unbound.
const char* const devdax_windows =
    "2070000000-606fffffff : CXL Window 0\n"
    "  2070000000-606fffffff : region0\n"
    "    2070000000-606fffffff : dax0.0\n"
    "6070000000-a06fffffff : CXL Window 1\n"
    "  6070000000-a06fffffff : region1\n";

// §5 (e): an hmem range split into a kmem device and a devdax device.
const char* const hmem_split =
    "2080000000-227fffffff : Soft Reserved\n"
    "  2080000000-217fffffff : dax0.0\n"
    "    2080000000-217fffffff : System RAM (kmem)\n"
    "  2180000000-227fffffff : dax0.1\n";

TEST(IomemReference, TwoWindowsWithKmemRegions) {
    IomemTree tree = parse_checked(two_windows_kmem);
    EXPECT_EQ(root_names(tree), (Names{"Reserved", "System RAM", "System RAM", "Reserved",
                                       "PCI MMCONFIG 0000 [bus 00-ff]", "System RAM",
                                       "CXL Window 0", "CXL Window 1"}));
    std::vector<const IomemNode*> windows = tree.find_prefix("CXL Window ");
    ASSERT_EQ(windows.size(), 2u);
    EXPECT_EQ(windows[0]->names, (Names{"CXL Window 0", "region0", "dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(windows[1]->names, (Names{"CXL Window 1", "region1", "dax1.0", "System RAM (kmem)"}));
    EXPECT_EQ(windows[0]->start, 0x2070000000u);
    EXPECT_EQ(windows[0]->size(), 0x4000000000u);
    EXPECT_TRUE(windows[0]->children.empty());
    EXPECT_EQ(tree.find("System RAM (kmem)").size(), 2u);
}

TEST(IomemReference, TwoRegionsInOneWindow) {
    IomemTree tree = parse_checked(two_regions_one_window);
    ASSERT_EQ(tree.roots.size(), 1u);
    const IomemNode& window = tree.nodes[tree.roots[0]];
    EXPECT_EQ(window.names, (Names{"CXL Window 0"}));
    ASSERT_EQ(window.children.size(), 2u);
    EXPECT_EQ(tree.nodes[window.children[0]].names,
              (Names{"region0", "dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(tree.nodes[window.children[1]].names,
              (Names{"region1", "dax1.0", "System RAM (kmem)"}));
    const IomemNode* inner = tree.innermost_containing(0xb90000000, 0x10000000);
    ASSERT_NE(inner, nullptr);
    EXPECT_TRUE(inner->has_name("region1"));
    // Crossing from region0 into region1: only the window holds it.
    const IomemNode* across = tree.innermost_containing(0xb80000000, 0x20000000);
    ASSERT_NE(across, nullptr);
    EXPECT_EQ(across->names, (Names{"CXL Window 0"}));
}

TEST(IomemReference, SoftReservedAndWindowInEitherOrderAreOneNode) {
    IomemTree window_first = parse_checked(window_above_soft_reserved);
    IomemTree soft_first = parse_checked(soft_reserved_above_window);
    ASSERT_EQ(window_first.nodes.size(), 1u);
    ASSERT_EQ(soft_first.nodes.size(), 1u);
    const IomemNode& a = window_first.nodes[0];
    const IomemNode& b = soft_first.nodes[0];
    EXPECT_EQ(a.start, 0x850000000u);
    EXPECT_EQ(a.end, 0x284fffffffu);
    EXPECT_EQ(b.start, a.start);
    EXPECT_EQ(b.end, a.end);
    EXPECT_EQ(a.names, (Names{"CXL Window 0", "Soft Reserved", "dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(b.names,
              (Names{"Soft Reserved", "CXL Window 0", "region0", "dax6.0", "System RAM (kmem)"}));
    EXPECT_EQ(window_first.find("Soft Reserved"), window_first.find_prefix("CXL Window "));
    EXPECT_EQ(soft_first.find("Soft Reserved"), soft_first.find_prefix("CXL Window "));
}

TEST(IomemReference, SwappingEqualRangesKeepsTheShape) {
    // (d2) as printed, and with the two equal-range lines printed the other way round.
    std::string swapped =
        "a90000000-bcfffffff : CXL Window 0\n"
        "  a90000000-bcfffffff : Soft Reserved\n"
        "    a90000000-b8fffffff : region0\n";
    IomemTree printed = parse_checked(partial_region_soft_reserved);
    IomemTree other = parse_checked(swapped);
    ASSERT_EQ(printed.nodes.size(), 2u);
    ASSERT_EQ(other.nodes.size(), 2u);
    for (const IomemTree* tree : {&printed, &other}) {
        const IomemNode& top = tree->nodes[0];
        EXPECT_EQ(top.start, 0xa90000000u);
        EXPECT_EQ(top.end, 0xbcfffffffu);
        EXPECT_TRUE(top.has_name("Soft Reserved"));
        EXPECT_TRUE(top.has_name("CXL Window 0"));
        EXPECT_EQ(top.children, (std::vector<int>{1}));
        EXPECT_EQ(tree->nodes[1].names, (Names{"region0"}));
        EXPECT_EQ(tree->nodes[1].parent, 0);
    }
    EXPECT_EQ(printed.nodes[0].names, (Names{"Soft Reserved", "CXL Window 0"}));
    EXPECT_EQ(other.nodes[0].names, (Names{"CXL Window 0", "Soft Reserved"}));
}

TEST(IomemReference, SoftReservedWithoutWindowAndHmemSplit) {
    IomemTree plain = parse_checked(soft_reserved_no_window);
    ASSERT_EQ(plain.nodes.size(), 2u);
    EXPECT_EQ(plain.nodes[1].names, (Names{"Soft Reserved", "dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(plain.nodes[1].parent, -1);

    IomemTree split = parse_checked(hmem_split);
    ASSERT_EQ(split.roots.size(), 1u);
    const IomemNode& soft = split.nodes[split.roots[0]];
    EXPECT_EQ(soft.names, (Names{"Soft Reserved"}));
    ASSERT_EQ(soft.children.size(), 2u);
    EXPECT_EQ(split.nodes[soft.children[0]].names, (Names{"dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(split.nodes[soft.children[1]].names, (Names{"dax0.1"}));
    EXPECT_EQ(split.nodes[soft.children[1]].size(), 0x100000000u);
}

TEST(IomemReference, PartialCoverage) {
    IomemTree d1 = parse_checked(partial_region);
    ASSERT_EQ(d1.nodes.size(), 2u);
    EXPECT_EQ(d1.nodes[0].names, (Names{"CXL Window 0"}));
    EXPECT_EQ(d1.nodes[0].size(), 0x140000000u);
    EXPECT_EQ(d1.nodes[1].names, (Names{"region0", "dax0.0", "System RAM (kmem)"}));
    EXPECT_EQ(d1.nodes[1].parent, 0);
    EXPECT_EQ(d1.nodes[1].size(), 0x100000000u);

    // The part of the window past the region belongs to the window alone.
    const IomemNode* tail = d1.innermost_containing(0xb90000000, 0x40000000);
    ASSERT_NE(tail, nullptr);
    EXPECT_EQ(tail->names, (Names{"CXL Window 0"}));
}

TEST(IomemReference, AddressesWinOverContradictingIndentation) {
    IomemTree tree = parse_checked(indentation_contradicts_addresses);
    ASSERT_EQ(tree.nodes.size(), 2u);
    EXPECT_EQ(tree.nodes[0].names,
              (Names{"Soft Reserved", "CXL Window 0", "dax6.0", "System RAM (kmem)"}));
    EXPECT_EQ(tree.nodes[1].names, (Names{"region0"}));
    EXPECT_EQ(tree.nodes[1].parent, 0);
}

TEST(IomemReference, DevdaxWindows) {
    IomemTree tree = parse_checked(devdax_windows);
    ASSERT_EQ(tree.nodes.size(), 2u);
    EXPECT_EQ(tree.nodes[0].names, (Names{"CXL Window 0", "region0", "dax0.0"}));
    EXPECT_EQ(tree.nodes[1].names, (Names{"CXL Window 1", "region1"}));
    EXPECT_TRUE(tree.find("System RAM (kmem)").empty());
}

TEST(IomemNesting, DepthBeyondTheKernelsIndentationCap) {
    // Eight nested levels. The kernel stops indenting at five levels (ten spaces), so L5, L6 and
    // L7 are printed alike; so are L7b (inside L6) and L6b (inside L5 but past L6's end).
    std::string text =
        "100000000-1ffffffff : L0\n"
        "  110000000-1efffffff : L1\n"
        "    120000000-1dfffffff : L2\n"
        "      130000000-1cfffffff : L3\n"
        "        140000000-1bfffffff : L4\n"
        "          150000000-1afffffff : L5\n"
        "          160000000-19fffffff : L6\n"
        "          170000000-18fffffff : L7\n"
        "          190000000-19000ffff : L7b\n"
        "          1a0000000-1a0ffffff : L6b\n"
        "  1f0000000-1ffffffff : L1b\n";
    IomemTree tree = parse_checked(text);
    auto parent_name = [&](const char* name) -> std::string {
        std::vector<const IomemNode*> found = tree.find(name);
        if (found.size() != 1)
            return "not found once";
        const IomemNode* parent = parent_of(tree, *found[0]);
        return parent ? parent->names.front() : "(root)";
    };
    EXPECT_EQ(parent_name("L0"), "(root)");
    EXPECT_EQ(parent_name("L1"), "L0");
    EXPECT_EQ(parent_name("L2"), "L1");
    EXPECT_EQ(parent_name("L3"), "L2");
    EXPECT_EQ(parent_name("L4"), "L3");
    EXPECT_EQ(parent_name("L5"), "L4");
    EXPECT_EQ(parent_name("L6"), "L5");
    EXPECT_EQ(parent_name("L7"), "L6");
    EXPECT_EQ(parent_name("L7b"), "L6");
    EXPECT_EQ(parent_name("L6b"), "L5");
    EXPECT_EQ(parent_name("L1b"), "L0");
    const IomemNode* deepest = tree.innermost_containing(0x175000000, 0x1000);
    ASSERT_NE(deepest, nullptr);
    EXPECT_EQ(deepest->names, (Names{"L7"}));
}

TEST(IomemNesting, IndentationIsIgnoredEntirely) {
    // The same resources with no indentation at all and printed out of order.
    std::string text =
        "00002000-00002fff : b\n"
        "00000000-0000ffff : outer\n"
        "00001000-00001fff : a\n"
        "00001000-000010ff : a0\n";
    IomemTree tree = parse_checked(text);
    EXPECT_EQ(root_names(tree), (Names{"outer"}));
    EXPECT_EQ(child_names(tree, tree.nodes[0]), (Names{"a", "b"}));
    EXPECT_EQ(child_names(tree, node_at(tree, 0x1000, 0x1fff)), (Names{"a0"}));
}

TEST(IomemNesting, PartialOverlapBecomesASiblingAndKeepsEveryLine) {
    std::string text =
        "00000000-00000fff : P\n"
        "  00000000-000000ff : A\n"
        "  00000080-000001ff : B\n"
        "    00000100-0000017f : C\n"
        "00000800-00001fff : D\n";
    IomemTree tree = parse_checked(text);
    const IomemNode& p = node_at(tree, 0x0, 0xfff);
    EXPECT_EQ(child_names(tree, p), (Names{"A", "B"}));
    EXPECT_EQ(parent_of(tree, node_at(tree, 0x100, 0x17f))->names, (Names{"B"}));
    // D overlaps P's end: it goes beside P, not under it.
    EXPECT_EQ(root_names(tree), (Names{"P", "D"}));
}

TEST(IomemParsing, NamesWithSpacesColonsAndSeparators) {
    std::string text =
        "b0000000-bfffffff : PCI MMCONFIG 0000 [bus 00-ff]\n"
        "c0000000-c0000fff : odd : name - with separators\n"
        "c0001000-c0001fff :  leading space\n";
    IomemTree tree = parse_checked(text);
    ASSERT_EQ(tree.nodes.size(), 3u);
    EXPECT_EQ(tree.nodes[0].names, (Names{"PCI MMCONFIG 0000 [bus 00-ff]"}));
    EXPECT_EQ(tree.nodes[1].names, (Names{"odd : name - with separators"}));
    EXPECT_EQ(tree.nodes[2].names, (Names{" leading space"}));
}

TEST(IomemParsing, LastLineWithoutNewlineAndFullWidthAddresses) {
    IomemTree tree = parse_checked(
        "0-ffffffffffffffff : everything\n"
        "  00000000fed00000-00000000fed003ff : HPET 0");
    ASSERT_EQ(tree.nodes.size(), 2u);
    EXPECT_EQ(tree.nodes[0].end, 0xffffffffffffffffu);
    EXPECT_EQ(tree.nodes[1].start, 0xfed00000u);
    EXPECT_EQ(tree.nodes[1].parent, 0);
    const IomemNode* hpet = tree.innermost_containing(0xfed00000, 0x400);
    ASSERT_NE(hpet, nullptr);
    EXPECT_EQ(hpet->names, (Names{"HPET 0"}));
}

TEST(IomemErrors, HiddenAddressesAskForCapSysAdmin) {
    // What a reader without CAP_SYS_ADMIN sees: the real listing with every address zeroed.
    std::string real = read_fixture_iomem("both");
    std::string hidden;
    std::size_t pos = 0;
    while (pos < real.size()) {
        std::size_t newline = real.find('\n', pos);
        if (newline == std::string::npos)
            newline = real.size();
        std::string line = real.substr(pos, newline - pos);
        std::size_t indent = line.find_first_not_of(' ');
        std::size_t name = line.find(" : ");
        ASSERT_NE(name, std::string::npos);
        hidden += line.substr(0, indent) + "00000000-00000000" + line.substr(name) + "\n";
        pos = newline + 1;
    }
    try {
        parse_iomem(hidden, "/host/proc/iomem");
        FAIL() << "an all-zero listing was accepted";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.path(), "/host/proc/iomem");
        std::string what = e.what();
        EXPECT_NE(what.find("CAP_SYS_ADMIN"), std::string::npos) << what;
        EXPECT_NE(what.find("root"), std::string::npos) << what;
    }
    // One genuine zero-based resource among real addresses is fine.
    IomemTree tree = parse_checked(
        "00000000-00000000 : first byte\n"
        "00001000-00001fff : page\n");
    EXPECT_EQ(tree.nodes.size(), 2u);
}

TEST(IomemErrors, EmptyFile) {
    for (std::string text : {"", "\n", "  \n\n"}) {
        std::string what = error_for(text);
        EXPECT_EQ(what, "/proc/iomem: is empty") << "for '" << text << "'";
    }
}

TEST(IomemErrors, MalformedLinesNameTheLine) {
    const std::string good = "00000000-00000fff : Reserved\n";
    struct Case {
        std::string line;
        std::string problem;
    };
    std::vector<Case> cases = {
        {"00001000-0009ffff System RAM", "expected ' : ' after the end address"},
        {"00001000 : System RAM", "expected '-' after the start address"},
        {"000g1000-0009ffff : System RAM", "expected '-' after the start address"},
        {"00001000-zz : System RAM", "expected a hex address after '-'"},
        {"System RAM", "expected a hex address at the start"},
        {"\t00001000-0009ffff : System RAM", "expected a hex address at the start"},
        {"00001000-0009ffff : ", "no name after ' : '"},
        {"00001000-0009ffff :", "expected ' : ' after the end address"},
        {"0009ffff-00001000 : backwards", "end address is below the start address"},
        {"10000000000000000-10000000000000001 : huge",
         "address does not fit in 64 bits at the start"},
        {"00001000-10000000000000000 : huge", "address does not fit in 64 bits after '-'"},
        {"", "blank line"},
        {"    ", "blank line"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.line);
        std::string text = good + good + c.line + "\n" + good;
        std::string what = error_for(text, "/root/proc/iomem");
        EXPECT_EQ(what.rfind("/root/proc/iomem:3: " + c.problem + ": '", 0), 0u) << what;
    }
    // The line number counts every line, and the error carries it in its path.
    try {
        parse_iomem(good + "junk\n", "/proc/iomem");
        FAIL() << "junk accepted";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.path(), "/proc/iomem:2");
        EXPECT_EQ(e.error_number(), 0);
        EXPECT_EQ(std::string(e.what()),
                  "/proc/iomem:2: expected a hex address at the start: 'junk'");
    }
    // A very long or binary line is quoted short and escaped.
    std::string what = error_for(std::string(200, 'x') + "\x01\n");
    EXPECT_EQ(what, "/proc/iomem:1: expected a hex address at the start: '" + std::string(80, 'x') +
                        "'... (201 bytes)");
    EXPECT_EQ(error_for("zz\x1b[31m\n"),
              "/proc/iomem:1: expected a hex address at the start: 'zz\\x1b[31m'");
}

}  // namespace
