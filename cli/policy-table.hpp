// The readable form of the policy's verdict under `srmctl simulate --policy-dir`: one row per
// Range with the rule that matched, what it wants, and whether the range already is that.
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy.hpp"
#include "read/snapshot.hpp"

namespace srmctl {

std::string policy_table(const srmd::Snapshot& snapshot, const std::vector<srmd::Range>& ranges,
                         const srmd::Policy& policy);

}  // namespace srmctl
