// The memory blocks of a dax device, found from its own mappings. libdaxctl 76.1 instead walks
// node<target_node>/memory*, which misses blocks that landed on another node (ndctl GH#171) and
// treats a discontiguous device as one span; srmd's guards and its ZONE_NORMAL onlining use this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "read/root-reader.hpp"

namespace srmd {

struct DeviceBlock {
    std::uint64_t id = 0;      // memoryN
    std::string state;         // "online", "offline", "going-offline"
    std::string zones;         // valid_zones as read
    std::string path() const;  // "/sys/devices/system/memory/memoryN"
    bool online() const { return state.rfind("online", 0) == 0; }
};

// The present blocks wholly inside one of the device's mappings, as kmem adds them (each mapping
// trimmed to block size). Throws SystemError.
std::vector<DeviceBlock> device_blocks(const RootReader& reader, const std::string& dax);

// The dax devices (daxX.Y) directly below a sysfs directory, such as a CXL region's dax_regionZ
// or an hmem.N device. A missing directory has none.
std::vector<std::string> dax_devices_below(const RootReader& reader, const std::string& dir);

}  // namespace srmd
