// org.srmd1.Range.Performance: the range's "performance" JSON object as an a{sv}, flattened to
// dotted keys ("node_access0.read_latency", "qos_class.mem0"). What the kernel does not show is
// left out of the dictionary, never sent as 0.
#pragma once

#include <systemd/sd-bus.h>

#include "util/json.hpp"

namespace srmd::bus {

void append_performance(sd_bus_message* m, const Json& performance);

}  // namespace srmd::bus
