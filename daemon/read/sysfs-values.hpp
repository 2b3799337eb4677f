// Parsing the value formats the kernel uses in sysfs and procfs. Each parser takes the path the
// value came from so that a malformed value is reported where it was found.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace srmd {

// "0x150000000" or "150000000" read as hex (block_size_bytes has no 0x; resource has it).
std::uint64_t parse_hex(std::string_view text, const std::string& path);
// Decimal, or hex with a 0x prefix, as strtoull(..., 0) would take it ("536870912", "0x10000000").
std::uint64_t parse_number(std::string_view text, const std::string& path);
// A signed decimal such as numa_node's "-1".
std::int64_t parse_signed(std::string_view text, const std::string& path);
// "0" / "1".
bool parse_bool(std::string_view text, const std::string& path);
// The number that ends a device name: 12 for "memory12", 0 for "hmem.0", -1 when there is none.
long trailing_number(std::string_view name);

}  // namespace srmd
