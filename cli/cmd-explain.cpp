// `srmctl explain ID [--root DIR] [--policy-dir DIR]...`: which policy rule decides a range,
// why the rules before it do not, and what would have to change for the range to become what
// the rule wants. In words, for an operator wondering why srmd does (or does not) act.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/offline-tree.hpp"
#include "cli/options.hpp"
#include "cli/policy-option.hpp"
#include "ownership/ownership.hpp"
#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/error.hpp"

namespace srmctl {

namespace {

const char explain_usage[] =
    "Usage: srmctl explain ID [--root DIR] [--policy-dir DIR]...\n"
    "\n"
    "Say which policy rule decides the range ID (as `srmctl simulate` lists it, r<hex start>, or\n"
    "any physical address inside the range, 0x...), why each earlier rule does not match, and\n"
    "what would have to change for the range to become what the rule wants.\n"
    "\n"
    "  --root DIR        the tree to read (/ for this machine); without --root, srmctl asks\n"
    "                    the daemon (`srmctl explain --help`)\n"
    "  --policy-dir DIR  read the policy from DIR (repeatable; default /usr/lib/srmd/policy.d\n"
    "                    and /etc/srmd/policy.d, as srmd does)\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "srmctl explain: %s\n\n%s", message.c_str(), explain_usage);
    return 2;
}

// The range named by an id ("r2080000000") or containing an address ("0x2080001000").
const srmd::Range* find_range(const std::vector<srmd::Range>& ranges, const std::string& id) {
    for (const srmd::Range& range : ranges)
        if (range.id == id)
            return &range;
    if (id.size() > 2 && id[0] == '0' && (id[1] == 'x' || id[1] == 'X')) {
        errno = 0;
        char* end = nullptr;
        unsigned long long address = std::strtoull(id.c_str() + 2, &end, 16);
        if (errno == 0 && end && *end == '\0')
            for (const srmd::Range& range : ranges)
                if (range.start <= address && address < range.end())
                    return &range;
    }
    return nullptr;
}

}  // namespace

int cmd_explain(const Args& args) {
    // Without a tree to read, the daemon answers with the policy it has loaded
    // (cmd-explain-daemon.cpp).
    if (!names_option(args, "root"))
        return cmd_explain_daemon(args);
    OfflineRangeArgs parsed;
    if (std::optional<std::string> error = parse_offline_range_args(args, false, parsed))
        return usage_error(*error);
    if (parsed.help) {
        std::fputs(explain_usage, stdout);
        return 0;
    }
    const std::string& root = parsed.root;
    const std::vector<std::string>& dirs = parsed.policy_dirs;
    const std::string& id = parsed.id;

    try {
        srmd::Policy policy =
            load_policy_or_throw(dirs.empty() ? srmd::default_policy_dirs() : dirs);
        srmd::RootReader reader = open_offline_tree(root);
        srmd::Snapshot snapshot = srmd::read_snapshot(reader);
        std::vector<srmd::Range> ranges = srmd::compute_ranges(snapshot);
        const srmd::Range* range = find_range(ranges, id);
        if (!range) {
            std::fprintf(stderr, "srmctl explain: no range '%s' in %s (ranges: %s)\n", id.c_str(),
                         root.c_str(), range_ids(ranges).c_str());
            return 1;
        }
        for (const std::string& line : srmd::explain(policy, *range, snapshot))
            std::printf("%s\n", line.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmctl: %s\n", e.what());
        return 1;
    }
}

}  // namespace srmctl
