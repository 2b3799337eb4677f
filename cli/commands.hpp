// The srmctl subcommands. Each takes the arguments after its own name and returns the process exit
// status: 0 success, 1 the command ran and failed (unreadable tree, bad input), 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace srmctl {

using Args = std::vector<std::string>;

int cmd_simulate(const Args& args);      // srmctl simulate --root DIR [--json]
int cmd_capture(const Args& args);       // srmctl capture DIR
int cmd_check_policy(const Args& args);  // srmctl check-policy [--policy-dir DIR]... [FILE...]
int cmd_explain(const Args& args);       // srmctl explain ID [--root DIR] [--policy-dir DIR]...
int cmd_plan(const Args& args);          // srmctl plan --root DIR [--policy-dir DIR]... [--json]

}  // namespace srmctl
