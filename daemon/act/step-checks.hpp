// What a step concerns and what it must have done, read from a fresh snapshot: the check after
// each step, the refusals that stop a step before the actuator, and the steps that undo one.
// Internal to the executor.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// A step in the executor's messages: "offline-memory dax0.0", with its mode and zone if any.
std::string step_text(const Step& step);

// A check of the machine: ok, or the file it concerns and what is wrong there.
struct Check {
    bool ok = true;
    std::string path;
    std::string message;
};

Check fail_check(std::string path, std::string message);

// Whether the machine shows what the step must have done.
Check verify(const Step& step, const Snapshot& s);
// What the step must never do on this machine (unbind memory that is online, destroy a region
// in use); none when it may run.
std::optional<Check> refusal(const Step& step, const Snapshot& s);
// What the target of a step looks like, to tell whether a failed step changed anything.
std::string target_state(const Step& step, const Snapshot& s);
// The steps that undo `step`, given the machine before it and now. Empty when there is nothing
// to undo or it cannot be undone.
std::vector<Step> inverse(const Step& step, const Snapshot& before, const Snapshot& now);

}  // namespace srmd
