// Giving a range to CXL when no region holds it (issue 14, part 1), on the real 7.2 trees:
//   - overlap-boot: hmem holds Soft Reserved inside the CXL window, no region. `owner: cxl`
//     plans unbind, release, create-region (with its spec); the simulated kernel carries it out
//     and the next pass onlines the new device movable;
//   - a create-region that fails to come up is destroyed again and hmem gets the range back;
//   - the kernel's refusals: a region placed elsewhere (EADDRINUSE), a leftover DPA allocation
//     freed first, not enough capacity, no teardown allowed;
//   - firmware-sr-larger-than-region (seed [4]): release hmem, re-probe region0, rest-unusable;
//   - CXL -> hmem on 7.x stays refused with the kernel's remedy.
#include <gtest/gtest.h>

#include <chrono>

#include "act/executor.hpp"
#include "ownership/ownership.hpp"
#include "plan-builders.hpp"
#include "plan/plan.hpp"
#include "publish/plan-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-kernel.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"

using namespace std::chrono_literals;

namespace srmd {
namespace {

using test::fixture;
using test::read_file;
using test::TreeCopy;
using test::write_file;

constexpr std::uint64_t kStart = 0x110000000;
constexpr std::uint64_t kMiB = 1ULL << 20;

Snapshot read_tree(const std::string& root) {
    return read_snapshot(RootReader(root));
}

Desired want(Owner owner, bool teardown = true) {
    Desired d;
    d.owner = owner;
    d.mode = Desired::Mode::SystemRam;
    d.zone = Zone::Movable;
    d.allow_teardown = teardown;
    d.rule = "50-test.yaml:4 test";
    return d;
}

Plan plan_for(const Snapshot& s, const Desired& desired) {
    std::vector<Range> ranges = compute_ranges(s);
    return make_plan(s, ranges, std::vector<std::optional<Desired>>(ranges.size(), desired));
}

// "action target" per step, then "! code" per problem.
std::string render(const Plan& plan) {
    std::string text;
    for (const RangePlan& range : plan.ranges) {
        for (const Step& step : range.steps)
            text += std::string(to_string(step.action)) + " " + step.target + "\n";
        for (const Problem& problem : range.problems)
            text += "! " + problem.code + "\n";
    }
    return text;
}

const Problem* problem(const Plan& plan, const std::string& code) {
    return test::plan_problem(plan, code);
}

// Plans and applies until nothing is left to do (at most `passes` passes); the last execution.
Execution converge(const std::string& root, Actuator& kernel, const Desired& desired,
                   int passes = 4) {
    Execution last;
    for (int i = 0; i < passes; ++i) {
        Plan plan = plan_for(read_tree(root), desired);
        if (plan.empty())
            break;
        last = execute_plan(plan, kernel, [&] { return read_tree(root); });
        if (!last.ok())
            break;
    }
    return last;
}

const Range* range_at(const std::vector<Range>& ranges, std::uint64_t start) {
    for (const Range& range : ranges)
        if (range.start == start)
            return &range;
    return nullptr;
}

// --- planning

TEST(Handover, PlansReleaseThenCreateRegionWithItsSpec) {
    Snapshot s = read_tree(fixture("kernel-7.2/overlap-boot"));
    ASSERT_EQ(s.endpoint_decoders.size(), 4u);
    EXPECT_EQ(s.endpoint_decoders[0].name, "decoder2.0");
    EXPECT_EQ(s.endpoint_decoders[0].memdev, "mem0");
    EXPECT_EQ(s.endpoint_decoders[0].mode, "none");
    EXPECT_FALSE(s.endpoint_decoders[0].dpa_resource);
    ASSERT_EQ(s.windows.size(), 1u);
    EXPECT_TRUE(s.windows[0].can_create_ram);
    EXPECT_EQ(s.windows[0].interleave_granularity, 256);

    Plan plan = plan_for(s, want(Owner::Cxl));
    EXPECT_EQ(render(plan),
              "disable-dax dax1.0\n"
              "release-hmem hmem.1\n"
              "create-region decoder0.0\n");
    const Step& create = plan.ranges.at(0).steps.at(2);
    ASSERT_TRUE(create.create);
    EXPECT_EQ(create.create->root_decoder, "decoder0.0");
    EXPECT_EQ(create.create->endpoint_decoders, std::vector<std::string>{"decoder2.0"});
    EXPECT_EQ(create.create->memdevs, std::vector<std::string>{"mem0"});
    EXPECT_EQ(create.create->start, kStart);
    EXPECT_EQ(create.create->size, 512 * kMiB);
    EXPECT_EQ(create.create->interleave_granularity, 256);
    EXPECT_EQ(create.create->interleave_ways, 1);

    Json json = step_to_json(create);
    const Json* spec = json.find("create");
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->find("root_decoder")->as_string(), "decoder0.0");
    EXPECT_EQ(spec->find("start")->as_uint(), kStart);
    EXPECT_EQ(spec->find("size")->as_uint(), 512 * kMiB);
    EXPECT_EQ(spec->find("endpoint_decoders")->as_array().at(0).as_string(), "decoder2.0");
    EXPECT_EQ(spec->find("type")->as_string(), "ram");
    // Other steps carry no create object.
    EXPECT_FALSE(step_to_json(plan.ranges[0].steps[0]).find("create"));
}

TEST(Handover, WithoutTeardownNothingIsPlanned) {
    Plan plan = plan_for(read_tree(fixture("kernel-7.2/overlap-boot")), want(Owner::Cxl, false));
    EXPECT_EQ(render(plan), "! teardown-not-allowed\n");
}

TEST(Handover, RefusedWhenNoMemdevHasTheCapacity) {
    TreeCopy tree(fixture("kernel-7.2/overlap-boot"));
    write_file(tree.path() + "/sys/bus/cxl/devices/mem0/ram/size", "0x10000000\n");
    Plan plan = plan_for(read_tree(tree.path()), want(Owner::Cxl));
    EXPECT_EQ(render(plan), "! create-region-refused\n");
    EXPECT_NE(problem(plan, "create-region-refused")->message.find("capacity"), std::string::npos);
}

TEST(Handover, RefusedWhenTheKernelWouldPlaceTheRegionElsewhere) {
    Snapshot s = read_tree(fixture("kernel-7.2/overlap-boot"));
    // Move the hmem device (and so the range) 256 MiB up: the kernel would place a new region at
    // the window's start, below it.
    ASSERT_EQ(s.hmem.size(), 1u);
    s.hmem[0].start = kStart + 256 * kMiB;
    s.hmem[0].size = 256 * kMiB;
    for (DaxDevice& dax : s.dax_devices) {
        dax.size = 256 * kMiB;
        for (DaxMapping& m : dax.mappings) {
            m.start = kStart + 256 * kMiB;
            m.end = kStart + 512 * kMiB - 1;
        }
        if (dax.resource)
            dax.resource = kStart + 256 * kMiB;
    }
    Plan plan = plan_for(s, want(Owner::Cxl));
    const Problem* refused = problem(plan, "create-region-refused");
    ASSERT_TRUE(refused) << render(plan);
    EXPECT_NE(refused->message.find("0x110000000"), std::string::npos) << refused->message;
}

TEST(Handover, CxlToHmemOn7xStaysRefusedWithTheKernelsRemedy) {
    Plan plan =
        plan_for(read_tree(fixture("kernel-7.2/firmware-sr-equals-region")), want(Owner::Hmem));
    const Problem* refused = problem(plan, "needs-global-change");
    ASSERT_TRUE(refused) << render(plan);
    EXPECT_NE(refused->message.find("unload cxl_acpi"), std::string::npos);
    EXPECT_TRUE(plan.empty());
}

// --- carrying it out on the simulated kernel

TEST(Handover, SimulatedKernelConvergesThroughACreatedRegion) {
    TreeCopy tree(fixture("kernel-7.2/overlap-boot"));
    SimulatedKernel kernel(tree.path(), {}, 30s);
    Execution execution = converge(tree.path(), kernel, want(Owner::Cxl));
    EXPECT_TRUE(execution.ok());

    Snapshot after = read_tree(tree.path());
    ASSERT_EQ(after.regions.size(), 1u);
    const CxlRegion& region = after.regions[0];
    EXPECT_EQ(region.name, "region0");
    EXPECT_EQ(region.start, kStart);
    EXPECT_EQ(region.size, 512 * kMiB);
    EXPECT_TRUE(region.committed);
    EXPECT_TRUE(region.enabled);
    EXPECT_TRUE(region.dax_region_enabled);
    EXPECT_EQ(region.targets, std::vector<std::string>{"decoder2.0"});
    const CxlEndpointDecoder* decoder = after.endpoint_decoder("decoder2.0");
    ASSERT_TRUE(decoder);
    EXPECT_EQ(decoder->mode, "ram");
    EXPECT_EQ(decoder->dpa_size, 512 * kMiB);
    EXPECT_EQ(decoder->region, "region0");
    EXPECT_EQ(after.hmem.at(0).driver, "");

    std::vector<Range> ranges = compute_ranges(after);
    const Range* range = range_at(ranges, kStart);
    ASSERT_TRUE(range);
    EXPECT_EQ(range->owner, Owner::Cxl);
    ASSERT_EQ(range->dax.size(), 1u);
    EXPECT_EQ(range->dax[0].driver, "kmem");
    EXPECT_EQ(range->dax[0].memory.online, 4);
    EXPECT_EQ(range->dax[0].memory.zone, Zone::Movable);
    // The new device got the node hmem's device had at that address.
    EXPECT_EQ(range->dax[0].target_node, 0);
    EXPECT_TRUE(plan_for(after, want(Owner::Cxl)).ranges.empty());
    // The kernel's events: the region was announced.
    EXPECT_NE(read_file(tree.path() + "/.sim-kernel/uevents").find("add cxl"), std::string::npos);
}

TEST(Handover, ACreatedRegionThatFailsToComeUpIsDestroyedAgain) {
    TreeCopy tree(fixture("kernel-7.2/overlap-boot"));
    // The bind to cxl_region fails: the region exists, committed, but never comes up.
    SimFaults faults;
    faults.faults = {parse_sim_fault("fail-after:10:ENXIO")};
    SimulatedKernel kernel(tree.path(), faults, 30s);
    Plan plan = plan_for(read_tree(tree.path()), want(Owner::Cxl));
    Execution execution = execute_plan(plan, kernel, [&] { return read_tree(tree.path()); });
    EXPECT_FALSE(execution.ok());
    const AppliedStep* failed = nullptr;
    std::vector<std::string> rollbacks;
    for (const AppliedStep& a : execution.applied) {
        if (!a.rollback && a.result != AppliedStep::Result::Ok)
            failed = &a;
        if (a.rollback)
            rollbacks.push_back(std::string(to_string(a.step.action)) + " " + a.step.target);
    }
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->step.action, Action::CreateRegion);
    EXPECT_EQ(failed->error, ENXIO);
    EXPECT_EQ(rollbacks, (std::vector<std::string>{"destroy-region region0", "claim-hmem hmem.1",
                                                   "enable-dax dax1.0"}));

