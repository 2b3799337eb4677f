// The fake-machine builder must write what the kernel would: these check the parts where the
// kernel's layout is subtle (iomem nesting of equal ranges, relative links, per-generation files).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "fake-machine.hpp"

namespace fs = std::filesystem;
using namespace srmd::fake;

namespace {

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "fake-machine-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path_); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A 6.x kernel with hmem holding a range that a committed region covers exactly.
FakeMachine conflict_machine(Kernel kernel) {
    FakeMachine m(kernel);
    m.add_window({0x850000000, 4 * GiB, true, false, false, {0}, 256});
    int md = m.add_memdev({0, 2 * GiB, 0, 0x10, 0});
    m.add_region({1,
                  0,
                  0x850000000,
                  2 * GiB,
                  "ram",
                  true,
                  true,
                  std::nullopt,
                  {md},
                  256,
                  DaxRegionState::Unbound});
    m.add_soft_reserved(0x850000000, 2 * GiB, true);
    m.add_hmem({0, 0x850000000, 2 * GiB, 0, true});
    m.add_dax_device({DaxParent::Hmem, 0, 0, 0x850000000, 2 * GiB, 1, 0, 2 * MiB, "kmem"});
    m.add_memory_blocks(0x850000000, 2 * GiB, 1, "online", "Movable");
    return m;
}

}  // namespace

TEST(FakeMachine, IomemNestsEqualRangesInInsertionOrderOn6x) {
    EXPECT_EQ(conflict_machine(Kernel::V6_8).iomem(),
              "850000000-94fffffff : CXL Window 0\n"
              "  850000000-8cfffffff : region1\n"
              "    850000000-8cfffffff : hmem.0\n"
              "      850000000-8cfffffff : Soft Reserved\n"
              "        850000000-8cfffffff : dax0.0\n"
              "          850000000-8cfffffff : System RAM (kmem)\n");
}

TEST(FakeMachine, IomemOn7xHasNoHmemLineAndCanPutSoftReservedOutside) {
    FakeMachine m(Kernel::V7_1);
    m.add_window({0xa90000000, 5 * GiB, true, false, false, {0}, 256});
    int md = m.add_memdev({0, 4 * GiB, 0, 0x10, 0});
    m.add_region({0,
                  0,
                  0xa90000000,
                  4 * GiB,
                  "ram",
                  true,
                  true,
                  std::nullopt,
                  {md},
                  256,
                  DaxRegionState::Unbound});
    m.add_soft_reserved(0xa90000000, 5 * GiB, true);
    m.set_soft_reserved_outermost(true);
    m.add_hmem({7, 0xa90000000, 5 * GiB, 0, true});
    m.add_dax_device({DaxParent::Hmem, 7, 0, 0xa90000000, 5 * GiB, 1, 0, 2 * MiB, ""});
    EXPECT_EQ(m.iomem(),
              "a90000000-bcfffffff : Soft Reserved\n"
              "  a90000000-bcfffffff : CXL Window 0\n"
              "    a90000000-b8fffffff : region0\n");
}

TEST(FakeMachine, IomemKmemKeepsOnlyWholeBlocksAndIndentationStopsAtFiveLevels) {
    FakeMachine m(Kernel::V7_0);
    m.set_block_size(128 * MiB);
    for (int level = 0; level < 6; ++level)
        m.add_iomem_line(0x100000000, 0x100000000 + (8 - level) * GiB - 1,
                         "level" + std::to_string(level));
    m.add_dax_device(
        {DaxParent::Hmem, 0, 0, 0x100000000, 1 * GiB + 64 * MiB, 1, 0, 2 * MiB, "kmem"});
    std::string text = m.iomem();
    EXPECT_NE(text.find("\n          100000000-13fffffff : dax0.0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\n          100000000-13fffffff : System RAM (kmem)\n"), std::string::npos)
        << text;
}

TEST(FakeMachine, LinksAreRelativeAndResolveInsideTheTree) {
    TempDir dir;
    FakeMachine m(Kernel::V7_1);
    m.add_soft_reserved(0x100000000, 1 * GiB, true);
    m.add_hmem({0, 0x100000000, 1 * GiB, 0, true});
    m.add_dax_device({DaxParent::Hmem, 0, 0, 0x100000000, 1 * GiB, 1, 0, 2 * MiB, "kmem"});
    m.add_memory_blocks(0x100000000, 1 * GiB, 1, "online", "Movable");
    m.write(dir.path());
    fs::path root = fs::canonical(dir.path());

    fs::path bus_link = root / "sys/bus/dax/devices/dax0.0";
    EXPECT_EQ(fs::read_symlink(bus_link).string(),
              "../../../devices/platform/hmem_platform.0/hmem.0/dax0.0");
    fs::path dax = fs::canonical(bus_link);
    EXPECT_EQ(dax, root / "sys/devices/platform/hmem_platform.0/hmem.0/dax0.0");
    EXPECT_EQ(fs::canonical(dax / "driver"), root / "sys/bus/dax/drivers/kmem");
    EXPECT_EQ(fs::canonical(root / "sys/bus/dax/drivers/kmem/dax0.0"), dax);
    EXPECT_EQ(slurp(dax / "mapping0/end"), "0x13fffffff\n");
    EXPECT_EQ(slurp(dax / "size"), "1073741824\n");

    EXPECT_EQ(slurp(root / "sys/devices/system/memory/block_size_bytes"), "8000000\n");
    fs::path block = root / "sys/devices/system/memory/memory39";
    EXPECT_EQ(slurp(block / "phys_index"), "00000027\n");
    EXPECT_EQ(slurp(block / "valid_zones"), "Movable\n");
    EXPECT_EQ(fs::canonical(block / "node1"), root / "sys/devices/system/node/node1");
    EXPECT_EQ(fs::canonical(root / "sys/devices/system/node/node1/memory39"), block);
    EXPECT_EQ(slurp(root / "sys/devices/system/node/has_memory"), "1\n");
}

