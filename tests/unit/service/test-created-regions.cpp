// state.json's created_regions: a create-region step that succeeded is recorded with the name
// the machine gave the region, survives a save and a load, and goes when srmd destroys the
// region; a creation rolled back leaves nothing behind. On the 7.2 overlap-boot tree through the
// simulated kernel.
#include <gtest/gtest.h>

#include <chrono>

#include "act/executor.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "read/root-reader.hpp"
#include "service/created-regions.hpp"
#include "service/state-store.hpp"
#include "sim/sim-kernel.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"

using namespace std::chrono_literals;

namespace srmd {
namespace {

using test::fixture;
using test::TreeCopy;

Snapshot read_tree(const std::string& root) {
    return read_snapshot(RootReader(root));
}

Plan handover_plan(const std::string& root) {
    Snapshot s = read_tree(root);
    std::vector<Range> ranges = compute_ranges(s);
    Desired d;
    d.owner = Owner::Cxl;
    d.mode = Desired::Mode::SystemRam;
    d.zone = Zone::Movable;
    d.allow_teardown = true;
    return make_plan(s, ranges, std::vector<std::optional<Desired>>(ranges.size(), d));
}

TEST(CreatedRegions, RecordedSavedLoadedAndForgottenWhenDestroyed) {
    TreeCopy tree(fixture("kernel-7.2/overlap-boot"));
    SimulatedKernel kernel(tree.path(), {}, 30s);
    Execution execution =
        execute_plan(handover_plan(tree.path()), kernel, [&] { return read_tree(tree.path()); });
    ASSERT_TRUE(execution.ok());
    State state;
    Snapshot after = read_tree(tree.path());
    note_created_regions(state, execution, &after, 1234);
    ASSERT_EQ(state.created_regions.size(), 1u);
    const CreatedRegion& c = state.created_regions[0];
    EXPECT_EQ(c.name, "region0");
    EXPECT_EQ(c.root_decoder, "decoder0.0");
    EXPECT_EQ(c.start, 0x110000000u);
    EXPECT_EQ(c.size, 0x20000000u);
    EXPECT_EQ(c.range, "r110000000");
    EXPECT_EQ(c.time, 1234);

    std::string text = state_to_text(state);
    EXPECT_NE(text.find("\"created_regions\""), std::string::npos) << text;
    State loaded = state_from_text(text);
    ASSERT_EQ(loaded.created_regions.size(), 1u);
    EXPECT_EQ(loaded.created_regions[0].name, "region0");
    EXPECT_EQ(loaded.created_regions[0].start, 0x110000000u);
    // A state without created regions keeps its old shape.
    EXPECT_EQ(state_to_text(State{}).find("created_regions"), std::string::npos);

    // srmd destroys it: it leaves the list.
    Execution destroyed;
    AppliedStep a;
    a.step = test::step(Action::DestroyRegion, "region0");
    destroyed.applied.push_back(a);
    note_created_regions(loaded, destroyed, &after, 1300);
    EXPECT_TRUE(loaded.created_regions.empty());
}

TEST(CreatedRegions, ACreationRolledBackLeavesNothing) {
    TreeCopy tree(fixture("kernel-7.2/overlap-boot"));
    // The region is created, then the bind fails: the rollback destroys it.
    SimFaults faults;
    faults.faults = {parse_sim_fault("fail-after:10:ENXIO")};
    SimulatedKernel kernel(tree.path(), faults, 30s);
    Execution execution =
        execute_plan(handover_plan(tree.path()), kernel, [&] { return read_tree(tree.path()); });
    ASSERT_FALSE(execution.ok());
    State state;
    Snapshot after = read_tree(tree.path());
    note_created_regions(state, execution, &after, 1234);
    EXPECT_TRUE(state.created_regions.empty());
}

}  // namespace
}  // namespace srmd
