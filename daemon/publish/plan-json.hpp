// The JSON of plans and of what was done with them: the contract srmctl, the bus and the tests
// read (srmctl(1) documents the fields).
#pragma once

#include "act/executor.hpp"
#include "plan/plan.hpp"
#include "util/json.hpp"

namespace srmd {

// {"action", "target", "range", "reason"} plus "zone" or "mode" where the step has one.
Json step_to_json(const Step& step);
Json plan_to_json(const Plan& plan);
// step_to_json(step) plus "outcome", "rollback", and "errno", "path", "message" on failure.
Json applied_step_to_json(const AppliedStep& applied);
Json applied_to_json(const Execution& execution);

}  // namespace srmd
