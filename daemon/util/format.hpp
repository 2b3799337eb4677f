// How srmd writes addresses and sizes for people.
#pragma once

#include <cstdint>
#include <string>

namespace srmd {

// "0x100000000"
std::string hex(std::uint64_t value);
// Binary units, exact when possible: "1 GiB", "250 MiB", "1.5 GiB", "4 KiB", "512 B".
std::string human_size(std::uint64_t bytes);

}  // namespace srmd
