// compute_ranges on machines built in code, one per case of kernel-interfaces.md §4 and §5. The
// cases are one table: a machine (see ownership-table.hpp for its vocabulary) and the Ranges
// expected of it, compared whole, every field, through one text rendering. Adding a case is adding
// a row; each runs as Ownership/Machines.ComputeRanges/<name>.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ownership-table.hpp"
#include "ownership/ownership.hpp"
#include "read/snapshot.hpp"

namespace srmd {
namespace {

using namespace srmd::test;

std::vector<Case> cases() {
    return {
        // The `both` capture: hmem onlined as movable kmem, the simplest healthy range.
        {.name = "HmemKmemMovable",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"100000000-13fffffff : hmem.0",
                               "  100000000-13fffffff : Soft Reserved",
                               "    100000000-13fffffff : dax0.0",
                               "      100000000-13fffffff : System RAM (kmem)"},
                     .hmem = {hmem(0, 0x100000000, 1 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x100000000, 1 * GiB, "kmem", 1)},
                     .blocks = {online("dax0.0", 0, 8, "Movable")}},
         .ranges = {{.start = 0x100000000,
                     .size = 1 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x100000000, 1 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 1 * GiB, 1,
                                       {.blocks = 8, .online = 8, .zone = Zone::Movable})}}}},

        // 7.1 inserts no Soft Reserved for what CXL claims: the region alone makes the Range.
        {.name = "CxlRamRegionWithoutSoftReserved",
         .machine = {.block_size = 256 * MiB,
                     .windows = {window("decoder0.0", 0x2070000000, 256 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x2070000000, 256 * GiB, "ram", true)},
                     .dax_regions = {dax_region(0, Cxl, "region0", {"dax0.0"})},
                     .dax = {dax("dax0.0", Cxl, "region0", 0x2070000000, 256 * GiB, "kmem", 2)},
                     .blocks = {online("dax0.0", 0, 1024, "Movable")}},
         .ranges = {{.start = 0x2070000000,
                     .size = 256 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = false,
                     .claimants = {cxl_claim("region0", 0x2070000000, 256 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::Cxl,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 256 * GiB, 2,
                                       {.blocks = 1024, .online = 1024, .zone = Zone::Movable})}}}},

        // §5(a), TW-DEC: firmware merged one Soft Reserved span over two windows; it is one Range
        // per window, each held by the region that fills it.
        {.name = "SoftReservedAcrossTwoWindowsSplits",
         .machine = {.block_size = 256 * MiB,
                     .firmware_sr = {{0x2070000000, 512 * GiB}},
                     .windows = {window("decoder0.0", 0x2070000000, 256 * GiB),
                                 window("decoder0.1", 0x6070000000, 256 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x2070000000, 256 * GiB, "ram", true),
                                 region(1, "decoder0.1", 0x6070000000, 256 * GiB, "ram", true)},
                     .dax_regions = {dax_region(0, Cxl, "region0", {"dax0.0"}),
                                     dax_region(1, Cxl, "region1", {"dax1.0"})},
                     .dax = {dax("dax0.0", Cxl, "region0", 0x2070000000, 256 * GiB, "kmem", 2),
                             dax("dax1.0", Cxl, "region1", 0x6070000000, 256 * GiB, "device_dax",
                                 2)},
                     .blocks = {offline("dax0.0", 0, 1024, "Movable Normal")}},
         .ranges = {{.start = 0x2070000000,
                     .size = 256 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {cxl_claim("region0", 0x2070000000, 256 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::Cxl,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 256 * GiB, 2,
                                       {.blocks = 1024, .online = 0})}},
                    {.start = 0x6070000000,
                     .size = 256 * GiB,
                     .window = "decoder0.1",
                     .soft_reserved = true,
                     .claimants = {cxl_claim("region1", 0x6070000000, 256 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::Cxl,
                     .mode = RangeMode::Devdax,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax1.0", "device_dax", 256 * GiB, 2)}}}},

        // A span crossing into and out of a window is cut at both window edges. The hmem device
        // spanning all three pieces contains each of them, so it is a full claimant of every one.
        {.name = "SplitAtBothWindowEdges",
         .machine = {.block_size = 128 * MiB,
                     .firmware_sr = {{0x100000000, 8 * GiB}},
                     .windows = {window("decoder0.0", 0x200000000, 2 * GiB)},
                     .decoded = {{"decoder2.0", "mem0", 0x200000000, 2 * GiB}},
                     .hmem = {hmem(0, 0x100000000, 8 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x100000000, 8 * GiB, "kmem", 1)},
                     .blocks = {online("dax0.0", 0, 64, "Movable")}},
         .ranges = {{.start = 0x100000000,
                     .size = 4 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x100000000, 8 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 8 * GiB, 1,
                                       {.blocks = 64, .online = 64, .zone = Zone::Movable})}},
                    {.start = 0x200000000,
                     .size = 2 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x100000000, 8 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 8 * GiB, 1,
                                       {.blocks = 64, .online = 64, .zone = Zone::Movable})},
                     .problems = {problem(RangeStatus::Ok, "in-cxl-window-no-region",
                                          "the range lies in CXL window decoder0.0 but no CXL "
                                          "region maps it")}},
                    {.start = 0x280000000,
                     .size = 2 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x100000000, 8 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 8 * GiB, 1,
                                       {.blocks = 64, .online = 64, .zone = Zone::Movable})}}}},

        // Overlapping evidence is one Range; evidence that only touches is reported as it came.
        {
            .name = "OverlappingEvidenceMergesTouchingStaysApart",
            .machine = {.block_size = 128 * MiB,
                        .iomem =
                            {
                                "140000000-1bfffffff : Soft Reserved",
                                "1c0000000-1ffffffff : Soft Reserved",
                            },
                        .firmware_sr = {{0x100000000, 2 * GiB}}},
            .ranges = {{.start = 0x100000000,
                        .size = 3 * GiB,
                        .soft_reserved = true,
                        .kernel_owner = Owner::Hmem,
                        .owner = Owner::None,
                        .mode = RangeMode::Absent,
                        .status = RangeStatus::Stranded,
                        .problems = {problem(RangeStatus::Stranded, "no-dax-device",
                                             "no dax device covers this 3 GiB range: nobody can "
                                             "use the memory")}},
                       {.start = 0x1c0000000,
                        .size = 1 * GiB,
                        .soft_reserved = true,
                        .kernel_owner = Owner::Hmem,
                        .owner = Owner::None,
                        .mode = RangeMode::Absent,
                        .status = RangeStatus::Stranded,
                        .problems = {problem(RangeStatus::Stranded, "no-dax-device",
                                             "no dax device covers this 1 GiB range: nobody can "
                                             "use the memory")}}}},

        // §5(c): the region never committed, so hmem took the range; that is a working machine,
        // with a note saying why CXL does not hold it.
        {.name = "RegionAssemblyFailure",
         .machine = {.block_size = 256 * MiB,
                     .iomem = {"850000000-284fffffff : Soft Reserved",
                               "  850000000-284fffffff : CXL Window 0",
                               "    850000000-284fffffff : region0",
                               "      850000000-284fffffff : dax6.0",
                               "        850000000-284fffffff : System RAM (kmem)"},
                     .windows = {window("decoder0.0", 0x850000000, 128 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x850000000, 128 * GiB, "ram", false)},
                     .hmem = {hmem(6, 0x850000000, 128 * GiB)},
                     .dax_regions = {dax_region(6, Hmem, "hmem.6", {"dax6.0"})},
                     .dax = {dax("dax6.0", Hmem, "hmem.6", 0x850000000, 128 * GiB, "kmem", 1)},
                     .blocks = {online("dax6.0", 0, 512, "Movable")}},
         .ranges = {{.start = 0x850000000,
                     .size = 128 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.6", 0x850000000, 128 * GiB, Committed, Full),
                                   cxl_claim("region0", 0x850000000, 128 * GiB, Uncommitted, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax6.0", "kmem", 128 * GiB, 1,
                                       {.blocks = 512, .online = 512, .zone = Zone::Movable})},
                     .problems = {problem(
                         RangeStatus::Ok,
                         "region-not-committed",
                         "region0 (0x850000000, 128 GiB) exists but its decoders are not "
                         "committed: region assembly did not finish, so the kernel leaves the "
                         "range to hmem")}}}},

        // §5(d2): a 4 GiB region inside a 5 GiB Soft Reserved range. hmem registered the whole
        // range, CXL's dax region was refused, and kmem could not take the hmem device either.
        {.name = "RegionSmallerThanRange",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"a90000000-bcfffffff : Soft Reserved",
                               "  a90000000-bcfffffff : CXL Window 0",
                               "    a90000000-b8fffffff : region0"},
                     .windows = {window("decoder0.0", 0xa90000000, 5 * GiB)},
                     .regions = {dax_region_unbound(
                         region(0, "decoder0.0", 0xa90000000, 4 * GiB, "ram", true))},
                     .hmem = {hmem(7, 0xa90000000, 5 * GiB)},
                     .dax_regions = {dax_region(7, Hmem, "hmem.7", {"dax7.0"})},
                     .dax = {dax("dax7.0", Hmem, "hmem.7", 0xa90000000, 5 * GiB, "", 1)}},
         .ranges = {{.start = 0xa90000000,
                     .size = 5 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.7", 0xa90000000, 5 * GiB, Committed, Full),
                                   cxl_claim("region0", 0xa90000000, 4 * GiB, Committed, Partial)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::None,
                     .mode = RangeMode::Unbound,
                     .status = RangeStatus::Conflict,
                     .dax = {range_dax("dax7.0", "", 5 * GiB, 1)},
                     .problems = {problem(RangeStatus::Conflict, "dax-region-conflict",
                                          "dax_region0 of region0 is not bound to "
                                          "cxl_dax_region while hmem.7 holds the range: the "
                                          "kernel allows one dax region per address range and "
                                          "refuses a second without saying so (\"dax_region "
                                          "resource conflict\"), so region0's 4 GiB cannot be "
                                          "used through CXL"),
                                  problem(RangeStatus::PartialCoverage, "region-smaller-than-range",
                                          "region0 (0xa90000000, 4 GiB) covers 4 GiB of this "
                                          "5 GiB range: the kernel leaves a range to CXL only "
                                          "when one region contains all of it, so it gives the "
                                          "whole range to hmem"),
                                  problem(RangeStatus::Stranded, "dax-unbound",
                                          "dax7.0 (5 GiB) has no driver: the memory is neither "
                                          "system RAM (kmem) nor a devdax device")}}}},

        // 6.x: the region committed and contains the range, but hmem registered it first and kmem
        // took it. The 7.1 rule would give it to CXL.
        {.name = "CxlAndHmemOnOldKernel",
         .machine = {.block_size = 256 * MiB,
                     .iomem = {"850000000-c4fffffff : CXL Window 0",
                               "  850000000-c4fffffff : Soft Reserved",
                               "    850000000-c4fffffff : region0",
                               "      850000000-c4fffffff : dax1.0",
                               "        850000000-c4fffffff : System RAM (kmem)"},
                     .windows = {window("decoder0.0", 0x850000000, 16 * GiB)},
                     .regions = {dax_region_unbound(
                         region(0, "decoder0.0", 0x850000000, 16 * GiB, "ram", true))},
                     .hmem = {hmem(1, 0x850000000, 16 * GiB)},
                     .dax_regions = {dax_region(1, Hmem, "hmem.1", {"dax1.0"})},
                     .dax = {dax("dax1.0", Hmem, "hmem.1", 0x850000000, 16 * GiB, "kmem", 1)},
                     .blocks = {online("dax1.0", 0, 64, "Movable")}},
         .ranges = {{.start = 0x850000000,
                     .size = 16 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.1", 0x850000000, 16 * GiB, Committed, Full),
                                   cxl_claim("region0", 0x850000000, 16 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Conflict,
                     .dax = {range_dax("dax1.0", "kmem", 16 * GiB, 1,
                                       {.blocks = 64, .online = 64, .zone = Zone::Movable})},
                     .problems = {problem(
                                      RangeStatus::Conflict, "cxl-and-hmem",
                                      "region0 (0x850000000, 16 GiB) is committed and contains "
                                      "this whole range, but hmem.1 (0x850000000, 16 GiB) holds "
                                      "it too: kernels before 7.1 do not coordinate the two "
                                      "drivers, so both claim the same memory"),
                                  problem(RangeStatus::Conflict, "dax-region-conflict",
                                          "dax_region0 of region0 is not bound to "
                                          "cxl_dax_region while hmem.1 holds the range: the "
                                          "kernel allows one dax region per address range and "
                                          "refuses a second without saying so (\"dax_region "
                                          "resource conflict\"), so region0's 16 GiB cannot be "
                                          "used through CXL")}}}},

        // Bound dax devices of both parents: whoever holds more bytes is named the owner, and the
        // mode follows the bytes too (1 GiB kmem against 3 GiB devdax).
        {.name = "TwoOwners",
         .machine = {.block_size = 256 * MiB,
                     .iomem = {"1000000000-10ffffffff : Soft Reserved"},
                     .windows = {window("decoder0.0", 0x1000000000, 4 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x1000000000, 4 * GiB, "ram", true)},
                     .hmem = {hmem(1, 0x1000000000, 4 * GiB)},
                     .dax_regions = {dax_region(0, Cxl, "region0", {"dax0.0"}),
                                     dax_region(1, Hmem, "hmem.1", {"dax1.0"})},
                     .dax = {dax("dax0.0", Cxl, "region0", 0x1000000000, 1 * GiB, "kmem", 2),
                             dax("dax1.0", Hmem, "hmem.1", 0x1040000000, 3 * GiB, "device_dax", 2)},
                     .blocks = {online("dax0.0", 0, 4, "Movable")}},
         .ranges = {{.start = 0x1000000000,
                     .size = 4 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.1", 0x1000000000, 4 * GiB, Committed, Full),
                                   cxl_claim("region0", 0x1000000000, 4 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::Devdax,
                     .status = RangeStatus::Conflict,
                     .dax = {range_dax("dax0.0", "kmem", 1 * GiB, 2,
                                       {.blocks = 4, .online = 4, .zone = Zone::Movable}),
                             range_dax("dax1.0", "device_dax", 3 * GiB, 2)},
                     .problems =
                         {problem(RangeStatus::Conflict, "cxl-and-hmem",
                                  "region0 (0x1000000000, 4 GiB) is committed and contains this "
                                  "whole range, but hmem.1 (0x1000000000, 4 GiB) holds it too: "
                                  "kernels before 7.1 do not coordinate the two drivers, so "
                                  "both claim the same memory"),
                          problem(RangeStatus::Conflict, "two-owners",
                                  "dax devices of both CXL and hmem are bound in this range: "
                                  "dax0.0 of region0 (1 GiB, kmem); dax1.0 of hmem.1 (3 GiB, "
                                  "device_dax); hmem holds more and is taken as the owner")}}}},

        // hmem.N released from its driver (by an operator, or by srmd handing the range on): no
        // dax region either, but nothing failed; the range is stranded until an owner takes it.
        {.name = "UnboundHmemIsStrandedNotAConflict",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"100000000-13fffffff : Soft Reserved"},
                     .hmem = {released(hmem(3, 0x100000000, 1 * GiB))}},
         .ranges = {{.start = 0x100000000,
                     .size = 1 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.3", 0x100000000, 1 * GiB, Uncommitted, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Stranded,
                     .problems = {problem(RangeStatus::Stranded, "hmem-unbound",
                                          "hmem.3 (0x100000000, 1 GiB) is not bound to the hmem "
                                          "driver, so it has no dax region: nothing can use its "
                                          "range until hmem (or CXL) takes it"),
                                  problem(RangeStatus::Stranded, "no-dax-device",
                                          "no dax device covers this 1 GiB range: nobody can "
                                          "use the memory")}}}},

        // hmem.N exists but its probe failed: no dax region, nothing can use the range.
        {.name = "HmemWithoutDax",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"100000000-13fffffff : hmem.3",
                               "  100000000-13fffffff : Soft Reserved"},
                     .hmem = {probe_failed(hmem(3, 0x100000000, 1 * GiB))}},
         .ranges = {{.start = 0x100000000,
                     .size = 1 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.3", 0x100000000, 1 * GiB, Uncommitted, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Conflict,
                     .problems =
                         {problem(RangeStatus::Conflict, "hmem-without-dax",
                                  "hmem.3 (0x100000000, 1 GiB) has no dax region: its probe "
                                  "failed, most likely because another dax region already "
                                  "covers these addresses"),
                          problem(RangeStatus::Stranded, "no-dax-device",
                                  "no dax device covers this 1 GiB range: nobody can use the "
                                  "memory")}}}},

        // Both sides registered a dax region but neither has a device: hmem's registration is
        // what blocks CXL's, and nobody can use the memory.
        {.name = "EmptyDaxRegionsOnBothSides",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"100000000-13fffffff : CXL Window 0",
                               "  100000000-13fffffff : hmem.2",
                               "    100000000-13fffffff : Soft Reserved"},
                     .windows = {window("decoder0.0", 0x100000000, 1 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x100000000, 1 * GiB, "ram", true)},
                     .hmem = {hmem(2, 0x100000000, 1 * GiB)},
                     .dax_regions = {dax_region(0, Cxl, "region0", {}),
                                     dax_region(2, Hmem, "hmem.2", {})}},
         .ranges = {{.start = 0x100000000,
                     .size = 1 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.2", 0x100000000, 1 * GiB, Committed, Full),
                                   cxl_claim("region0", 0x100000000, 1 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Conflict,
                     .problems = {problem(RangeStatus::Conflict, "cxl-and-hmem",
                                          "region0 (0x100000000, 1 GiB) is committed and "
                                          "contains this whole range, but hmem.2 (0x100000000, "
                                          "1 GiB) holds it too: kernels before 7.1 do not "
                                          "coordinate the two drivers, so both claim the same "
                                          "memory"),
                                  problem(RangeStatus::Conflict, "dax-region-conflict",
                                          "dax_region0 of region0 has no dax device while "
                                          "hmem.2 holds the range: the kernel allows one dax "
                                          "region per address range and refuses a second "
                                          "without saying so (\"dax_region resource "
                                          "conflict\"), so region0's 1 GiB cannot be used "
                                          "through CXL"),
                                  problem(RangeStatus::Conflict, "hmem-without-dax",
                                          "hmem.2 (0x100000000, 1 GiB) registered a dax region "
                                          "but has no dax device, so nothing can use its range"),
                                  problem(RangeStatus::Stranded, "no-dax-device",
                                          "no dax device covers this 1 GiB range: nobody can "
                                          "use the memory")}}}},

        // §5(b), V8 [2]: CXL_REGION=n, hmem holds a range inside a CXL window. Fine, with a note.
        {.name = "HmemInCxlWindowWithoutRegion",
         .machine = {.block_size = 256 * MiB,
                     .iomem = {"850000000-284fffffff : CXL Window 0",
                               "  850000000-284fffffff : Soft Reserved",
                               "    850000000-284fffffff : dax0.0",
                               "      850000000-284fffffff : System RAM (kmem)"},
                     .windows = {window("decoder0.0", 0x850000000, 128 * GiB)},
                     // Firmware programmed the decoders; without a region driver nothing more.
                     .decoded = {{"decoder2.0", "mem0", 0x850000000, 128 * GiB}},
                     .hmem = {hmem(0, 0x850000000, 128 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x850000000, 128 * GiB, "kmem", 1)},
                     .blocks = {online("dax0.0", 0, 512, "Normal")}},
         .ranges = {{.start = 0x850000000,
                     .size = 128 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x850000000, 128 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 128 * GiB, 1,
                                       {.blocks = 512, .online = 512, .zone = Zone::Normal})},
                     .problems = {problem(RangeStatus::Ok, "in-cxl-window-no-region",
                                          "the range lies in CXL window decoder0.0 but no CXL "
                                          "region maps it")}}}},

        // Real 7.2 (kernel-7.2/overlap-boot): Soft Reserved over a CXL window that no region and
        // no endpoint decoder maps. hmem takes it, but no device memory backs the addresses.
        {.name = "SoftReservedOverUndecodedWindow",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"110000000-20fffffff : CXL Window 0",
                               "  110000000-12fffffff : dax1.0",
                               "    110000000-12fffffff : System RAM (kmem)"},
                     .windows = {window("decoder0.0", 0x110000000, 4 * GiB)},
                     .hmem = {hmem(1, 0x110000000, 512 * MiB)},
                     .dax_regions = {dax_region(1, Hmem, "hmem.1", {"dax1.0"})},
                     .dax = {dax("dax1.0", Hmem, "hmem.1", 0x110000000, 512 * MiB, "kmem", 0)},
                     .blocks = {offline("dax1.0", 0, 4, "Normal Movable")}},
         .ranges = {{.start = 0x110000000,
                     .size = 512 * MiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.1", 0x110000000, 512 * MiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Stranded,
                     .dax = {range_dax("dax1.0", "kmem", 512 * MiB, 0,
                                       {.blocks = 4, .online = 0, .zone = std::nullopt})},
                     .problems = {problem(
                         RangeStatus::Stranded, "window-not-decoded",
                         "the range lies in CXL window decoder0.0, but no CXL region maps it and "
                         "no memdev's endpoint decoder is programmed for it: as far as the kernel "
                         "shows, no device memory backs these addresses, so srmd does not online "
                         "them (the first access could fault); a region created over the range "
                         "would back it")}}}},

        // GH#260: a dax device without a NUMA node stays unbound; kmem would refuse it.
        {.name = "InvalidTargetNode",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"100000000-13fffffff : hmem.0",
                               "  100000000-13fffffff : Soft Reserved",
                               "    100000000-13fffffff : dax0.0"},
                     .hmem = {hmem(0, 0x100000000, 1 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x100000000, 1 * GiB, "", -1)}},
         .ranges = {{.start = 0x100000000,
                     .size = 1 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x100000000, 1 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::None,
                     .mode = RangeMode::Unbound,
                     .status = RangeStatus::Stranded,
                     .dax = {range_dax("dax0.0", "", 1 * GiB, -1)},
                     .problems = {problem(RangeStatus::Stranded, "dax-unbound",
                                          "dax0.0 (1 GiB) has no driver: the memory is neither "
                                          "system RAM (kmem) nor a devdax device"),
                                  problem(
                                      RangeStatus::Stranded, "invalid-target-node",
                                      "dax0.0 has target_node -1: kmem refuses a device without "
                                      "a valid NUMA node, so its 1 GiB cannot become "
                                      "system RAM")}}}},

        // 2 GiB blocks: a 3 GiB range loses its last GiB; a range starting mid-block loses both
        // ends.
        {.name = "UnalignedRange",
         .machine = {.block_size = 2 * GiB,
                     .iomem = {"2080000000-213fffffff : hmem.0",
                               "  2080000000-213fffffff : Soft Reserved"},
                     .firmware_sr = {{0x3040000000, 4 * GiB}},
                     .hmem = {hmem(0, 0x2080000000, 3 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x2080000000, 3 * GiB, "kmem", 1)},
                     .blocks = {online("dax0.0", 0, 1, "Normal")}},
         .ranges = {{.start = 0x2080000000,
                     .size = 3 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x2080000000, 3 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Unaligned,
                     .dax = {range_dax("dax0.0", "kmem", 3 * GiB, 1,
                                       {.blocks = 1, .online = 1, .zone = Zone::Normal})},
                     .problems = {problem(RangeStatus::Unaligned, "unaligned-range",
                                          "the range (0x2080000000, 3 GiB) is not aligned to "
                                          "the 2 GiB memory block size: kmem would trim 1 GiB "
                                          "of it")}},
                    {.start = 0x3040000000,
                     .size = 4 * GiB,
                     .soft_reserved = true,
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Stranded,
                     .problems = {problem(RangeStatus::Stranded, "no-dax-device",
                                          "no dax device covers this 4 GiB range: nobody can "
                                          "use the memory"),
                                  problem(RangeStatus::Unaligned, "unaligned-range",
                                          "the range (0x3040000000, 4 GiB) is not aligned to "
                                          "the 2 GiB memory block size: kmem would trim 2 GiB "
                                          "of it")}}}},

        // GH#243: a 256 MiB devdax device on a 2 GiB block machine can never become system RAM.
        {.name = "DaxDeviceSmallerThanBlock",
         .machine = {.block_size = 2 * GiB,
                     .firmware_sr = {{0x2080000000, 8 * GiB}},
                     .hmem = {hmem(0, 0x2080000000, 8 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0", "dax0.1"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x2080000000, 4 * GiB, "kmem", 1),
                             dax("dax0.1", Hmem, "hmem.0", 0x2180000000, 256 * MiB, "device_dax",
                                 1)},
                     .blocks = {online("dax0.0", 0, 2, "Movable")}},
         .ranges = {{.start = 0x2080000000,
                     .size = 8 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x2080000000, 8 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Unaligned,
                     .dax = {range_dax("dax0.0", "kmem", 4 * GiB, 1,
                                       {.blocks = 2, .online = 2, .zone = Zone::Movable}),
                             range_dax("dax0.1", "device_dax", 256 * MiB, 1)},
                     .problems = {problem(RangeStatus::Unaligned, "smaller-than-block",
                                          "dax0.1 (256 MiB) holds no whole 2 GiB memory block: "
                                          "kmem would reject it")}}}},

        // An admin's split of one hmem region into kmem and devdax parts is legitimate. Zones:
        // blocks of two kinds, or a block straddling zones ("none"), are mixed; offline blocks do
        // not count.
        {.name = "SplitsAndZones",
         .machine = {.block_size = 2 * GiB,
                     .firmware_sr = {{0x2000000000, 8 * GiB},
                                     {0x3000000000, 4 * GiB},
                                     {0x4000000000, 8 * GiB}},
                     .hmem = {hmem(0, 0x2000000000, 8 * GiB), hmem(1, 0x3000000000, 4 * GiB),
                              hmem(2, 0x4000000000, 8 * GiB)},
                     .dax_regions = {dax_region(0, Hmem, "hmem.0", {"dax0.0", "dax0.1"}),
                                     dax_region(1, Hmem, "hmem.1", {"dax1.0"}),
                                     dax_region(2, Hmem, "hmem.2", {"dax2.0", "dax2.1"})},
                     .dax = {dax("dax0.0", Hmem, "hmem.0", 0x2000000000, 4 * GiB, "kmem", 1),
                             dax("dax0.1", Hmem, "hmem.0", 0x2100000000, 4 * GiB, "device_dax", 1),
                             dax("dax1.0", Hmem, "hmem.1", 0x3000000000, 4 * GiB, "kmem", 1),
                             dax("dax2.0", Hmem, "hmem.2", 0x4000000000, 2 * GiB, "kmem", 1),
                             dax("dax2.1", Hmem, "hmem.2", 0x4080000000, 6 * GiB, "device_dax", 1)},
                     .blocks = {online("dax0.0", 0, 1, "Movable"), online("dax0.0", 1, 1, "Normal"),
                                online("dax1.0", 0, 1, "none"),
                                offline("dax1.0", 1, 1, "Movable Normal"),
                                online("dax2.0", 0, 1, "Normal")}},
         .ranges = {{.start = 0x2000000000,
                     .size = 8 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.0", 0x2000000000, 8 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax0.0", "kmem", 4 * GiB, 1,
                                       {.blocks = 2, .online = 2, .zone = Zone::Mixed}),
                             range_dax("dax0.1", "device_dax", 4 * GiB, 1)}},
                    {.start = 0x3000000000,
                     .size = 4 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.1", 0x3000000000, 4 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::SystemRam,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax1.0", "kmem", 4 * GiB, 1,
                                       {.blocks = 2, .online = 1, .zone = Zone::Mixed})}},
                    {.start = 0x4000000000,
                     .size = 8 * GiB,
                     .soft_reserved = true,
                     .claimants = {hmem_claim("hmem.2", 0x4000000000, 8 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::Hmem,
                     .mode = RangeMode::Devdax,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax2.0", "kmem", 2 * GiB, 1,
                                       {.blocks = 1, .online = 1, .zone = Zone::Normal}),
                             range_dax("dax2.1", "device_dax", 6 * GiB, 1)}}}},

        // A pmem namespace's devdax device inside Soft Reserved memory is nobody's ownership
        // claim: the owner stays none, and with nothing wrong otherwise that difference is a note.
        {.name = "PmemNamespaceDaxIsNotAnOwner",
         .machine = {.block_size = 128 * MiB,
                     .firmware_sr = {{0x150000000, 256 * MiB}},
                     .windows = {window("decoder0.0", 0x150000000, 4 * GiB)},
                     .regions = {region(1, "decoder0.0", 0x150000000, 256 * MiB, "pmem", true)},
                     .dax_regions = {dax_region(1, Nd, "region1", {"dax1.0"})},
                     .dax = {dax("dax1.0", Nd, "region1", 0x150600000, 250 * MiB, "device_dax",
                                 2)}},
         .ranges = {{.start = 0x150000000,
                     .size = 256 * MiB,
                     .window = "decoder0.0",
                     .soft_reserved = true,
                     .claimants = {cxl_claim("region1", 0x150000000, 256 * MiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::None,
                     .mode = RangeMode::Devdax,
                     .status = RangeStatus::Ok,
                     .dax = {range_dax("dax1.0", "device_dax", 250 * MiB, 2)},
                     .problems = {problem(RangeStatus::Ok, "owner-differs-from-kernel-rule",
                                          "no CXL or hmem dax device is bound in the range, but "
                                          "the kernel's ownership rule (7.1) gives it to "
                                          "cxl")}}}},

        // Which regions make Ranges: ram and unknown-mode ones with an address do; pmem ones and
        // those without an address do not. With the block size unknown nothing is said about
        // alignment.
        {.name = "RegionModesAndUnknownBlockSize",
         .machine = {.block_size = 0,
                     .firmware_sr = {{0x4010000, 1 * MiB}},
                     .windows = {window("decoder0.0", 0x1000000000, 64 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x1000000000, 1 * GiB, "ram", true),
                                 region(1, "decoder0.0", 0x1040000000, 1 * GiB, "pmem", true),
                                 region(2, "decoder0.0", 0x1080000000, 1 * GiB, "", false),
                                 region(3, "decoder0.0", std::nullopt, 0, "ram", false)},
                     .dax_regions = {dax_region(0, Cxl, "region0", {})}},
         .ranges = {{.start = 0x4010000,
                     .size = 1 * MiB,
                     .soft_reserved = true,
                     .kernel_owner = Owner::Hmem,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Stranded,
                     .problems = {problem(RangeStatus::Stranded, "no-dax-device",
                                          "no dax device covers this 1 MiB range: nobody can "
                                          "use the memory")}},
                    {.start = 0x1000000000,
                     .size = 1 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = false,
                     .claimants = {cxl_claim("region0", 0x1000000000, 1 * GiB, Committed, Full)},
                     .kernel_owner = Owner::Cxl,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Stranded,
                     .problems = {problem(RangeStatus::Stranded, "no-dax-device",
                                          "no dax device covers this 1 GiB range: nobody can "
                                          "use the memory")}},
                    {.start = 0x1080000000,
                     .size = 1 * GiB,
                     .window = "decoder0.0",
                     .soft_reserved = false,
                     .claimants = {cxl_claim("region2", 0x1080000000, 1 * GiB, Uncommitted, Full)},
                     .kernel_owner = Owner::None,
                     .owner = Owner::None,
                     .mode = RangeMode::Absent,
                     .status = RangeStatus::Stranded,
                     .problems =
                         {problem(RangeStatus::Stranded, "no-dax-device",
                                  "no dax device covers this 1 GiB range: nobody can use the "
                                  "memory"),
                          problem(RangeStatus::Ok, "region-not-committed",
                                  "region2 (0x1080000000, 1 GiB) exists but its decoders are "
                                  "not committed: region assembly did not finish, so it decodes "
                                  "nothing")}}}},

        // A pmem region in a window, and no Soft Reserved anywhere: nothing to own.
        {.name = "NoEvidenceNoRanges",
         .machine = {.block_size = 128 * MiB,
                     .iomem = {"110000000-20fffffff : CXL Window 0",
                               "  110000000-11fffffff : Persistent Memory",
                               "    110000000-11fffffff : region0"},
                     .windows = {window("decoder0.0", 0x110000000, 4 * GiB)},
                     .regions = {region(0, "decoder0.0", 0x110000000, 256 * MiB, "pmem", true)}},
         .ranges = {}}};
}

