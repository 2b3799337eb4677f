// The daemon's passes and steps in words, from the JSON its methods answer with (pass_to_json,
// plan_to_json, applied_to_json): shared by apply, reconcile, plan and monitor.
#pragma once

#include <string>

#include "util/json.hpp"

namespace srmctl {

// "pass 7 (request, full read, 0 events, 412 files, 3 ms): 2 steps, 0 failed; converged"
std::string pass_line(const srmd::Json& pass);
// "enable-dax dax1.0 (system-ram)"
std::string step_words(const srmd::Json& step);
// The plan, range by range, numbered; "nothing to do" when empty.
std::string plan_lines(const srmd::Json& steps);
// One line per step carried out: its outcome, the step, and for a failure what went wrong.
std::string applied_lines(const srmd::Json& applied);
// A pass that leaves work undone: a step failed, the machine could not be read, or it stopped.
bool pass_failed(const srmd::Json& pass);

}  // namespace srmctl
