// The tree an offline command reads (--root DIR): opened the way srmd reads the machine, with a
// plain error when the tree itself is missing (rather than that its /proc/iomem is), and the
// ranges it holds. simulate, plan, explain and show --root share it.
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"

namespace srmctl {

// A reader below `root`. Throws srmd::SystemError (ENOENT, ENOTDIR) naming the root when it is
// not a directory.
srmd::RootReader open_offline_tree(const std::string& root);

// "r100000000, r2080000000", or "none": for "no range 'X' in DIR (ranges: ...)".
std::string range_ids(const std::vector<srmd::Range>& ranges);

}  // namespace srmctl