class Machines : public ::testing::TestWithParam<Case> {};

TEST_P(Machines, ComputeRanges) {
    const Case& c = GetParam();
    EXPECT_EQ(render(compute_ranges(snapshot_of(c.machine))), render(ranges_of(c.ranges)));
}

INSTANTIATE_TEST_SUITE_P(Ownership, Machines, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                             return info.param.name;
                         });

// A large machine's worth of blocks lands on the right devices: 64 regions of 64 GiB in 16
// windows, 32768 blocks of 128 MiB. Built in loops, so not a row of the table.
TEST(Ownership, ManyRegionsAndBlocks) {
    const std::uint64_t base = 0x10000000000;
    Machine m{.block_size = 128 * MiB};
    for (int w = 0; w < 16; ++w)
        m.windows.push_back(
            window("decoder0." + std::to_string(w), base + w * 256 * GiB, 256 * GiB));
    for (int i = 0; i < 64; ++i) {
        std::uint64_t start = base + i * 64 * GiB;
        std::string name = "region" + std::to_string(i);
        std::string dax_name = "dax" + std::to_string(i) + ".0";
        m.regions.push_back(
            region(i, "decoder0." + std::to_string(i / 4), start, 64 * GiB, "ram", true));
        m.dax_regions.push_back(dax_region(i, Cxl, name, {dax_name}));
        m.dax.push_back(dax(dax_name, Cxl, name, start, 64 * GiB, "kmem", 1 + i / 4));
    }
    for (int i = 0; i < 64; ++i) {
        std::string dax_name = "dax" + std::to_string(i) + ".0";
        m.blocks.push_back(online(dax_name, 0, 384, "Movable"));
        m.blocks.push_back(offline(dax_name, 384, 128, "Movable"));
    }
    Snapshot s = snapshot_of(m);
    ASSERT_EQ(s.memory.blocks.size(), 32768u);

    std::vector<Expect> expected;
    for (int i = 0; i < 64; ++i) {
        std::uint64_t start = base + i * 64 * GiB;
        expected.push_back(
            {.start = start,
             .size = 64 * GiB,
             .window = "decoder0." + std::to_string(i / 4),
             .soft_reserved = false,
             .claimants = {cxl_claim("region" + std::to_string(i), start, 64 * GiB, Committed,
                                     Full)},
             .kernel_owner = Owner::Cxl,
             .owner = Owner::Cxl,
             .mode = RangeMode::SystemRam,
             .status = RangeStatus::Ok,
             .dax = {range_dax("dax" + std::to_string(i) + ".0", "kmem", 64 * GiB, 1 + i / 4,
                               {.blocks = 512, .online = 384, .zone = Zone::Movable})}});
    }
    EXPECT_EQ(render(compute_ranges(s)), render(ranges_of(expected)));
}

