// What carries out a plan's steps. Two implementations share this interface: the kernel one
// (libdaxctl, libcxl and the sysfs writes they lack) and the simulated one, which applies the
// kernel's rules to a captured tree. The executor does not know which it drives.
#pragma once

#include <cerrno>
#include <string>

#include "plan/plan.hpp"
#include "util/error.hpp"

namespace srmd {

// How a step ended: ok, or the system failure that stopped it.
struct StepOutcome : SystemFailure {
    bool ok = true;
    bool timed_out = false;  // the step's time ran out (error is ETIMEDOUT)

    static StepOutcome success() { return {}; }
    static StepOutcome failure(int error, std::string path, std::string message) {
        StepOutcome outcome;
        outcome.ok = false;
        outcome.error = error;
        outcome.path = std::move(path);
        outcome.message = std::move(message);
        return outcome;
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
