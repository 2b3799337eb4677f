// The one mapping from how a killable worker ended to how a step ended, for every actuator (the
// kernel's and the simulated one): a timeout is ETIMEDOUT on `path`, a worker that died without
// reporting is a failure on `path` that says how it died.
#pragma once

#include <string>

#include "act/actuator.hpp"
#include "act/killable-worker.hpp"

namespace srmd {

// `path` is what a timeout or crash concerns; `what` names the work in words ("offline-memory
// dax0.0", "writing 'offline'").
StepOutcome outcome_of(const WorkerResult& result, const std::string& path,
                       const std::string& what);

}  // namespace srmd
