// srmd-bench-plan ROOT [--runs N]: how long the planner takes on a machine. Reads the snapshot
// and computes the ranges once, then times make_plan for a few wishes every range shares: the
// vendor default (usually converged: the cheap path srmd takes on every pass), CXL devdax with
// teardown (steps for every device of a CXL machine), and hmem as the owner (ownership changes
// or refusals). Prints figures; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Wish {
    const char* name;
    // What every range wants, given the range (the default keeps the kernel's owner).
    srmd::Desired (*desired)(const srmd::Range&);
};

srmd::Desired base(srmd::Owner owner, srmd::Desired::Mode mode, bool teardown) {
    srmd::Desired desired;
    desired.owner = owner;
    desired.mode = mode;
    if (mode == srmd::Desired::Mode::SystemRam)
        desired.zone = srmd::Zone::Movable;
    desired.allow_teardown = teardown;
    desired.rule = "bench.yaml:1 bench";
    return desired;
}

const Wish wishes[] = {
    {"default (kernel owner, system-ram movable)",
     [](const srmd::Range& r) {
         return base(r.kernel_owner, srmd::Desired::Mode::SystemRam, false);
     }},
    {"owner cxl, devdax, with teardown",
     [](const srmd::Range&) { return base(srmd::Owner::Cxl, srmd::Desired::Mode::Devdax, true); }},
    {"owner hmem with teardown",
     [](const srmd::Range&) {
         return base(srmd::Owner::Hmem, srmd::Desired::Mode::SystemRam, true);
     }},
};

double percentile(std::vector<double> values, double fraction) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: srmd-bench-plan ROOT [--runs N]\n");
        return 2;
    }
    std::string root = argv[1];
    int runs = 200;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "srmd-bench-plan: unknown argument '%s'\n", arg.c_str());
            return 2;
        }
    }
    if (runs < 1) {
        std::fprintf(stderr, "srmd-bench-plan: --runs needs a positive number\n");
        return 2;
    }
    try {
        srmd::Snapshot snapshot = srmd::read_snapshot(srmd::RootReader(root));
        std::vector<srmd::Range> ranges = srmd::compute_ranges(snapshot);
        std::printf("%s: %zu ranges, %zu dax devices, %zu memory blocks; %d runs each\n",
                    root.c_str(), ranges.size(), snapshot.dax_devices.size(),
                    snapshot.memory.blocks.size(), runs);
        for (const Wish& wish : wishes) {
            std::vector<std::optional<srmd::Desired>> desired;
            for (const srmd::Range& range : ranges)
                desired.push_back(wish.desired(range));
            std::vector<double> times;
            std::size_t steps = 0;
            std::size_t refusals = 0;
            for (int run = 0; run < runs; ++run) {
                Clock::time_point start = Clock::now();
                srmd::Plan plan = srmd::make_plan(snapshot, ranges, desired);
                times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
                steps = plan.steps().size();
                refusals = 0;
                for (const srmd::RangePlan& range : plan.ranges)
                    refusals += range.problems.size();
            }
            std::printf("  %-44s %5zu steps %4zu refusals  min %8.3f ms  median %8.3f ms\n",
                        wish.name, steps, refusals, percentile(times, 0.0) * 1e3,
                        percentile(times, 0.5) * 1e3);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmd-bench-plan: %s\n", e.what());
        return 1;
    }
}
