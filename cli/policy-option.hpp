// `--policy-dir DIR` for the commands that apply a policy (simulate, explain): load the set,
// show its diagnostics, refuse it on error.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace srmctl {

// Loads the policy of `dirs` (in order, later ones masking earlier ones), printing every
// diagnostic to stderr. Throws std::runtime_error when a named directory is missing or the set
// has an error: srmd would refuse it too.
srmd::Policy load_policy_or_throw(const std::vector<std::string>& dirs);

}  // namespace srmctl
