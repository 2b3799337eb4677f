// D-Bus values as JSON, whatever their signature, so that srmctl can show any property without a
// reader per type: numbers and strings as themselves, arrays as arrays, dictionaries with string
// keys as objects (others as arrays of [key, value]), structs as arrays, variants as what they
// hold.
#pragma once

#include <systemd/sd-bus.h>

#include "util/json.hpp"

namespace srmctl {

// Reads the next complete value of `m`. Throws BusFailure on a malformed message.
srmd::Json read_bus_value(sd_bus_message* m);

}  // namespace srmctl
