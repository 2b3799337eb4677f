// Dax devices that something else manages. srmd binds and unbinds only kmem and device_dax; a
// dax device bound to any other driver (fsdev_dax, which famfs uses, or a driver srmd does not
// know) was bound on purpose by whoever manages it, and srmd cannot know what unbinding it would
// break. Such a device is reported as managed elsewhere (a note on its range) and never touched,
// whatever the policy says: the planner refuses every step that would unbind it or take away
// its region or hmem device (managed-elsewhere-refused).
#pragma once

#include <string>

namespace srmd {

// A driver srmd does not manage; an unbound device ("") is srmd's to bind.
inline bool managed_elsewhere(const std::string& driver) {
    return !driver.empty() && driver != "kmem" && driver != "device_dax";
}

// "dax0.0 is bound to fsdev_dax, a driver srmd does not manage"
inline std::string managed_elsewhere_words(const std::string& device, const std::string& driver) {
    return device + " is bound to " + driver + ", a driver srmd does not manage";
}

}  // namespace srmd
