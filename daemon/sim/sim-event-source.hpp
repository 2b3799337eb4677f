// A simulated machine's event source: the event log the simulated kernel writes.
#pragma once

#include <memory>
#include <string>

#include "read/event-source.hpp"

namespace srmd {

// The event log the simulated kernel writes below `root` (uevent.hpp). Events already in the log
// are skipped: the first pass reads the whole tree anyway.
std::unique_ptr<EventSource> open_sim_source(const std::string& root);

}  // namespace srmd
