// The srmctl subcommands. Each takes the arguments after its own name and returns the process exit
// status. Offline commands (on a tree): 0 success, 1 the command ran and failed (unreadable tree,
// bad input), 2 usage error. Commands that ask the daemon add 3 (srmd not reachable on the bus)
// and 4 (access denied); bus-client.hpp has the full list.
#pragma once

#include <string>
#include <vector>

namespace srmctl {

using Args = std::vector<std::string>;

// Offline: they read a tree (or this machine) themselves.
int cmd_simulate(const Args& args);      // srmctl simulate --root DIR [--json]
int cmd_capture(const Args& args);       // srmctl capture DIR
int cmd_check_policy(const Args& args);  // srmctl check-policy [--policy-dir DIR]... [FILE...]
// With --root, offline; without, they ask the daemon (cmd_*_daemon).
int cmd_explain(const Args& args);  // srmctl explain ID [--root DIR] [--policy-dir DIR]...
int cmd_plan(const Args& args);     // srmctl plan [--root DIR [--policy-dir DIR]...] [--json]

// Over the bus, to srmd (org.srmd1(5)). Each takes --json, --address ADDR and, for the ones that
// change something, --no-ask-password.
int cmd_status(const Args& args);          // srmctl status
int cmd_ranges(const Args& args);          // srmctl ranges
int cmd_show(const Args& args);            // srmctl show ID
int cmd_plan_daemon(const Args& args);     // srmctl plan
int cmd_explain_daemon(const Args& args);  // srmctl explain ID|ADDRESS
// srmctl show ID --root DIR [--policy-dir DIR]... [--json]: offline, cmd_show hands it over.
int cmd_show_offline(const Args& args);
int cmd_apply(const Args& args);      // srmctl apply [--range ID]... [--full]
int cmd_reconcile(const Args& args);  // srmctl reconcile
int cmd_reload(const Args& args);     // srmctl reload
int cmd_log_level(const Args& args);  // srmctl log-level LEVEL
int cmd_monitor(const Args& args);    // srmctl monitor [--count N]

}  // namespace srmctl
