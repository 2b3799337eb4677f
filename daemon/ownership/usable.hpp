// Whether a range's memory is in use in some form today: online system RAM (in any zone), a devdax
// device, or a device something else manages. The vendor policy acts only on memory that is not
// (a rule's `when: unusable`, srmd.policy(5)), so that a machine someone set up on purpose, or
// the kernel onlined its own way, counts as converged instead of being reported for ever.
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"

namespace srmd {

// The device holds memory and that memory can be used: kmem with every memory block online,
// device_dax, or a driver srmd does not manage (managed-elsewhere.hpp). A 0-size seed device
// holds nothing and is neither usable nor unusable: usable_dax is false and it is never counted.
bool usable_dax(const RangeDax& dax);

// Why each part of the range cannot be used, one line each ("dax1.0 has no driver", "nobody
// holds the range"); empty when all of its memory is usable.
std::vector<std::string> unusable_parts(const Range& range);

inline bool usable(const Range& range) {
    return unusable_parts(range).empty();
}

}  // namespace srmd
