#include "cli/simulate-apply.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "act/executor.hpp"
#include "cli/ranges-table.hpp"
#include "ownership/ownership.hpp"
#include "plan/plan.hpp"
#include "policy/policy-desired.hpp"
#include "policy/policy-match.hpp"
#include "publish/plan-json.hpp"
#include "publish/ranges-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace srmctl {

namespace {

namespace fs = std::filesystem;

// A private copy of the tree, removed afterwards: simulate never changes the tree it was given
// unless asked to (--in-place).
class PrivateTree {
  public:
    explicit PrivateTree(const std::string& source) {
        std::string pattern = (fs::temp_directory_path() / "srmctl-apply-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw srmd::SystemError(pattern, errno);
        path_ = pattern;
        std::error_code ec;
        fs::copy(source, path_, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
        if (ec)
            throw std::runtime_error("cannot copy " + source + " to " + path_ + ": " +
                                     ec.message());
        // Captured attribute files keep their read-only modes; the simulated kernel writes them.
        for (auto it = fs::recursive_directory_iterator(path_, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
            if (!it->is_symlink())
                fs::permissions(it->path(), fs::perms::owner_write, fs::perm_options::add, ec);
    }
    ~PrivateTree() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    PrivateTree(const PrivateTree&) = delete;
    PrivateTree& operator=(const PrivateTree&) = delete;

    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string step_words(const srmd::Step& step) {
    std::string words = std::string(srmd::to_string(step.action)) + " " + step.target;
    if (step.mode)
        words += std::string(" (") + srmd::to_string(*step.mode) + ")";
    if (step.zone)
        words += std::string(" (") + srmd::to_string(*step.zone) + ")";
    return words;
}

std::string applied_text(const srmd::Execution& execution) {
    if (execution.applied.empty())
        return "Applied: nothing to do\n";
    std::string text = "Applied:\n";
    for (std::size_t i = 0; i < execution.applied.size(); ++i) {
        const srmd::AppliedStep& a = execution.applied[i];
        text += "  " + std::to_string(i + 1) + ". " + (a.rollback ? "[rollback] " : "") +
                a.step.range + " " + step_words(a.step) + ": " + srmd::to_string(a.result);
        if (a.result != srmd::AppliedStep::Result::Ok) {
            if (a.error)
                text += std::string(" ") + srmd::errno_name(a.error) + " (" +
                        std::strerror(a.error) + ")";
            if (!a.path.empty())
                text += " at " + a.path;
            if (!a.message.empty())
                text += ": " + a.message;
        }
        text += "\n";
    }
    return text;
}

}  // namespace

int simulate_apply(const ApplyOptions& options, const srmd::Policy& policy) {
    std::optional<PrivateTree> copy;
    std::string root = options.root;
    if (!options.in_place) {
        copy.emplace(options.root);
        root = copy->path();
    }
    srmd::RootReader reader(root);
    srmd::SimulatedKernel kernel(root, options.faults, options.step_timeout);
    srmd::Plan plan;       // every round's steps
    srmd::Plan last_plan;  // the last round's, whose refusals still hold
    srmd::Execution execution;
    // As the daemon's pass: again after Dynamic Capacity claims (srmd::wants_another_round).
    for (int round = 0; round < srmd::kMaxPlanRounds; ++round) {
        srmd::Snapshot before = srmd::read_snapshot(reader);
        std::vector<srmd::Range> ranges = srmd::compute_ranges(before);
        last_plan =
            srmd::make_plan(before, ranges, srmd::desired_for_ranges(policy, ranges, before));
        srmd::Execution round_execution =
            srmd::execute_plan(last_plan, kernel, [&] { return srmd::read_snapshot(reader); });
        plan.ranges.insert(plan.ranges.end(), last_plan.ranges.begin(), last_plan.ranges.end());
        bool again = srmd::wants_another_round(round_execution);
        srmd::append_execution(execution, std::move(round_execution));
        if (!again)
            break;
    }

    srmd::Snapshot after = srmd::read_snapshot(reader);
    std::vector<srmd::Range> after_ranges = srmd::compute_ranges(after);
    std::vector<srmd::Problem> orphans = srmd::merge_outcome(after_ranges, last_plan, execution);

    if (options.json) {
        srmd::Json json = srmd::simulate_to_json(after, after_ranges);
        srmd::add_policy_to_simulate_json(json, after_ranges, policy, after);
        json.set("plan", srmd::plan_to_json(plan));
        json.set("applied", srmd::applied_to_json(execution));
        if (!orphans.empty()) {
            srmd::Json list = srmd::Json::array();
            for (const srmd::Problem& problem : orphans) {
                srmd::Json item = srmd::Json::object();
                item.set("code", problem.code);
                item.set("message", problem.message);
                list.push(std::move(item));
            }
            json.set("problems", std::move(list));
        }
        std::printf("%s\n", json.dump(2).c_str());
    } else {
        std::fputs(srmctl::ranges_table(after, after_ranges).c_str(), stdout);
        std::fputs(("\n" + applied_text(execution)).c_str(), stdout);
        for (const srmd::Problem& problem : orphans)
            std::printf("  ! %s: %s\n", problem.code.c_str(), problem.message.c_str());
    }
    return execution.ok() ? 0 : 1;
}

}  // namespace srmctl
