// `srmctl show ID`: one range in full, as the daemon sees it (GetRange).
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/ranges-json-table.hpp"

namespace srmctl {

namespace {

const char show_usage[] =
    "Usage: srmctl show ID [--json] [--address ADDR]\n"
    "\n"
    "Show everything srmd knows about the range ID (as `srmctl ranges` lists it, r<hex start>):\n"
    "its address, window, claimants, dax devices and their memory, owner, mode, status, the\n"
    "policy rule that decides it, its problems, what the kernel knows of its speed and memory\n"
    "tier (\"Performance:\"), and the kernel log lines that name it (\"Kernel log:\"). With "
    "--json,\n"
    "the range's JSON object. With --root DIR, srmctl reads the tree DIR itself instead\n"
    "(`srmctl show --root DIR --help`).\n";

}  // namespace

int cmd_show(const Args& args) {
    // With a tree to read, srmctl works it out itself (cmd-show-offline.cpp).
    if (names_option(args, "root"))
        return cmd_show_offline(args);
    CommandLine line;
    if (auto done = parse_command_line(args, "show", show_usage, 1, line))
        return *done;
    if (line.positional.empty())
        return report_usage(line.bus, "show", "which range? give its ID, as srmctl ranges lists it",
                            show_usage);
    return run_on_bus(line.bus, "show", [&](const BusClient& client) {
        MessageRef m = client.new_call("GetRange");
        check_bus(sd_bus_message_append(m.get(), "s", line.positional[0].c_str()),
                  "preparing GetRange");
        BusClient::append_no_options(m.get());
        MessageRef reply = client.call(m.get());
        const char* text = nullptr;
        check_bus(sd_bus_message_read(reply.get(), "s", &text), "reading GetRange");
        srmd::Json range = parse_reply_json(text ? text : "", "GetRange");
        if (line.bus.json)
            print_json(range);
        else
            std::fputs(range_details(range).c_str(), stdout);
        return kExitOk;
    });
}

}  // namespace srmctl
