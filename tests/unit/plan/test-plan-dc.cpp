// make_plan on Dynamic Capacity ranges (plan-dc.cpp), machines built in code (dc-machine.hpp) and
// Desired::dc_tags filled by hand: claims by tag and of untagged extents, the mode of a claimed
// device, releases the device asked for (granted for movable kmem memory even where the rule
// allows no teardown, refused for devdax and ZONE_NORMAL), and nothing to do once converged.
// Every case asserts the whole step list.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "dc-machine.hpp"
#include "ownership/ownership.hpp"
#include "plan-builders.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "read/snapshot.hpp"

namespace srmd {
namespace {

using namespace srmd::test::dc;

Desired::Tag wish(const std::string& tag, Desired::Mode mode,
                  std::optional<Zone> zone = std::nullopt, bool allow_teardown = false) {
    Desired::Tag t;
    t.tag = tag;
    t.mode = mode;
    t.zone = zone;
    t.allow_teardown = allow_teardown;
    t.rule = "10-dc.yaml:3 " + std::string(tag.empty() ? "loose" : "tagged");
    return t;
}

// The range's own rule matters not: each allocation goes by its tag's wish.
Desired desired(std::vector<Desired::Tag> tags) {
    Desired d;
    d.owner = Owner::Cxl;
    d.mode = Desired::Mode::Ignore;
    d.rule = "10-dc.yaml:3 tagged";
    d.dc_tags = std::move(tags);
    return d;
}

Plan plan_of(const Snapshot& s, const Desired& d) {
    std::vector<Range> ranges = compute_ranges(s);
    EXPECT_EQ(ranges.size(), 1u);
    return make_plan(s, ranges, {d});
}

// "claim-dc-capacity dax0.0 tag=...", "online-memory dax0.1 zone=movable", ...
std::vector<std::string> steps_of(const Plan& plan) {
    std::vector<std::string> out;
    for (const RangePlan& range : plan.ranges)
        for (const Step& step : range.steps) {
            std::string line = std::string(to_string(step.action)) + " " + step.target;
            if (step.dc_tag)
                line += " tag=" + (step.dc_tag->empty() ? std::string("untagged") : *step.dc_tag);
            if (step.mode)
                line += std::string(" mode=") + to_string(*step.mode);
            if (step.zone)
                line += std::string(" zone=") + to_string(*step.zone);
            out.push_back(line);
        }
    return out;
}

using Lines = std::vector<std::string>;

TEST(PlanDc, ClaimsATagWithTheSeed) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, 512 * kMiB, kTagA);
    Plan plan = plan_of(s, desired({wish(kTagA, Desired::Mode::Devdax)}));
    EXPECT_EQ(steps_of(plan), Lines{std::string("claim-dc-capacity dax0.0 tag=") + kTagA});
    ASSERT_EQ(plan.ranges.size(), 1u);
    EXPECT_TRUE(plan.ranges[0].problems.empty());
    EXPECT_EQ(plan.ranges[0].steps[0].reason,
              std::string("2 extents (tag ") + kTagA +
                  ", 1.5 GiB) of region0 no dax device claimed, and rule 10-dc.yaml:3 tagged "
                  "wants devdax: write the tag to the seed dax0.0's uuid, which gives it every "
                  "extent of the tag; srmd plans again once the new device exists and brings it "
                  "to devdax");
}

TEST(PlanDc, ClaimsOneUntaggedExtentAPlan) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, 256 * kMiB);
    add_extent(s, "extent0.1", kGiB, 256 * kMiB);
    add_extent(s, "extent0.2", 2 * kGiB, kGiB, kTagB);
    Desired d = desired({wish("", Desired::Mode::SystemRam, Zone::Movable),
                         wish(kTagB, Desired::Mode::SystemRam, Zone::Movable)});
    Plan plan = plan_of(s, d);
    // One claim: it takes the seed; tag B and the other untagged extent wait for the next plan
    // (the pass plans again after a claim: act/executor.hpp, wants_another_round).
    EXPECT_EQ(steps_of(plan), Lines{"claim-dc-capacity dax0.0 tag=untagged"});
    EXPECT_NE(plan.ranges.at(0).steps.at(0).reason.find("so srmd plans again for the next one"),
              std::string::npos);

    // The next pass: dax0.0 holds extent0.0 (unbound), dax0.1 is the new seed.
    Snapshot next = s;
    add_device(next, "dax0.1", "", {"extent0.0"}, "");
    next.dax_devices[0].name = "dax0.2";  // the kernel's new seed
    EXPECT_EQ(steps_of(plan_of(next, d)),
              (Lines{"claim-dc-capacity dax0.2 tag=untagged", "enable-dax dax0.1 mode=system-ram",
                     "online-memory dax0.1 zone=movable"}));
}