TEST(FakeMachine, RegionFilesFollowTheKernelGeneration) {
    TempDir old_kernel, new_kernel;
    conflict_machine(Kernel::V6_1).write(old_kernel.path());
    FakeMachine m = conflict_machine(Kernel::V7_1);
    m.write(new_kernel.path());
    const std::string region = "sys/devices/platform/ACPI0017:00/root0/decoder0.0/region1";

    fs::path old_region = fs::path(old_kernel.path()) / region;
    EXPECT_TRUE(fs::exists(old_region / "commit"));
    EXPECT_FALSE(fs::exists(old_region / "mode"));
    EXPECT_FALSE(fs::exists(old_region / "locked"));
    EXPECT_TRUE(fs::exists(fs::path(old_kernel.path()) / "sys/devices/platform/hmem.0/dax0.0"));

    fs::path new_region = fs::path(new_kernel.path()) / region;
    EXPECT_EQ(slurp(new_region / "mode"), "ram\n");
    EXPECT_EQ(slurp(new_region / "locked"), "0\n");
    EXPECT_EQ(slurp(new_region / "resource"), "0x850000000\n");
    // dax_region1 exists but is bound to nothing: the kernel's silent conflict.
    EXPECT_TRUE(fs::exists(new_region / "dax_region1/dax_region/id"));
    EXPECT_FALSE(fs::exists(new_region / "dax_region1/driver"));
    EXPECT_EQ(fs::canonical(fs::path(new_kernel.path()) / "sys/bus/cxl/devices/region1"),
              fs::canonical(new_region));
}

// Dynamic Capacity (EXPERIMENTAL, the posted series' layout): the partition after ram and pmem in
// DPA, extents under the dax region ("%#llx", uuid only when tagged), available_size what no dax
// device holds, a seed with no mapping and the null UUID, no mapping attribute.
TEST(FakeMachine, DynamicCapacityRegion) {
    FakeMachine m(Kernel::V7_1);
    m.add_window({0x1050000000, 8 * GiB, true, false, false, {0}, 256});
    int md = m.add_memdev({0, 2 * GiB, 0, 0x4d5, 0, 4 * GiB});
    m.add_region({0,
                  0,
                  0x1050000000,
                  4 * GiB,
                  "dynamic_ram_1",
                  true,
                  true,
                  false,
                  {md},
                  256,
                  DaxRegionState::Bound});
    m.add_dc_extent({0, 0, 2 * MiB, ""});
    m.add_dc_extent({0, 0x10000000, 128 * MiB, "5be13bce-ae34-4a77-b6c3-16df975fcf1a"});
    m.add_dax_device(
        {DaxParent::Cxl, 0, 0, 0x1050000000 + 0x10000000, 128 * MiB, 1, 0, 2 * MiB, "device_dax"});
    m.set_dc_tag(0, 0, "5be13bce-ae34-4a77-b6c3-16df975fcf1a");
    m.add_dax_device({DaxParent::Cxl, 0, 1, 0x1050000000, 0, 1, 0, 2 * MiB, ""});
    TempDir dir;
    m.write(dir.path());

    fs::path sys = fs::path(dir.path()) / "sys/bus/cxl/devices";
    EXPECT_EQ(slurp(sys / "mem0/dynamic_ram_1/size"), "0x100000000\n");
    EXPECT_EQ(slurp(sys / "decoder2.0/dpa_resource"), "0x80000000\n");
    EXPECT_EQ(slurp(sys / "decoder2.0/mode"), "dynamic_ram_1\n");
    EXPECT_EQ(slurp(sys / "decoder0.0/create_dynamic_ram_1_region"), "region1\n");  // the next
    fs::path dax_region = sys / "region0/dax_region0";
    EXPECT_EQ(slurp(dax_region / "extent0.0/offset"), "0\n");
    EXPECT_EQ(slurp(dax_region / "extent0.0/length"), "0x200000\n");
    EXPECT_FALSE(fs::exists(dax_region / "extent0.0/uuid"));
    EXPECT_EQ(slurp(dax_region / "extent0.1/offset"), "0x10000000\n");
    EXPECT_EQ(slurp(dax_region / "extent0.1/uuid"), "5be13bce-ae34-4a77-b6c3-16df975fcf1a\n");
    EXPECT_EQ(slurp(dax_region / "dax_region/available_size"), std::to_string(2 * MiB) + "\n");
    EXPECT_EQ(slurp(dax_region / "dax0.0/uuid"), "5be13bce-ae34-4a77-b6c3-16df975fcf1a\n");
    EXPECT_TRUE(fs::exists(dax_region / "dax0.0/mapping0/start"));
    EXPECT_FALSE(fs::exists(dax_region / "dax0.0/mapping"));
    EXPECT_EQ(slurp(dax_region / "dax0.1/uuid"), "00000000-0000-0000-0000-000000000000\n");
    EXPECT_FALSE(fs::exists(dax_region / "dax0.1/mapping0"));
}
