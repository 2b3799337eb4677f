// The tree an offline command reads (--root DIR): opened the way srmd reads the machine, with a
// plain error when the tree itself is missing (rather than that its /proc/iomem is), and the
// ranges it holds. simulate, plan, explain and show --root share it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"

namespace srmctl {

// A reader below `root`. Throws srmd::SystemError (ENOENT, ENOTDIR) naming the root when it is
// not a directory.
srmd::RootReader open_offline_tree(const std::string& root);

// The arguments of the commands about one range of a tree: ID --root DIR [--policy-dir DIR]...
// [--json] (explain, show).
struct OfflineRangeArgs {
    std::string id;
    std::string root;
    std::vector<std::string> policy_dirs;
    bool json = false;
    bool help = false;
};
// nullopt when they are well formed, else what is wrong, for the command's usage error.
std::optional<std::string> parse_offline_range_args(const Args& args, bool with_json,
                                                    OfflineRangeArgs& out);

// "r100000000, r2080000000", or "none": for "no range 'X' in DIR (ranges: ...)".
std::string range_ids(const std::vector<srmd::Range>& ranges);

}  // namespace srmctl