TEST(PlanDc, OfflineOrIgnoredTagsStayUnclaimed) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, kGiB, kTagB);
    EXPECT_EQ(steps_of(plan_of(s, desired({wish(kTagA, Desired::Mode::Offline),
                                           wish(kTagB, Desired::Mode::Ignore)}))),
              Lines{});
    EXPECT_TRUE(plan_of(s, desired({wish(kTagA, Desired::Mode::Offline)})).ranges.empty());
}

TEST(PlanDc, NoSeedIsAProblem) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    s.dax_devices.clear();
    s.dax_regions[0].devices.clear();
    Plan plan = plan_of(s, desired({wish(kTagA, Desired::Mode::SystemRam, Zone::Movable)}));
    EXPECT_EQ(steps_of(plan), Lines{});
    const Problem* p = test::plan_problem(plan, "dc-no-seed");
    ASSERT_TRUE(p);
    EXPECT_NE(p->message.find("dax_region0 has no 0-size seed dax device"), std::string::npos);
}

TEST(PlanDc, AClaimedDeviceBecomesMovableSystemRam) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", 2 * kGiB, 512 * kMiB, kTagA);
    add_device(s, "dax0.1", kTagA, {"extent0.0", "extent0.1"}, "");
    Plan plan = plan_of(s, desired({wish(kTagA, Desired::Mode::SystemRam, Zone::Movable)}));
    EXPECT_EQ(steps_of(plan),
              (Lines{"enable-dax dax0.1 mode=system-ram", "online-memory dax0.1 zone=movable"}));

    // Bound to device_dax instead: that is the rule's teardown, which it does not allow.
    s.dax_devices[1].driver = "device_dax";
    plan = plan_of(s, desired({wish(kTagA, Desired::Mode::SystemRam, Zone::Movable)}));
    EXPECT_EQ(steps_of(plan), Lines{});
    const Problem* p = test::plan_problem(plan, "teardown-not-allowed");
    ASSERT_TRUE(p);
    EXPECT_NE(p->message.find("rule 10-dc.yaml:3 tagged does not allow it"), std::string::npos)
        << p->message;
    plan = plan_of(s, desired({wish(kTagA, Desired::Mode::SystemRam, Zone::Movable, true)}));
    EXPECT_EQ(steps_of(plan), (Lines{"reconfigure-dax dax0.1 mode=system-ram",
                                     "online-memory dax0.1 zone=movable"}));
}

TEST(PlanDc, ReleasesOnlineMovableMemoryTheRuleMayNotTearDown) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "kmem");
    add_blocks(s, "dax0.1", "online", "Movable");
    add_release(s, 0, kGiB, kTagA);
    // allow_teardown false: the device asks, not the policy.
    Plan plan = plan_of(s, desired({wish(kTagA, Desired::Mode::SystemRam, Zone::Movable)}));
    EXPECT_EQ(steps_of(plan),
              (Lines{"offline-memory dax0.1", "disable-dax dax0.1", "destroy-dax dax0.1"}));
    ASSERT_EQ(plan.ranges.size(), 1u);
    EXPECT_TRUE(plan.ranges[0].problems.empty());
    EXPECT_NE(plan.ranges[0].steps[0].reason.find("the device asked for tag"), std::string::npos);

    // Offline already (kmem bound): unbind and destroy; unbound: destroy only.
    Snapshot offline = s;
    for (MemoryBlock& block : offline.memory.blocks)
        block.state = "offline";
    EXPECT_EQ(steps_of(plan_of(offline, desired({}))),
              (Lines{"disable-dax dax0.1", "destroy-dax dax0.1"}));
    Snapshot unbound = s;
    unbound.memory.blocks.clear();
    unbound.dax_devices[1].driver = "";
    EXPECT_EQ(steps_of(plan_of(unbound, desired({}))), Lines{"destroy-dax dax0.1"});
}

TEST(PlanDc, ReleaseRefusedForDevdax) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "device_dax");
    add_release(s, 0, kGiB, kTagA);
    Plan plan = plan_of(s, desired({wish(kTagA, Desired::Mode::Devdax, std::nullopt, true)}));
    EXPECT_EQ(steps_of(plan), Lines{});
    const Problem* p = test::plan_problem(plan, "dc-release-refused");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->message,
              std::string("the device asked for tag ") + kTagA +
                  " (1 GiB at offset 0x0 of region0) back and dax0.1 holds it, but dax0.1 is a "
                  "devdax device (bound to device_dax): srmd cannot tell whether a program maps "
                  "it, so it does not take it away; stop what uses it and unbind it (daxctl "
                  "disable-device dax0.1), and srmd then destroys it; the kernel ignores the "
                  "request until no dax device uses the extents, so the device (or its fabric "
                  "manager) must ask again after that");
}

