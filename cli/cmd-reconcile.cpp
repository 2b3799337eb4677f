// `srmctl reconcile`: ask the daemon for a pass now that reads the whole machine again
// (Reconcile), as if it had just started. Needs the polkit action org.srmd1.manage.
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/pass-words.hpp"

namespace srmctl {

namespace {

const char reconcile_usage[] =
    "Usage: srmctl reconcile [--json] [--address ADDR] [--no-ask-password]\n"
    "\n"
    "Ask srmd to read the whole machine again and run a reconcile pass now, acting on its plan\n"
    "as a pass after events would. Prints the pass; with --json its JSON object. Exits 1 when\n"
    "a step failed, the machine could not be read or the pass was stopped.\n";

}  // namespace

int cmd_reconcile(const Args& args) {
    CommandLine line;
    if (auto done = parse_command_line(args, "reconcile", reconcile_usage, 0, line))
        return *done;
    return run_on_bus(line.bus, "reconcile", [&](const BusClient& client) {
        srmd::Json pass = client.call_for_json("Reconcile", kActingTimeoutUsec);
        if (line.bus.json)
            print_json(pass);
        else
            std::printf("%s\n", pass_line(pass).c_str());
        return pass_failed(pass) ? kExitFailed : kExitOk;
    });
}

}  // namespace srmctl