TEST(Ownership, Names) {
    EXPECT_STREQ(to_string(Owner::Cxl), "cxl");
    EXPECT_STREQ(to_string(Owner::Hmem), "hmem");
    EXPECT_STREQ(to_string(Owner::None), "none");
    EXPECT_STREQ(to_string(RangeMode::SystemRam), "system-ram");
    EXPECT_STREQ(to_string(RangeMode::Devdax), "devdax");
    EXPECT_STREQ(to_string(RangeMode::Unbound), "unbound");
    EXPECT_STREQ(to_string(RangeMode::Absent), "absent");
    EXPECT_STREQ(to_string(Zone::Movable), "movable");
    EXPECT_STREQ(to_string(Zone::Normal), "normal");
    EXPECT_STREQ(to_string(Zone::Mixed), "mixed");
    EXPECT_STREQ(to_string(RangeStatus::Ok), "ok");
    EXPECT_STREQ(to_string(RangeStatus::Conflict), "conflict");
    EXPECT_STREQ(to_string(RangeStatus::Stranded), "stranded");
    EXPECT_STREQ(to_string(RangeStatus::PartialCoverage), "partial-coverage");
    EXPECT_STREQ(to_string(RangeStatus::Unaligned), "unaligned");
    EXPECT_STREQ(to_string(Claimant::Kind::Cxl), "cxl");
    EXPECT_STREQ(to_string(Claimant::Kind::Hmem), "hmem");
}

}  // namespace
}  // namespace srmd