    Snapshot after = read_tree(tree.path());
    EXPECT_TRUE(after.regions.empty());
    EXPECT_EQ(after.hmem.at(0).driver, "hmem");
    EXPECT_EQ(after.dax_device("dax1.0")->driver, "kmem");
    EXPECT_EQ(after.endpoint_decoder("decoder2.0")->region, "");
    ASSERT_EQ(execution.ranges.size(), 1u);
    EXPECT_TRUE(execution.ranges[0].degraded);

    // The retry frees the DPA the failed attempt left allocated and succeeds.
    EXPECT_EQ(after.endpoint_decoder("decoder2.0")->dpa_size, 512 * kMiB);
    SimulatedKernel healthy(tree.path(), {}, 30s);
    EXPECT_TRUE(converge(tree.path(), healthy, want(Owner::Cxl)).ok());
    Snapshot again = read_tree(tree.path());
    ASSERT_EQ(again.regions.size(), 1u);
    EXPECT_TRUE(again.regions[0].dax_region_enabled);
}

TEST(Handover, TheKernelPlacingTheRegionElsewhereIsEaddrinuse) {
    TreeCopy tree(fixture("kernel-7.2/overlap-boot"));
    // hmem still holds the range: the kernel puts the region after it (overlap-region's shape).
    Snapshot s = read_tree(tree.path());
    Step create = test::step(Action::CreateRegion, "decoder0.0");
    RegionSpec spec;
    spec.root_decoder = "decoder0.0";
    spec.endpoint_decoders = {"decoder2.0"};
    spec.memdevs = {"mem0"};
    spec.start = kStart;
    spec.size = 512 * kMiB;
    spec.interleave_granularity = 256;
    create.create = spec;
    SimulatedKernel kernel(tree.path(), {}, 30s);
    StepOutcome outcome = kernel.execute(create);
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, EADDRINUSE);
    EXPECT_NE(outcome.message.find("0x130000000"), std::string::npos) << outcome.message;
    EXPECT_TRUE(read_tree(tree.path()).regions.empty());
}

