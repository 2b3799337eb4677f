// `srmctl show ID --root DIR [--policy-dir DIR]... [--json]`: one range in full, read from a tree
// (a capture, an example machine, or / for this one) instead of asked of the daemon. The same
// object and the same words as the daemon's `show`: the range's JSON with the rule that decides
// it and whether it is what the rule wants.
#include <cerrno>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/bus-client.hpp"
#include "cli/commands.hpp"
#include "cli/offline-tree.hpp"
#include "cli/options.hpp"
#include "cli/policy-option.hpp"
#include "cli/ranges-json-table.hpp"
#include "ownership/ownership.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "publish/ranges-json.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/error.hpp"

namespace srmctl {

namespace {

const char show_offline_usage[] =
    "Usage: srmctl show ID --root DIR [--policy-dir DIR]... [--json]\n"
    "\n"
    "Show everything srmd would know about the range ID (r<hex start>, as `srmctl simulate`\n"
    "lists it) in the tree DIR, as `srmctl show ID` shows it from the daemon.\n"
    "\n"
    "  --root DIR        the tree to read (/ for this machine)\n"
    "  --policy-dir DIR  read the policy from DIR (repeatable; default /usr/lib/srmd/policy.d\n"
    "                    and /etc/srmd/policy.d, as srmd does)\n"
    "  --json            the range's JSON object\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "srmctl show: %s\n\n%s", message.c_str(), show_offline_usage);
    return 2;
}

}  // namespace

int cmd_show_offline(const Args& args) {
    OfflineRangeArgs parsed;
    if (std::optional<std::string> error = parse_offline_range_args(args, true, parsed))
        return usage_error(*error);
    if (parsed.help) {
        std::fputs(show_offline_usage, stdout);
        return 0;
    }
    const std::string& root = parsed.root;
    const std::vector<std::string>& dirs = parsed.policy_dirs;
    const std::string& id = parsed.id;
    const bool json = parsed.json;

    try {
        srmd::Policy policy =
            load_policy_or_throw(dirs.empty() ? srmd::default_policy_dirs() : dirs);
        srmd::RootReader tree = open_offline_tree(root);
        srmd::Snapshot snapshot = srmd::read_snapshot(tree);
        std::vector<srmd::Range> ranges = srmd::compute_ranges(snapshot);
        srmd::Json all = srmd::ranges_to_json(ranges);
        srmd::add_policy_to_ranges_json(all, ranges, policy, snapshot);
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            if (ranges[i].id != id)
                continue;
            const srmd::Json& range = all.as_array()[i];
            if (json)
                print_json(range);
            else
                std::fputs(range_details(range).c_str(), stdout);
            return 0;
        }
        std::fprintf(stderr, "srmctl show: no range '%s' in %s (ranges: %s)\n", id.c_str(),
                     root.c_str(), range_ids(ranges).c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmctl: %s\n", e.what());
        return 1;
    }
}

}  // namespace srmctl
