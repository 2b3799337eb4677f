// `srmctl log-level LEVEL`: change how much the daemon logs, while it runs (SetLogLevel). Needs
// the polkit action org.srmd1.manage.
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"

namespace srmctl {

namespace {

const char log_level_usage[] =
    "Usage: srmctl log-level LEVEL [--json] [--address ADDR] [--no-ask-password]\n"
    "\n"
    "Set srmd's log level: err, warning, notice, info or debug. It lasts until srmd restarts\n"
    "(srmd --log-level sets it at start). The daemon refuses any other word (exit 1).\n";

}  // namespace

int cmd_log_level(const Args& args) {
    CommandLine line;
    if (auto done = parse_command_line(args, "log-level", log_level_usage, 1, line))
        return *done;
    if (line.positional.empty())
        return report_usage(line.bus, "log-level",
                            "which level? err, warning, notice, info or debug", log_level_usage);
    const std::string& level = line.positional[0];
    return run_on_bus(line.bus, "log-level", [&](const BusClient& client) {
        MessageRef m = client.new_call("SetLogLevel");
        check_bus(sd_bus_message_append(m.get(), "s", level.c_str()), "preparing SetLogLevel");
        BusClient::append_no_options(m.get());
        client.call(m.get());
        if (line.bus.json) {
            srmd::Json json = srmd::Json::object();
            json.set("log_level", level);
            print_json(json);
        } else {
            std::printf("srmd now logs at level %s\n", level.c_str());
        }
        return kExitOk;
    });
}

}  // namespace srmctl
