// The readable form of `srmctl simulate`: a short machine header, one row per Range, and each
// Range's problems in words under its row.
#pragma once

#include <string>
#include <vector>

#include "ownership.hpp"
#include "snapshot.hpp"

namespace srmctl {

std::string ranges_table(const srmd::Snapshot& snapshot, const std::vector<srmd::Range>& ranges);

}  // namespace srmctl
