// `srmctl ranges`: the daemon's Ranges as of its last pass (GetRanges), as a table or as the JSON
// contract of `srmctl simulate --json`'s "ranges", with each range's "policy" and "converged".
#include <unistd.h>

#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/ranges-json-table.hpp"
#include "cli/terminal.hpp"

namespace srmctl {

namespace {

const char ranges_usage[] =
    "Usage: srmctl ranges [--json] [--address ADDR]\n"
    "\n"
    "List the Soft Reserved and CXL ram ranges srmd manages, as of its last pass: who owns each,\n"
    "how its memory is used, the policy rule that decides it and whether it is what the rule\n"
    "wants. The table fits 80 columns and is in colour on a terminal (not with NO_COLOR set).\n"
    "With --json, the array of ranges of the JSON contract (srmctl(1)).\n";

}  // namespace

int cmd_ranges(const Args& args) {
    CommandLine line;
    if (auto done = parse_command_line(args, "ranges", ranges_usage, 0, line))
        return *done;
    return run_on_bus(line.bus, "ranges", [&](const BusClient& client) {
        srmd::Json ranges = client.call_for_json("GetRanges");
        if (line.bus.json)
            print_json(ranges);
        else
            std::fputs(ranges_table_from_json(ranges, colour_on(STDOUT_FILENO)).c_str(), stdout);
        return kExitOk;
    });
}

}  // namespace srmctl
