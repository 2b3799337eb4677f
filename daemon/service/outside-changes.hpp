// Changes srmd did not make. Between two passes the kernel's state of a range may change because
// an operator ran daxctl, a udev rule fired or another tool raced srmd for the same device. srmd
// cannot stop that, but it must not be silent about it: each pass compares the Ranges it left
// behind (read again after its own last step) with the Ranges it finds, and whatever differs is
// somebody else's doing. Pure: the reconciler logs and remembers the result.
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"

namespace srmd {

struct OutsideChange {
    std::string range;   // Range id
    std::string device;  // daxX.Y
    std::string what;    // "driver kmem -> device_dax", "8 of 8 blocks online -> 0 of 8", ...
};

// What differs between `before` (the Ranges at the end of the last pass) and `now`. A device that
// appears or goes away with its range is not reported: regions and hmem devices come and go with
// hotplug, and the events say so.
std::vector<OutsideChange> outside_changes(const std::vector<Range>& before,
                                           const std::vector<Range>& now);

}  // namespace srmd
