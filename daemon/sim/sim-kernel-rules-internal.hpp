// Small helpers that several of the simulated kernel's rule files (sim-kernel-*.cpp) share.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "sim/sim-tree.hpp"
#include "util/format.hpp"

namespace srmd::sim_rules {

// Where the simulator keeps what the kernel would remember but sysfs does not show.
inline const std::string kState = ".sim-kernel/";

using srmd::hex;

[[noreturn]] inline void fail(int error, const std::string& path, const std::string& message) {
    throw TreeError(error, path, message);
}

inline std::string base_name_of(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

inline std::string dir_name_of(const std::string& path) {
    return path.substr(0, path.rfind('/'));
}

}  // namespace srmd::sim_rules
