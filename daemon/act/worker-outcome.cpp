#include "act/worker-outcome.hpp"

#include <cerrno>

namespace srmd {

StepOutcome outcome_of(const WorkerResult& result, const std::string& path,
                       const std::string& what) {
    switch (result.kind) {
        case WorkerResult::Kind::Ok:
            return StepOutcome::success();
        case WorkerResult::Kind::Failed:
            return StepOutcome::failure(result.error, result.path, result.message);
        case WorkerResult::Kind::TimedOut: {
            StepOutcome outcome = StepOutcome::failure(
                ETIMEDOUT, path, what + " did not finish in time: " + result.message);
            outcome.timed_out = true;
            return outcome;
        }
        case WorkerResult::Kind::Crashed:
            return StepOutcome::failure(result.error ? result.error : EIO, path,
                                        what + ": the worker died: " + result.message);
    }
    return StepOutcome::failure(EIO, path, what + ": unknown worker result");
}

}  // namespace srmd
