// `srmctl plan` without --root: what the daemon would do now (Plan), from its picture of the
// machine as of its last pass. Nothing is read or changed.
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/pass-words.hpp"

namespace srmctl {

namespace {

const char plan_daemon_usage[] =
    "Usage: srmctl plan [--json] [--address ADDR]\n"
    "       srmctl plan --root DIR [--policy-dir DIR]... [--json]\n"
    "\n"
    "Without --root, ask srmd what it would do now: the steps of its plan, range by range, from\n"
    "the machine as its last pass saw it. Nothing is changed; `srmctl apply` carries the plan\n"
    "out. With --json, {\"plan\": [steps]}. With --root, srmctl reads the tree itself\n"
    "(`srmctl plan --root DIR --help`).\n";

}  // namespace

int cmd_plan_daemon(const Args& args) {
    CommandLine line;
    OwnOptions own{
        {{"policy-dir", true}}, [](const Found&, std::string& error) {
            error = "--policy-dir works with --root only: srmd plans with the policy it has loaded";
        }};
    if (auto done = parse_command_line(args, "plan", plan_daemon_usage, 0, line, own))
        return *done;
    return run_on_bus(line.bus, "plan", [&](const BusClient& client) {
        srmd::Json steps = client.call_for_json("Plan");
        if (line.bus.json) {
            srmd::Json json = srmd::Json::object();
            json.set("plan", std::move(steps));
            print_json(json);
        } else {
            std::fputs(plan_lines(steps).c_str(), stdout);
        }
        return kExitOk;
    });
}

}  // namespace srmctl
