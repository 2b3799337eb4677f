// What carries out a plan's steps. Two implementations share this interface: the kernel one
// (libdaxctl, libcxl and the sysfs writes they lack) and the simulated one, which applies the
// kernel's rules to a captured tree. The executor does not know which it drives.
#pragma once

#include <cerrno>
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

    // Writes a kernel setting that is not part of a plan's steps, such as
    // /sys/devices/system/memory/auto_online_blocks when srmd takes over onlining (see
    // competing-actors.hpp). `kernel_path` is as the kernel shows it ("/sys/..."). Bounded by the
    // actuator's timeout; never throws. An actuator that cannot write settings says so (EOPNOTSUPP)
    // rather than pretending.
    virtual StepOutcome write_setting(const std::string& kernel_path, const std::string& value) {
        (void)value;
        return StepOutcome::failure(EOPNOTSUPP, kernel_path,
                                    "this actuator does not write kernel settings");
    }
};

}  // namespace srmd
