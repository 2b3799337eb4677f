// The "Performance:" block of `srmctl show`: what the kernel knows about how fast a range is and
// where it sits, from the range's "performance" JSON object. Only what the kernel shows is
// printed; a figure it does not give is left out, never shown as 0.
#pragma once

#include <string>

#include "util/json.hpp"

namespace srmctl {

std::string performance_lines(const srmd::Json& range);

}  // namespace srmctl
