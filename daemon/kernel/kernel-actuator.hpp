// The actuator that acts on the running kernel: libdaxctl and libcxl (ndctl 76.1) for what they
// do, and direct sysfs writes (SysfsWriter) for what 76.1 lacks.
//
// Each step runs in a killable worker (a forked child, killed when its time is up) and creates
// fresh library contexts there: both libraries enumerate once per context and never notice a
// change, so a context kept across steps would act on a stale picture of the machine.
//
// The actuator refuses what would strand memory (unbinding kmem, a region or an hmem device while
// blocks are online), but it does not verify the result against the plan: the executor reads the
// machine again after every step.
#pragma once

#include <chrono>
#include <string>

#include "act/actuator.hpp"
#include "act/killable-worker.hpp"

namespace srmd {

struct KernelActuatorOptions {
    // Offlining migrates pages and may take long; the memory-hotplug docs say a signal ends it.
    std::chrono::milliseconds offline_timeout{60000};
    std::chrono::milliseconds timeout{10000};  // every other step
    // Root for srmd's own sysfs reads and writes. The libraries always see "/" (their paths are
    // compiled in), so anything but "/" only makes sense under a preload like umockdev's.
    std::string root = "/";
};

class KernelActuator : public Actuator {
  public:
    explicit KernelActuator(KernelActuatorOptions options = {});

    // Runs the step in a killable worker. Never throws.
    StepOutcome execute(const Step& step) override;

    // The step itself, in this process: what the worker's child runs. Public so that the step
    // logic can be exercised without a fork; the daemon must use execute().
    WorkerReport execute_here(const Step& step) const;

    std::chrono::milliseconds timeout_for(const Step& step) const;

    // One write through srmd's sysfs writer, in a killable worker bounded by `timeout`.
    StepOutcome write_setting(const std::string& kernel_path, const std::string& value) override;

  private:
    KernelActuatorOptions options_;
};

}  // namespace srmd
