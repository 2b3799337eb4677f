// daxctl's own configuration: /etc/daxctl.conf.d sections asking for system-ram and the
// daxdev-reconfigure@.service that applies them. Both act only through a udev rule that runs
// daxctl (udev-rules.hpp). Internal to competing-actors.cpp.
#pragma once

#include <vector>

#include "actors/competing-actors.hpp"
#include "read/root-reader.hpp"

namespace srmd {

// Appends each [reconfigure-device ...] section with mode = system-ram, by file then line.
void find_daxctl_config(const RootReader& reader, std::vector<CompetingActor>& actors);
// Appends daxdev-reconfigure@.service when a unit directory has it and it is not masked.
void find_daxctl_service(const RootReader& reader, std::vector<CompetingActor>& actors);

}  // namespace srmd
