// srmctl: look at what srmd sees. Dispatches to one subcommand per file (cmd-*.cpp).
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "srmd-config.h"

namespace {

const char usage_text[] =
    "Usage: srmctl COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  simulate --root DIR [--json]  print the Soft Reserved ranges of a captured tree\n"
    "  capture DIR                   copy what srmd reads from this machine into DIR\n"
    "  check-policy [FILE...]        validate policy files (srmd.policy(5))\n"
    "  explain ID [--root DIR]       say which policy rule decides a range, and why\n"
    "  plan --root DIR [--json]      print what srmd would do to a tree, and what it refuses\n"
    "\n"
    "Options:\n"
    "  --help     show this help\n"
    "  --version  show the version\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(usage_text, stderr);
        return 2;
    }
    std::string command = argv[1];
    srmctl::Args args(argv + 2, argv + argc);

    if (command == "--help" || command == "-h" || command == "help") {
        std::fputs(usage_text, stdout);
        return 0;
    }
    if (command == "--version") {
        std::printf("srmctl %s\n", SRMD_VERSION);
        return 0;
    }
    if (command == "simulate")
        return srmctl::cmd_simulate(args);
    if (command == "capture")
        return srmctl::cmd_capture(args);
    if (command == "check-policy")
        return srmctl::cmd_check_policy(args);
    if (command == "explain")
        return srmctl::cmd_explain(args);
    if (command == "plan")
        return srmctl::cmd_plan(args);

    std::fprintf(stderr, "srmctl: unknown command '%s'\n\n", command.c_str());
    std::fputs(usage_text, stderr);
    return 2;
}
