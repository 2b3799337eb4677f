// `srmctl explain ID` without --root: the daemon says which rule of the policy it has loaded
// decides the range, and why (Explain).
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"

namespace srmctl {

namespace {

const char explain_daemon_usage[] =
    "Usage: srmctl explain ID|ADDRESS [--json] [--address ADDR]\n"
    "       srmctl explain ID --root DIR [--policy-dir DIR]...\n"
    "\n"
    "Without --root, ask srmd which rule of its policy decides the range ID (r<hex start>, as\n"
    "`srmctl ranges` lists it) or the range holding ADDRESS (0x... or decimal), why each earlier\n"
    "rule does not match, and what would have to change. With --json, {\"range\": ID,\n"
    "\"lines\": [...]}. With --root, srmctl reads the tree and the policy itself.\n";

}  // namespace

int cmd_explain_daemon(const Args& args) {
    CommandLine line;
    OwnOptions own{
        {{"policy-dir", true}}, [](const Found&, std::string& error) {
            error =
                "--policy-dir works with --root only: srmd explains with the policy it has loaded";
        }};
    if (auto done = parse_command_line(args, "explain", explain_daemon_usage, 1, line, own))
        return *done;
    if (line.positional.empty())
        return report_usage(line.bus, "explain",
                            "which range? give its ID, as srmctl ranges lists it, or an address",
                            explain_daemon_usage);
    const std::string& id = line.positional[0];
    return run_on_bus(line.bus, "explain", [&](const BusClient& client) {
        MessageRef m = client.new_call("Explain");
        check_bus(sd_bus_message_append(m.get(), "s", id.c_str()), "preparing Explain");
        BusClient::append_no_options(m.get());
        MessageRef reply = client.call(m.get());
        srmd::Json lines = srmd::Json::array();
        check_bus(sd_bus_message_enter_container(reply.get(), SD_BUS_TYPE_ARRAY, "s"),
                  "reading Explain");
        const char* text = nullptr;
        int r = 0;
        while ((r = sd_bus_message_read(reply.get(), "s", &text)) > 0)
            lines.push(text);
        check_bus(r, "reading Explain");
        if (line.bus.json) {
            srmd::Json json = srmd::Json::object();
            json.set("range", id);
            json.set("lines", std::move(lines));
            print_json(json);
        } else {
            for (const srmd::Json& each : lines.as_array())
                std::printf("%s\n", each.as_string().c_str());
        }
        return kExitOk;
    });
}

}  // namespace srmctl
