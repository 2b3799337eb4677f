// srmd-sim-write ROOT PATH VALUE [PATH VALUE]...: writes to a tree as a process would write to the
// kernel, through the simulated kernel, which changes the tree and logs the events a real kernel
// would send. `srmd-sim-write ROOT -` reads "PATH VALUE" lines from stdin instead, for the tens of
// thousands of writes a storm is made of. Tests, benchmarks and the demo use it to act on a
// simulated machine from outside srmd: an operator onlining a block, daxctl binding kmem, a storm
// of hot-added memory.
//
// Exit status: 0 when every write succeeded, 1 at the first failing one (its errno is printed).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "sim/sim-kernel.hpp"

int main(int argc, char** argv) {
    bool from_stdin = argc == 3 && std::string(argv[2]) == "-";
    if (!from_stdin && (argc < 4 || argc % 2 != 0)) {
        std::fprintf(stderr,
                     "usage: srmd-sim-write ROOT PATH VALUE [PATH VALUE]...\n"
                     "       srmd-sim-write ROOT - < LINES\n");
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
