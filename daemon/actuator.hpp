// What carries out a plan's steps. Two implementations share this interface: the kernel one
// (libdaxctl, libcxl and the sysfs writes they lack) and the simulated one, which applies the
// kernel's rules to a captured tree. The executor does not know which it drives.
#pragma once

#include <string>

#include "plan.hpp"

namespace srmd {

struct StepOutcome {
    bool ok = true;
    int error = 0;        // errno of the failing write or call
    std::string path;     // the sysfs file (or object) the failure concerns
    std::string message;  // in words
    bool timed_out = false;

    static StepOutcome success() { return {}; }
    static StepOutcome failure(int error, std::string path, std::string message) {
        return {false, error, std::move(path), std::move(message), false};
    }
};

class Actuator {
  public:
    virtual ~Actuator() = default;
    // Carries out one step and returns when the kernel has finished with it (or the step's time
    // ran out). Never throws.
    virtual StepOutcome execute(const Step& step) = 0;
};

}  // namespace srmd
