// `srmctl simulate --apply`: plan what the policy wants, carry the plan out through the simulated
// kernel on a private copy of the tree (or on the tree itself with --in-place), and print the
// Ranges as they are afterwards, with what each step did.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "sim/sim-kernel.hpp"

namespace srmctl {

struct ApplyOptions {
    std::string root;
    bool json = false;
    bool in_place = false;
    srmd::SimFaults faults;
    std::chrono::milliseconds step_timeout{10000};
};

// Prints the result to stdout and returns the exit status: 0 when every step succeeded, 1 when
// a range was left degraded. Throws (SystemError and others) when the tree cannot be read or
// copied.
int simulate_apply(const ApplyOptions& options, const srmd::Policy& policy);

}  // namespace srmctl