TEST(Handover, TheSimulatedKernelRefusesWhatTheKernelRefuses) {
    TreeCopy tree(fixture("kernel-7.2/cxl-ram-noregion"));
    SimulatedKernel kernel(tree.path(), {}, 30s);
    const std::string root = "/sys/bus/cxl/devices/decoder0.0/";
    const std::string ep = "/sys/bus/cxl/devices/decoder2.0/";
    EXPECT_EQ(kernel.write(root + "create_ram_region", "region7").error, EBUSY);
    ASSERT_TRUE(kernel.write(root + "create_ram_region", "region0").ok);
    const std::string r = "/sys/bus/cxl/devices/region0/";
    EXPECT_EQ(kernel.write(r + "size", "0x20000000").error, ENXIO);  // no interleave yet
    ASSERT_TRUE(kernel.write(r + "interleave_granularity", "256").ok);
    EXPECT_EQ(kernel.write(r + "interleave_ways", "5").error, EINVAL);
    ASSERT_TRUE(kernel.write(r + "interleave_ways", "1").ok);
    EXPECT_EQ(kernel.write(r + "size", "0x1000000").error, EINVAL);  // not 256 MiB
    ASSERT_TRUE(kernel.write(r + "size", "0x20000000").ok);
    EXPECT_EQ(kernel.write(ep + "dpa_size", "0x20000000").error, EINVAL);  // mode none
    ASSERT_TRUE(kernel.write(ep + "mode", "ram").ok);
    EXPECT_EQ(kernel.write(ep + "dpa_size", "0x40000000").error, ENOSPC);  // more than mem0
    ASSERT_TRUE(kernel.write(ep + "dpa_size", "0x10000000").ok);
    EXPECT_EQ(kernel.write(ep + "dpa_size", "0x20000000").error, ENOSPC);  // leftover
    EXPECT_EQ(kernel.write(r + "target0", "decoder2.0").error, EINVAL);    // size mismatch
    ASSERT_TRUE(kernel.write(ep + "dpa_size", "0").ok);
    ASSERT_TRUE(kernel.write(ep + "dpa_size", "0x20000000").ok);
    EXPECT_EQ(kernel.write(r + "commit", "1").error, ENXIO);  // no target
    ASSERT_TRUE(kernel.write(r + "target0", "decoder2.0").ok);
    EXPECT_EQ(kernel.write(ep + "dpa_size", "0").error, EBUSY);  // attached
    ASSERT_TRUE(kernel.write(r + "commit", "1").ok);
    EXPECT_EQ(kernel.write(r + "size", "0x40000000").error, EBUSY);  // committed
    ASSERT_TRUE(kernel.write("/sys/bus/cxl/drivers/cxl_region/bind", "region0").ok);
    Snapshot s = read_tree(tree.path());
    ASSERT_EQ(s.regions.size(), 1u);
    EXPECT_TRUE(s.regions[0].dax_region_enabled);
    EXPECT_EQ(s.regions[0].start, s.windows[0].start);
    EXPECT_EQ(s.windows[0].name, "decoder0.0");
    EXPECT_EQ(read_file(tree.path() + "/sys/bus/cxl/devices/decoder0.0/create_ram_region"),
              "region2\n");  // hmem.1 holds memregion id 1
}

