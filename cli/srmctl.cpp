// srmctl: ask srmd how the machine's Soft Reserved memory is doing and tell it what to do, over
// the bus; or look at a captured tree without it. Dispatches to one subcommand per file
// (cmd-*.cpp).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "srmd-config.h"

namespace {

const char usage_text[] =
    "Usage: srmctl [--json] [--address ADDR] COMMAND [ARGS]\n"
    "\n"
    "Commands that ask srmd, over the bus:\n"
    "  status                        the daemon's state, policy, competing actors, last pass\n"
    "  ranges                        the ranges srmd manages and what their rules want\n"
    "  show ID                       one range in full\n"
    "  plan                          what srmd would do now\n"
    "  explain ID|ADDRESS            which policy rule decides a range, and why\n"
    "  apply [--range ID]... [--full]  run a pass now and carry out its plan\n"
    "  reconcile                     read the whole machine again and run a pass now\n"
    "  reload                        load the policy again (refused, with its errors, if bad)\n"
    "  log-level LEVEL               set srmd's log level (err ... debug)\n"
    "  monitor [--count N]           follow passes, range changes and failed steps live\n"
    "\n"
    "Commands that read a tree themselves:\n"
    "  simulate --root DIR [--json]  print the Soft Reserved ranges of a captured tree\n"
    "  capture DIR                   copy what srmd reads from this machine into DIR\n"
    "  check-policy [FILE...]        validate policy files (srmd.policy(5))\n"
    "  explain ID --root DIR         as above, on a tree with a policy from --policy-dir\n"
    "  plan --root DIR [--json]      print what srmd would do to a tree, and what it refuses\n"
    "\n"
    "Options of the bus commands:\n"
    "  --json             only JSON on stdout, errors too: {\"error\": {\"name\", \"message\"}}\n"
    "  --address ADDR     the bus to use (default $DBUS_SYSTEM_BUS_ADDRESS, else the system bus)\n"
    "  --no-ask-password  never let polkit ask for a password\n"
    "\n"
    "  --help     show this help (COMMAND --help: the command's)\n"
    "  --version  show the version\n"
    "\n"
    "Exit status: 0 done; 1 failed (the daemon's error, a failed step, a bad tree); 2 usage;\n"
    "3 srmd not reachable on the bus; 4 access denied. See srmctl(1).\n";

int unknown_command(const std::string& command) {
    std::fprintf(stderr, "srmctl: unknown command '%s'\n\n", command.c_str());
    std::fputs(usage_text, stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const srmctl::Args words(argv + 1, argv + argc);
    // The bus options may come before the command; they are handed to it, as written.
    std::vector<srmctl::OptionName> names = srmctl::kBusOptionNames;
    names.push_back({"version", false});
    srmctl::OptionReader reader(words, names);
    srmctl::Args leading;
    std::optional<std::size_t> first;  // where the command is
    for (srmctl::Found found; !first && reader.next(found);) {
        if (found.is("help")) {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (found.is("version")) {
            std::printf("srmctl %s\n", SRMD_VERSION);
            return 0;
        }
        if (found.kind == srmctl::Found::kArgument)
            first = found.index;
        else if (found.kind == srmctl::Found::kUnknown || (found.name == "address" && !found.value))
            return unknown_command(found.word);
        else
            leading.insert(leading.end(), words.begin() + found.index,
                           words.begin() + found.index + (found.separate ? 2 : 1));
    }
    if (!first) {
        std::fputs(usage_text, stderr);
        return 2;
    }
    std::string command = words[*first];
    srmctl::Args args(words.begin() + *first + 1, words.end());
    args.insert(args.begin(), leading.begin(), leading.end());

    if (command == "help") {
        std::fputs(usage_text, stdout);
        return 0;
    }
    struct Command {
        const char* name;
        int (*run)(const srmctl::Args&);
    };
    static const Command commands[] = {
        {"status", srmctl::cmd_status},
        {"ranges", srmctl::cmd_ranges},
        {"show", srmctl::cmd_show},
        {"plan", srmctl::cmd_plan},
        {"explain", srmctl::cmd_explain},
        {"apply", srmctl::cmd_apply},
        {"reconcile", srmctl::cmd_reconcile},
        {"reload", srmctl::cmd_reload},
        {"log-level", srmctl::cmd_log_level},
        {"monitor", srmctl::cmd_monitor},
        {"simulate", srmctl::cmd_simulate},
        {"capture", srmctl::cmd_capture},
        {"check-policy", srmctl::cmd_check_policy},
    };
    for (const Command& each : commands)
        if (command == each.name)
            return each.run(args);
    return unknown_command(command);
}
