// `srmctl reload`: ask the daemon to load its policy again (ReloadPolicy), as SIGHUP does, but
// with the verdict coming back: the files now in force, or every error and the fact that the
// last good policy stays. Needs the polkit action org.srmd1.reload-policy.
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"

namespace srmctl {

namespace {

const char reload_usage[] =
    "Usage: srmctl reload [--no-reconcile] [--json] [--address ADDR] [--no-ask-password]\n"
    "\n"
    "Ask srmd to read its policy directories again. A valid policy replaces the one in force\n"
    "and its files are printed (--json: {\"files\": [...]}); a policy with errors is refused,\n"
    "each error is printed with its file, line and column, the last good policy stays and\n"
    "srmctl exits 1. `srmctl check-policy` tells the same without asking the daemon.\n"
    "\n"
    "  --no-reconcile  do not run a pass with the new policy at once: the next pass (events,\n"
    "                  apply, reconcile) acts on it, and `srmctl plan` shows what it would do\n";

}  // namespace

int cmd_reload(const Args& args) {
    CommandLine line;
    bool reconcile = true;
    OwnOptions own{{{"no-reconcile", false}},
                   [&](const Found&, std::string&) { reconcile = false; }};
    if (auto done = parse_command_line(args, "reload", reload_usage, 0, line, own))
        return *done;
    return run_on_bus(line.bus, "reload", [&](const BusClient& client) {
        MessageRef m = client.new_call("ReloadPolicy");
        if (reconcile)
            BusClient::append_no_options(m.get());
        else
            check_bus(sd_bus_message_append(m.get(), "a{sv}", 1, "reconcile", "b", 0),
                      "preparing ReloadPolicy");
        MessageRef reply = client.call(m.get());
        srmd::Json files = srmd::Json::array();
        check_bus(sd_bus_message_enter_container(reply.get(), SD_BUS_TYPE_ARRAY, "s"),
                  "reading ReloadPolicy");
        const char* file = nullptr;
        int r = 0;
        while ((r = sd_bus_message_read(reply.get(), "s", &file)) > 0)
            files.push(file);
        check_bus(r, "reading ReloadPolicy");
        if (line.bus.json) {
            srmd::Json json = srmd::Json::object();
            json.set("files", std::move(files));
            print_json(json);
        } else {
            std::size_t count = files.as_array().size();
            std::printf("policy reloaded: %zu %s\n", count, count == 1 ? "file" : "files");
            for (const srmd::Json& each : files.as_array())
                std::printf("    %s\n", each.as_string().c_str());
        }
        return kExitOk;
    });
}

}  // namespace srmctl