// --- seed [4]: hmem registered the whole range, region0's dax region lost

TEST(Handover, PartialCoverageRecoversTheRegionsPart) {
    TreeCopy tree(fixture("kernel-7.2/firmware-sr-larger-than-region"));
    Plan plan = plan_for(read_tree(tree.path()), want(Owner::Cxl));
    EXPECT_EQ(render(plan),
              "release-hmem hmem.2\n"
              "disable-region region0\n"
              "enable-region region0\n"
              "! rest-unusable\n");
    const std::string& words = problem(plan, "rest-unusable")->message;
    EXPECT_NE(words.find("512 MiB of this 1 GiB range stays unusable"), std::string::npos) << words;

    SimulatedKernel kernel(tree.path(), {}, 30s);
    EXPECT_TRUE(converge(tree.path(), kernel, want(Owner::Cxl)).ok());
    Snapshot after = read_tree(tree.path());
    ASSERT_EQ(after.regions.size(), 1u);
    EXPECT_TRUE(after.regions[0].dax_region_enabled);
    std::vector<Range> ranges = compute_ranges(after);
    const Range* range = range_at(ranges, kStart);
    ASSERT_TRUE(range);
    EXPECT_EQ(range->owner, Owner::Cxl);
    ASSERT_EQ(range->dax.size(), 1u);
    EXPECT_EQ(range->dax[0].memory.online, 4);
    EXPECT_EQ(range->dax[0].memory.zone, Zone::Movable);
}

TEST(Handover, PartialCoverageWithoutTeardownIsRefused) {
    Plan plan = plan_for(read_tree(fixture("kernel-7.2/firmware-sr-larger-than-region")),
                         want(Owner::Cxl, false));
    EXPECT_TRUE(plan.empty());
    EXPECT_TRUE(problem(plan, "teardown-not-allowed"));
}

}  // namespace
}  // namespace srmd