TEST(PlanDc, ReleaseRefusedForNormalMemory) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, kGiB, kTagB);
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "kmem");
    add_blocks(s, "dax0.1", "online", "Normal");
    add_release(s, 0, kGiB, kTagA);
    Plan plan = plan_of(s, desired({wish(kTagA, Desired::Mode::SystemRam, Zone::Normal, true),
                                    wish(kTagB, Desired::Mode::Devdax)}));
    // The release is refused; tag B's claim goes on. dax0.1 gets no mode steps.
    EXPECT_EQ(steps_of(plan), Lines{std::string("claim-dc-capacity dax0.0 tag=") + kTagB});
    const Problem* p = test::plan_problem(plan, "dc-release-refused");
    ASSERT_TRUE(p);
    EXPECT_NE(p->message.find("its memory is online in ZONE_NORMAL"), std::string::npos);
    EXPECT_NE(p->message.find("never gives back memory that is still online"), std::string::npos);
}

TEST(PlanDc, NothingToDoWhenConverged) {
    Snapshot s = machine();
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, 256 * kMiB);
    add_extent(s, "extent0.2", 2 * kGiB, kGiB, kTagB);
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "device_dax");
    add_device(s, "dax0.2", "", {"extent0.1"}, "kmem");
    add_blocks(s, "dax0.2", "online", "Movable");
    Desired d = desired({wish(kTagA, Desired::Mode::Devdax),
                         wish("", Desired::Mode::SystemRam, Zone::Movable),
                         wish(kTagB, Desired::Mode::Offline)});
    Plan plan = plan_of(s, d);
    EXPECT_TRUE(plan.ranges.empty()) << steps_of(plan).size();

    // A release of capacity nobody holds is the kernel's to grant: still nothing to do.
    add_release(s, 2 * kGiB, kGiB, kTagB);
    EXPECT_TRUE(plan_of(s, d).ranges.empty());
}

// From a policy file to the plan, and the policy's converged() agreeing with the planner on every
// state a DC range passes through: nothing planned exactly when the policy sees no gap.
TEST(PlanDc, PolicyAndPlannerAgreeOnConvergence) {
    PolicyLoad load = parse_policy_text(
        "version: 1\n"
        "rules:\n"
        "  - name: a-devdax\n"
        "    match:\n"
        "      tag: 5be13bce-*\n"
        "    mode: devdax\n"
        "  - name: rest\n"
        "    mode: system-ram\n"
        "    zone: movable\n",
        "/etc/srmd/policy.d/10-dc.yaml");
    ASSERT_TRUE(load.policy);
    const Policy& policy = *load.policy;
    auto check = [&](const Snapshot& s, bool want_converged) {
        std::vector<Range> ranges = compute_ranges(s);
        Plan plan = make_plan(s, ranges, desired_for_ranges(policy, ranges, s));
        EXPECT_EQ(converged(policy, ranges.at(0), s), want_converged);
        EXPECT_EQ(plan.ranges.empty(), want_converged) << steps_of(plan).size();
        return plan;
    };
    Snapshot s = machine();
    check(s, true);  // no capacity yet
    add_extent(s, "extent0.0", 0, kGiB, kTagA);
    add_extent(s, "extent0.1", kGiB, 256 * kMiB);
    EXPECT_EQ(steps_of(check(s, false)),
              Lines{std::string("claim-dc-capacity dax0.0 tag=") + kTagA});
    add_device(s, "dax0.1", kTagA, {"extent0.0"}, "");
    s.dax_devices[0].name = "dax0.2";
    EXPECT_EQ(steps_of(check(s, false)),
              (Lines{"claim-dc-capacity dax0.2 tag=untagged", "enable-dax dax0.1 mode=devdax"}));
    s.dax_devices[1].driver = "device_dax";
    add_device(s, "dax0.3", "", {"extent0.1"}, "kmem");
    add_blocks(s, "dax0.3", "online", "Movable");
    check(s, true);
    add_release(s, kGiB, 256 * kMiB, "");
    EXPECT_EQ(steps_of(check(s, false)),
              (Lines{"offline-memory dax0.3", "disable-dax dax0.3", "destroy-dax dax0.3"}));
    add_release(s, 0, kGiB, kTagA);
    check(s, false);  // dax0.1 (devdax) refused, dax0.3 released
    s.dax_devices[2].driver = "fsdev_dax";
    check(s, false);
}

}  // namespace
}  // namespace srmd
