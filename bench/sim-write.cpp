// srmd-sim-write ROOT PATH VALUE [PATH VALUE]...: writes to a tree as a process would write to the
// kernel, through the simulated kernel, which changes the tree and logs the events a real kernel
// would send. `srmd-sim-write ROOT -` reads "PATH VALUE" lines from stdin instead, for the tens of
// thousands of writes a storm is made of. Tests, benchmarks and the demo use it to act on a
// simulated machine from outside srmd: an operator onlining a block, daxctl binding kmem, a storm
// of hot-added memory.
//
// The Dynamic Capacity device's side (EXPERIMENTAL, sim/sim-dcd-device.hpp), which no kernel write
// makes: `srmd-sim-write ROOT --dc-add REGION OFFSET:LENGTH[,OFFSET:LENGTH]... [TAG]` adds
// capacity to a DC region; `srmd-sim-write ROOT --dc-release REGION TAG|OFFSET:LENGTH` asks for a
// tag group (or the untagged extent holding the range) back and prints "released" or "ignored".
//
// Exit status: 0 when every write succeeded, 1 at the first failing one (its errno is printed).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "sim/sim-dcd-device.hpp"
#include "sim/sim-kernel.hpp"
#include "sim/sim-tree.hpp"
#include "util/error.hpp"

namespace {

int dynamic_capacity(const std::vector<std::string>& args) {
    const std::string& root = args[0];
    const std::string& what = args[1];
    try {
        if (what == "--dc-add" && (args.size() == 4 || args.size() == 5)) {
            srmd::add_dc_extents(root, args[2], srmd::parse_dc_extents(args[3]),
                                 args.size() == 5 ? args[4] : "");
            return 0;
        }
        if (what == "--dc-release" && args.size() == 4) {
            srmd::DcReleaseOutcome outcome =
                srmd::request_dc_release(root, args[2], srmd::parse_dc_release(args[3]));
            std::printf("%s\n",
                        outcome == srmd::DcReleaseOutcome::Released ? "released" : "ignored");
            return 0;
        }
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "srmd-sim-write: %s\n", e.what());
        return 2;
    } catch (const srmd::TreeError& e) {
        std::fprintf(stderr, "srmd-sim-write: %s (%s)\n", e.what(),
                     srmd::errno_name(e.error()).c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmd-sim-write: %s\n", e.what());
        return 1;
    }
    std::fprintf(
        stderr,
        "usage: srmd-sim-write ROOT --dc-add REGION OFFSET:LENGTH[,OFFSET:LENGTH]... [TAG]\n"
        "       srmd-sim-write ROOT --dc-release REGION TAG|OFFSET:LENGTH\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::string(argv[2]).rfind("--dc-", 0) == 0)
        return dynamic_capacity(std::vector<std::string>(argv + 1, argv + argc));
    bool from_stdin = argc == 3 && std::string(argv[2]) == "-";
    if (!from_stdin && (argc < 4 || argc % 2 != 0)) {
        std::fprintf(stderr,
                     "usage: srmd-sim-write ROOT PATH VALUE [PATH VALUE]...\n"
                     "       srmd-sim-write ROOT - < LINES\n"
                     "       srmd-sim-write ROOT --dc-add REGION OFFSET:LENGTH[,...] [TAG]\n"
                     "       srmd-sim-write ROOT --dc-release REGION TAG|OFFSET:LENGTH\n");
        return 2;
    }
    std::vector<std::pair<std::string, std::string>> writes;
    if (from_stdin) {
        std::string path, value;
        while (std::cin >> path >> value)
            writes.emplace_back(path, value);
    } else {
        for (int i = 2; i + 1 < argc; i += 2)
            writes.emplace_back(argv[i], argv[i + 1]);
    }
    srmd::SimulatedKernel kernel(argv[1]);
    for (const auto& [path, value] : writes) {
        srmd::WorkerReport report = kernel.write(path, value);
        if (!report.ok) {
            std::fprintf(stderr, "srmd-sim-write: %s <- %s: %s (%s)%s%s\n", path.c_str(),
                         value.c_str(), srmd::errno_name(report.error).c_str(),
                         std::strerror(report.error), report.message.empty() ? "" : ": ",
                         report.message.c_str());
            return 1;
        }
    }
    return 0;
}
