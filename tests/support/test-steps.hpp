// A plan step for tests that drive an actuator directly, and whole-file reads and writes on the
// trees they act on.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "plan/plan.hpp"

namespace srmd::test {

inline Step step(Action action, const std::string& target,
                 std::optional<DaxMode> mode = std::nullopt,
                 std::optional<Zone> zone = std::nullopt) {
    Step s;
    s.action = action;
    s.target = target;
    s.range = "r0";
    s.mode = mode;
    s.zone = zone;
    return s;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

}  // namespace srmd::test
