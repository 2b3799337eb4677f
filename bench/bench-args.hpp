// The command line the C++ benchmarks share: "ROOT [--runs N]".
#pragma once

#include <algorithm>
#include <cstdlib>
#include <string>

namespace srmd::bench {

struct BenchArgs {
    std::string root;  // "" when the command line is wrong
    int runs = 5;
};

inline BenchArgs parse_bench_args(int argc, char** argv) {
    BenchArgs args;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            args.runs = std::max(1, std::atoi(argv[++i]));
        } else if (args.root.empty() && arg.rfind("--", 0) != 0) {
            args.root = arg;
        } else {
            args.root.clear();
            break;
        }
    }
    return args;
}

}  // namespace srmd::bench
