// udev rules that online memory or run daxctl, read the way udev reads them: every rules
// directory, a file in a higher-precedence directory shadowing one of the same name below it.
// Internal to competing-actors.cpp.
#pragma once

#include <string>
#include <vector>

#include "actors/competing-actors.hpp"
#include "read/root-reader.hpp"

namespace srmd {

// Appends the rules that online memory, by file name then line, and srmd's masks that no longer
// shadow such a rule.
void find_udev_actors(const RootReader& reader, std::vector<CompetingActor>& actors);

// A file srmd wrote to shadow a rule: it starts with kMaskMarker.
bool is_srmd_mask(const std::string& text);

}  // namespace srmd
