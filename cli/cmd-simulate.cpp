// `srmctl simulate --root DIR [--json]`: read a captured tree as srmd would read the machine and
// print the Ranges it finds, as a table for people or as the JSON contract for programs.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/json-error.hpp"
#include "cli/offline-tree.hpp"
#include "cli/options.hpp"
#include "cli/policy-option.hpp"
#include "cli/policy-table.hpp"
#include "cli/ranges-table.hpp"
#include "cli/simulate-apply.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan-problems.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "publish/ranges-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace srmctl {

namespace {

const char simulate_usage[] =
    "Usage: srmctl simulate --root DIR [--json] [--policy-dir DIR]...\n"
    "                       [--apply [--inject SPEC]... [--step-timeout MS] [--in-place]]\n"
    "\n"
    "Read the tree below DIR (its proc/ and sys/, as made by `srmctl capture`) the way srmd reads\n"
    "the machine, and print the Soft Reserved ranges: who claims them, who holds them, and what "
    "is\n"
    "wrong. Use --root / for this machine.\n"
    "\n"
    "  --root DIR  the tree to read\n"
    "  --json      print the JSON contract instead of the table\n"
    "  --policy-dir DIR  apply the policy in DIR (repeatable, see srmd.policy(5)): each range\n"
    "              gets the rule that matches it, whether it already is what the rule wants,\n"
    "              and, among its problems, what srmd would refuse to do (as srmctl plan)\n"
    "  --apply     plan what the policy wants (default policy directories unless --policy-dir),\n"
    "              carry the plan out through the simulated kernel on a private copy of DIR,\n"
    "              and print the ranges afterwards with each step's outcome (--json adds\n"
    "              \"plan\" and \"applied\"); exit status 1 when a range was left degraded\n"
    "  --inject SPEC  with --apply, a fault for the simulated kernel (repeatable):\n"
    "              fail:ACTION:TARGET:ERRNO, vanish:ACTION:TARGET, hang:ACTION:TARGET,\n"
    "              fail-after:N:ERRNO (ACTION and TARGET may be *)\n"
    "  --step-timeout MS  with --apply, how long a step may take before it is killed (10000)\n"
    "  --in-place  with --apply, change DIR itself instead of a copy\n";

struct SimulateOptions {
    std::optional<std::string> root;
    bool json = false;
    bool help = false;
    std::vector<std::string> policy_dirs;
    bool apply = false;
    bool in_place = false;
    srmd::SimFaults faults;
    std::optional<std::chrono::milliseconds> step_timeout;
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "srmctl simulate: %s\n\n%s", message.c_str(), simulate_usage);
    return 2;
}

int run(const SimulateOptions& options) {
    srmd::RootReader reader = open_offline_tree(*options.root);
    if (options.apply) {
        ApplyOptions apply;
        apply.root = *options.root;
        apply.json = options.json;
        apply.in_place = options.in_place;
        apply.faults = options.faults;
        if (options.step_timeout)
            apply.step_timeout = *options.step_timeout;
        std::vector<std::string> dirs =
            options.policy_dirs.empty() ? srmd::default_policy_dirs() : options.policy_dirs;
        return simulate_apply(apply, load_policy_or_throw(dirs));
    }
    srmd::Snapshot snapshot = srmd::read_snapshot(reader);
    std::vector<srmd::Range> ranges = srmd::compute_ranges(snapshot);
    std::optional<srmd::Policy> policy;
    if (!options.policy_dirs.empty()) {
        policy = load_policy_or_throw(options.policy_dirs);
        // What srmd would refuse is a problem of the range here too, as in `srmctl plan` and
        // the daemon: a range that will not converge says why.
        srmd::join_plan_problems(
            ranges,
            srmd::make_plan(snapshot, ranges, srmd::desired_for_ranges(*policy, ranges, snapshot)));
    }
    if (options.json) {
        srmd::Json json = srmd::simulate_to_json(snapshot, ranges);
        if (policy)
            srmd::add_policy_to_simulate_json(json, ranges, *policy, snapshot);
        std::printf("%s\n", json.dump(2).c_str());
    } else {
        std::fputs(ranges_table(snapshot, ranges).c_str(), stdout);
        if (policy && !ranges.empty())
            std::fputs(("\n" + policy_table(snapshot, ranges, *policy)).c_str(), stdout);
    }
    return 0;
}

}  // namespace

int cmd_simulate(const Args& args) {
    SimulateOptions options;
    OptionReader reader(args, {{"json", false},
                               {"root", true},
                               {"policy-dir", true},
                               {"apply", false},
                               {"in-place", false},
                               {"inject", true},
                               {"step-timeout", true}});
    for (Found found; reader.next(found);) {
        if (found.is("json")) {
            options.json = true;
        } else if (found.is("help")) {
            options.help = true;
        } else if (found.is("root")) {
            if (!found.value)
                return usage_error("--root needs a directory");
            options.root = *found.value;
        } else if (found.is("policy-dir")) {
            if (!value_given(found))
                return usage_error("--policy-dir needs a directory");
            options.policy_dirs.push_back(*found.value);
        } else if (found.is("apply")) {
            options.apply = true;
        } else if (found.is("in-place")) {
            options.in_place = true;
        } else if (found.is("inject")) {
            if (!found.value)
                return usage_error("--inject needs a fault");
            try {
                options.faults.faults.push_back(srmd::parse_sim_fault(*found.value));
            } catch (const std::invalid_argument& e) {
                return usage_error(e.what());
            }
        } else if (found.is("step-timeout") && (!found.value || found.separate)) {
            // Only ever "--step-timeout MS": "--step-timeout=MS" stays an unknown argument.
            const std::string value = found.value.value_or("");
            if (value.empty() || value.size() > 9 ||
                value.find_first_not_of("0123456789") != std::string::npos || value == "0")
                return usage_error("--step-timeout needs a number of milliseconds");
            options.step_timeout = std::chrono::milliseconds(std::stol(value));
        } else {
            return usage_error("unknown argument '" + found.word + "'");
        }
    }
    if (options.help) {
        std::fputs(simulate_usage, stdout);
        return 0;
    }
    if (!options.root)
        return usage_error("--root DIR is required");
    if (options.root->empty())
        return usage_error("--root needs a directory");

    bool apply_only = options.in_place || !options.faults.faults.empty() || options.step_timeout;
    if (apply_only && !options.apply)
        return usage_error("--inject, --step-timeout and --in-place go with --apply");

    try {
        return run(options);
    } catch (const std::exception& e) {
        // SystemError already names the file; other exceptions are bugs or bad data, reported the
        // same way rather than aborting.
        return report_offline_failure(options.json, e);
    }
}

}  // namespace srmctl
