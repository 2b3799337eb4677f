// `srmctl plan --root DIR [--policy-dir DIR]... [--json]`: what srmd would do to a machine to make
// it what its policy wants, step by step, and what it refuses to do and why. Changes nothing.
#include <cerrno>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/json-error.hpp"
#include "cli/offline-tree.hpp"
#include "cli/options.hpp"
#include "cli/policy-option.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan-problems.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "publish/plan-json.hpp"
#include "publish/ranges-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/error.hpp"
#include "util/format.hpp"
#include "util/json.hpp"

namespace srmctl {

namespace {

const char plan_usage[] =
    "Usage: srmctl plan --root DIR [--policy-dir DIR]... [--json]\n"
    "\n"
    "Read the tree below DIR the way srmd reads the machine, apply the policy, and print the\n"
    "steps srmd would take, range by range in the kernel's order, then what it refuses to do\n"
    "and why. Nothing is changed. Use --root / for this machine; without --root, srmctl asks\n"
    "the daemon for its plan (`srmctl plan --help`).\n"
    "\n"
    "  --root DIR        the tree to read\n"
    "  --policy-dir DIR  read the policy from DIR (repeatable; default /usr/lib/srmd/policy.d\n"
    "                    and /etc/srmd/policy.d, as srmd does)\n"
    "  --json            print srmctl simulate's JSON with the policy, the refusals among each\n"
    "                    range's problems, and a top-level \"plan\": [...] of steps\n";

struct PlanOptions {
    std::optional<std::string> root;
    std::vector<std::string> policy_dirs;
    bool json = false;
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "srmctl plan: %s\n\n%s", message.c_str(), plan_usage);
    return 2;
}

// "enable-dax dax1.0 (system-ram)", "online-memory dax1.0 (movable)"
std::string step_words(const srmd::Step& step) {
    std::string words = std::string(srmd::to_string(step.action)) + " " + step.target;
    if (step.mode)
        words += std::string(" (") + srmd::to_string(*step.mode) + ")";
    if (step.zone)
        words += std::string(" (") + srmd::to_string(*step.zone) + ")";
    return words;
}

std::string plan_text(const srmd::Plan& plan, const std::vector<srmd::Range>& ranges,
                      const std::vector<std::optional<srmd::Desired>>& desired) {
    if (plan.ranges.empty())
        return "nothing to do: every range already is what its rule wants, or no rule matches "
               "it\n";
    std::string text;
    std::size_t steps = 0;
    std::size_t refusals = 0;
    for (const srmd::RangePlan& range_plan : plan.ranges) {
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            if (ranges[i].id != range_plan.range)
                continue;
            text += ranges[i].id + " (" + srmd::hex(ranges[i].start) + ", " +
                    srmd::human_size(ranges[i].size) + ")";
            if (desired[i] && !desired[i]->rule.empty())
                text += ": rule " + desired[i]->rule;
            text += "\n";
        }
        for (std::size_t i = 0; i < range_plan.steps.size(); ++i) {
            const srmd::Step& step = range_plan.steps[i];
            text +=
                "  " + std::to_string(i + 1) + ". " + step_words(step) + ": " + step.reason + "\n";
        }
        for (const srmd::Problem& problem : range_plan.problems)
            text += "  ! " + problem.code + ": " + problem.message + "\n";
        steps += range_plan.steps.size();
        refusals += range_plan.problems.size();
    }
    text += "\n" + std::to_string(steps) + (steps == 1 ? " step" : " steps") + ", " +
            std::to_string(refusals) + (refusals == 1 ? " refusal" : " refusals") + "\n";
    return text;
}

// simulate's JSON, with the policy, the planner's refusals joined to each range's problems as
// the daemon joins them, and the plan.
srmd::Json plan_json(const srmd::Snapshot& snapshot, std::vector<srmd::Range> ranges,
                     const srmd::Policy& policy, const srmd::Plan& plan) {
    srmd::join_plan_problems(ranges, plan);
    srmd::Json json = srmd::simulate_to_json(snapshot, ranges);
    srmd::add_policy_to_simulate_json(json, ranges, policy, snapshot);
    json.set("plan", srmd::plan_to_json(plan));
    return json;
}

void run(const PlanOptions& options) {
    srmd::Policy policy = load_policy_or_throw(
        options.policy_dirs.empty() ? srmd::default_policy_dirs() : options.policy_dirs);
    srmd::RootReader reader = open_offline_tree(*options.root);
    srmd::Snapshot snapshot = srmd::read_snapshot(reader);
    std::vector<srmd::Range> ranges = srmd::compute_ranges(snapshot);
    std::vector<std::optional<srmd::Desired>> desired =
        srmd::desired_for_ranges(policy, ranges, snapshot);
    srmd::Plan plan = srmd::make_plan(snapshot, ranges, desired);
    if (options.json)
        std::printf("%s\n", plan_json(snapshot, ranges, policy, plan).dump(2).c_str());
    else
        std::fputs(plan_text(plan, ranges, desired).c_str(), stdout);
}

}  // namespace

int cmd_plan(const Args& args) {
    // Without a tree to read, the daemon answers (cmd-plan-daemon.cpp).
    if (!names_option(args, "root"))
        return cmd_plan_daemon(args);
    PlanOptions options;
    OptionReader reader(args, {{"json", false}, {"root", true}, {"policy-dir", true}});
    for (Found found; reader.next(found);) {
        if (found.is("help")) {
            std::fputs(plan_usage, stdout);
            return 0;
        } else if (found.is("json")) {
            options.json = true;
        } else if (found.kind == Found::kOption && !value_given(found)) {
            return usage_error("--" + found.name + " needs a directory");
        } else if (found.is("root")) {
            options.root = *found.value;
        } else if (found.is("policy-dir")) {
            options.policy_dirs.push_back(*found.value);
        } else {
            return usage_error("unknown argument '" + found.word + "'");
        }
    }
    if (!options.root)
        return usage_error("--root DIR is required");
    if (options.root->empty())
        return usage_error("--root needs a directory");

    try {
        run(options);
        return 0;
    } catch (const std::exception& e) {
        // SystemError already names the file; other exceptions are bugs or bad data, reported the
        // same way rather than aborting.
        return report_offline_failure(options.json, e);
    }
}

}  // namespace srmctl
