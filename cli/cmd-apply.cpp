// `srmctl apply [--range ID]... [--full]`: ask the daemon to run a pass now and act on its plan
// (Apply), optionally on some ranges only. Needs the polkit action org.srmd1.manage.
#include <cstdio>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/pass-words.hpp"

namespace srmctl {

namespace {

const char apply_usage[] =
    "Usage: srmctl apply [--range ID]... [--full] [--json] [--address ADDR] [--no-ask-password]\n"
    "\n"
    "Ask srmd to run a pass now and carry out its plan: the steps that make each range what its\n"
    "policy rule wants. Prints the steps carried out and the pass. Exits 1 when a step failed,\n"
    "the machine could not be read or the pass was stopped.\n"
    "\n"
    "  --range ID  act on this range only (repeatable; the others are read and planned, not\n"
    "              touched); an unknown ID is refused before anything is done\n"
    "  --full      read the whole machine first, not only what events said changed\n";

}  // namespace

int cmd_apply(const Args& args) {
    CommandLine line;
    std::vector<std::string> ranges;
    bool full = false;
    OwnOptions own{{{"full", false}, {"range", true}}, [&](const Found& found, std::string& error) {
                       if (found.is("full"))
                           full = true;
                       else if (has_plain_value(found))
                           ranges.push_back(*found.value);
                       else
                           error = "--range needs a range ID";
                   }};
    if (auto done = parse_command_line(args, "apply", apply_usage, 0, line, own))
        return *done;
    return run_on_bus(line.bus, "apply", [&](const BusClient& client) {
        MessageRef m = client.new_call("Apply");
        sd_bus_message* msg = m.get();
        check_bus(sd_bus_message_open_container(msg, SD_BUS_TYPE_ARRAY, "{sv}"), "preparing Apply");
        if (!ranges.empty()) {
            check_bus(sd_bus_message_open_container(msg, SD_BUS_TYPE_DICT_ENTRY, "sv"),
                      "preparing Apply");
            check_bus(sd_bus_message_append(msg, "s", "ranges"), "preparing Apply");
            check_bus(sd_bus_message_open_container(msg, SD_BUS_TYPE_VARIANT, "as"),
                      "preparing Apply");
            check_bus(sd_bus_message_open_container(msg, SD_BUS_TYPE_ARRAY, "s"),
                      "preparing Apply");
            for (const std::string& id : ranges)
                check_bus(sd_bus_message_append(msg, "s", id.c_str()), "preparing Apply");
            for (int level = 0; level < 3; ++level)
                check_bus(sd_bus_message_close_container(msg), "preparing Apply");
        }
        if (full)
            check_bus(sd_bus_message_append(msg, "{sv}", "full", "b", 1), "preparing Apply");
        check_bus(sd_bus_message_close_container(msg), "preparing Apply");

        MessageRef reply = client.call(msg, kActingTimeoutUsec);
        const char* text = nullptr;
        check_bus(sd_bus_message_read(reply.get(), "s", &text), "reading Apply");
        srmd::Json result = parse_reply_json(text ? text : "", "Apply");
        const srmd::Json* pass = result.find("pass");
        if (line.bus.json) {
            print_json(result);
        } else {
            if (field_bool(result, "dry_run"))
                std::printf("srmd runs with --dry-run: it planned and changed nothing\n");
            const srmd::Json* applied = result.find("applied");
            std::string done = applied ? applied_lines(*applied) : "";
            if (done.empty()) {
                const srmd::Json* plan = result.find("plan");
                std::fputs(plan && plan->is_array() && !plan->as_array().empty()
                               ? ("planned, not carried out:\n" + plan_lines(*plan)).c_str()
                               : "nothing to do\n",
                           stdout);
            } else {
                std::fputs(done.c_str(), stdout);
            }
            if (pass)
                std::printf("%s\n", pass_line(*pass).c_str());
        }
        return pass && pass_failed(*pass) ? kExitFailed : kExitOk;
    });
}

}  // namespace srmctl
