// The real machine's event source: udev's netlink monitor.
#pragma once

#include <memory>

#include "read/event-source.hpp"

namespace srmd {

// The netlink monitor of udev (events after udevd processed them), for the subsystems srmd cares
// about: cxl, dax, memory, platform (hmem) and nd. Throws ReadError when it cannot be set up.
std::unique_ptr<EventSource> open_udev_source();

}  // namespace srmd
