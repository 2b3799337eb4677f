// Small questions about a Dynamic Capacity range's extents that ownership, policy, the planner and
// srmctl all ask, answered once (EXPERIMENTAL, read/dcd-abi.hpp).
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"

namespace srmd {

// "tag 5be13bce-..." or "untagged".
std::string dc_tag_words(const std::string& tag);

// The dax devices holding extents that `request` asks back, in extent order, each once.
std::vector<std::string> release_holders(const RangeDc& dc, const DcReleaseRequest& request);

// Whether an extent lies (partly) in what `request` asks back.
bool requested(const DcReleaseRequest& request, const RangeDcExtent& extent);

}  // namespace srmd
