// The "Dynamic capacity:" block of `srmctl show` for a Dynamic Capacity range (EXPERIMENTAL),
// from the range's "dc" JSON object: the region, its unclaimed capacity and seed, each extent
// with its tag and the dax device holding it, and the releases the device asked for. Other ranges
// have no "dc" object and get no block.
#pragma once

#include <string>

#include "util/json.hpp"

namespace srmctl {

// "" for a range without "dc".
std::string dc_lines(const srmd::Json& range);

}  // namespace srmctl
