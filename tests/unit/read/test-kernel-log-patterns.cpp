// The kernel log patterns (read/kernel-log-patterns.cpp) against lines as Linux 6.1 and 7.2
// print them: what each means, the device and the address range it names.
#include <gtest/gtest.h>

#include <string>

#include "read/kmsg.hpp"

namespace {

using srmd::KernelLogMeaning;

struct Case {
    const char* kernel;
    const char* message;
    KernelLogMeaning meaning;
    const char* device;
    std::uint64_t start;  // 0: no address
    std::uint64_t end;
    int error;
};

const Case kCases[] = {
    // 7.2, dax_hmem (dev_dbg, seen with dax_hmem.dyndbg=+p in the VM).
    {"7.2",
     "hmem_platform hmem_platform.0: await CXL initial probe: [mem 0x110000000-0x12fffffff flags "
     "0x80000200]",
     KernelLogMeaning::HmemAwaitsCxl, "hmem_platform.0", 0x110000000, 0x12fffffff, 0},
    {"7.2",
     "hmem_platform hmem_platform.0: CXL did not claim resource, registering: [mem "
     "0x110000000-0x12fffffff flags 0x80000200]",
     KernelLogMeaning::HmemRegisters, "hmem_platform.0", 0x110000000, 0x12fffffff, 0},
    {"7.2",
     "hmem_platform hmem_platform.0: CXL claims resource, dropping: [mem 0x110000000-0x12fffffff "
     "flags 0x80000200]",
     KernelLogMeaning::CxlClaims, "hmem_platform.0", 0x110000000, 0x12fffffff, 0},
    {"7.2",
     "hmem_platform hmem_platform.0: deferring range to CXL: [mem 0x150000000-0x16fffffff flags "
     "0x80000200]",
     KernelLogMeaning::HmemDefersToCxl, "hmem_platform.0", 0x150000000, 0x16fffffff, 0},
    // 7.2, dev_err since 7.2; with the function name that dynamic debug's +f adds.
    {"7.2",
     "cxl_dax_region dax_region0: dax_region resource conflict for [mem 0x110000000-0x12fffffff]",
     KernelLogMeaning::DaxRegionConflict, "dax_region0", 0x110000000, 0x12fffffff, 0},
    {"7.2",
     "alloc_dax_region: hmem hmem.6: dax_region resource conflict for [mem "
     "0x850000000-0x284fffffff]",
     KernelLogMeaning::DaxRegionConflict, "hmem.6", 0x850000000, 0x284fffffff, 0},
    {"7.2", "cxl_dax_region dax_region0: probe with driver cxl_dax_region failed with error -12",
     KernelLogMeaning::ProbeFailed, "dax_region0", 0, 0, -12},
    {"7.2", "hmem hmem.6: probe with driver hmem failed with error -12",
     KernelLogMeaning::ProbeFailed, "hmem.6", 0, 0, -12},
    // 7.2 as the guest logged it (srmd72-firmware stage 3): kmem still prints the mapping form.
    {"7.2", "kmem dax2.0: mapping0: 0x110000000-0x14fffffff could not reserve region",
     KernelLogMeaning::KmemReserveFailed, "dax2.0", 0x110000000, 0x14fffffff, 0},
    // kmem's single-range form (kernels between 5.1 and 5.10).
    {"5.x", "kmem dax2.0: could not reserve region [0x110000000-0x14fffffff]",
     KernelLogMeaning::KmemReserveFailed, "dax2.0", 0x110000000, 0x14fffffff, 0},
    {"7.2", "kmem dax2.0: probe with driver kmem failed with error -16",
     KernelLogMeaning::ProbeFailed, "dax2.0", 0, 0, -16},
    {"7.2", "kmem dax0.0: 0x150000000-0x16fffffff cannot be hotremoved until the next reboot",
     KernelLogMeaning::HotremoveFailed, "dax0.0", 0x150000000, 0x16fffffff, 0},
    {"7.2", "cxl_port endpoint5: failed to attach decoder5.0 to region0: -6",
     KernelLogMeaning::RegionFailed, "region0", 0, 0, -6},
    {"7.2", "cxl_region region0: Failed to synchronize CPU cache state",
     KernelLogMeaning::RegionFailed, "region0", 0, 0, 0},
    {"7.2",
     "hmem_platform hmem_platform.0: memregion allocation failure for [mem 0x110000000-0x12fffffff "
     "flags 0x80000200]",
     KernelLogMeaning::HmemFailed, "hmem_platform.0", 0x110000000, 0x12fffffff, 0},
    // 6.1: kmem's per-mapping form, the driver core's pr_warn, device_dax.
    {"6.1", "kmem dax0.0: mapping0: 0x880000000-0x107fffffff could not reserve region",
     KernelLogMeaning::KmemReserveFailed, "dax0.0", 0x880000000, 0x107fffffff, 0},
    {"6.1", "kmem: probe of dax0.0 failed with error -16", KernelLogMeaning::ProbeFailed, "dax0.0",
     0, 0, -16},
    {"6.1", "device_dax dax1.0: mapping0: 0x2080000000-0x207fffffff could not reserve range",
     KernelLogMeaning::DaxReserveFailed, "dax1.0", 0, 0, 0},
    {"6.1", "device_dax dax1.0: mapping0: 0x2080000000-0x20ffffffff could not reserve range",
     KernelLogMeaning::DaxReserveFailed, "dax1.0", 0x2080000000, 0x20ffffffff, 0},
    {"6.1", "hmem hmem.0: hmem.0 add failed for [mem 0x880000000-0x107fffffff flags 0x80000200]",
     KernelLogMeaning::HmemFailed, "hmem.0", 0x880000000, 0x107fffffff, 0},
};

TEST(KernelLogPatterns, EveryPatternOnRealLines) {
    for (const Case& c : kCases) {
        SCOPED_TRACE(std::string(c.kernel) + ": " + c.message);
        std::optional<srmd::KernelLogLine> line = srmd::recognise_kernel_line(c.message);
        ASSERT_TRUE(line);
        EXPECT_EQ(line->meaning, c.meaning);
        EXPECT_EQ(line->message, c.message);
        EXPECT_EQ(line->device, c.device);
        EXPECT_EQ(line->error, c.error);
        if (c.start == 0) {
            EXPECT_FALSE(line->start);
        } else {
            ASSERT_TRUE(line->start);
            EXPECT_EQ(*line->start, c.start);
            EXPECT_EQ(line->end, c.end);
        }
    }
}

TEST(KernelLogPatterns, OtherLinesAreNotRecognised) {
    for (const char* message : {
             "pci_bus 0000:00: root bus resource [mem 0x280000000-0xbfffffffff window]",
             "e820: register RAM buffer resource [mem 0x0009fc00-0x0009ffff]",
             " pci0000:16: host supports CXL",
             "usb 1-1: device descriptor read/64, error -71",
             "nvme nvme0: failed to attach something",  // names no region
             "",
         }) {
        SCOPED_TRACE(message);
        EXPECT_FALSE(srmd::recognise_kernel_line(message));
    }
}

TEST(KernelLogPatterns, MeaningsHaveStableNamesAndWords) {
    EXPECT_STREQ(srmd::to_string(KernelLogMeaning::CxlClaims), "cxl-claims");
    EXPECT_STREQ(srmd::to_string(KernelLogMeaning::HmemRegisters), "hmem-registers");
    EXPECT_STREQ(srmd::to_string(KernelLogMeaning::DaxRegionConflict), "dax-region-conflict");
    EXPECT_STREQ(srmd::to_string(KernelLogMeaning::ProbeFailed), "probe-failed");
    for (int m = 0; m <= static_cast<int>(KernelLogMeaning::HmemFailed); ++m)
        EXPECT_GT(std::string(srmd::describe(static_cast<KernelLogMeaning>(m))).size(), 10u);
}

}  // namespace
