// Which CXL regions srmd created, kept in the state file (state.json "created_regions"): the
// kernel shows no difference between a region the firmware or an operator made and one srmd made,
// and an operator asking "where did region3 come from" deserves an answer. A region leaves the
// list when a destroy-region step of srmd's removes it, or when the machine reboots.
#pragma once

#include <cstdint>

#include "act/executor.hpp"
#include "read/snapshot.hpp"
#include "service/state-store.hpp"

namespace srmd {

// Records the create-region steps of `execution` that succeeded and drops the regions its
// destroy-region steps removed; names the recorded regions from `snapshot` (the machine after
// the steps) where they are still unnamed. `snapshot` may be null (the machine could not be read).
void note_created_regions(State& state, const Execution& execution, const Snapshot* snapshot,
                          std::int64_t now);

}  // namespace srmd
