#include "kernel/device-blocks.hpp"

#include "read/sysfs-values.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

const std::string memory_dir = "/sys/devices/system/memory";

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

}  // namespace

std::string DeviceBlock::path() const {
    return memory_dir + "/memory" + std::to_string(id);
}

std::vector<DeviceBlock> device_blocks(const RootReader& reader, const std::string& dax) {
    const std::string size_path = memory_dir + "/block_size_bytes";
    std::uint64_t block = parse_hex(reader.read_attr(size_path), reader.host_path(size_path));
    if (block == 0)
        throw SystemError(reader.host_path(size_path), "block size is zero");

    const std::string dev = "/sys/bus/dax/devices/" + dax;
    std::vector<DeviceBlock> blocks;
    for (const std::string& name : reader.list(dev)) {
        if (!starts_with(name, "mapping") || trailing_number(name) < 0 ||
            !reader.is_dir(dev + "/" + name))
            continue;
        const std::string start_path = dev + "/" + name + "/start";
        const std::string end_path = dev + "/" + name + "/end";
        std::uint64_t start =
            parse_number(reader.read_attr(start_path), reader.host_path(start_path));
        std::uint64_t end = parse_number(reader.read_attr(end_path), reader.host_path(end_path));
        std::uint64_t first = (start + block - 1) / block;
        std::uint64_t last = (end + 1) / block;  // exclusive
        for (std::uint64_t id = first; id < last; ++id) {
            DeviceBlock b;
            b.id = id;
            if (!reader.exists(b.path()))
                continue;
            b.state = reader.read_attr(b.path() + "/state");
            b.zones = reader.read_attr_optional(b.path() + "/valid_zones").value_or("");
            blocks.push_back(b);
        }
    }
    return blocks;
}

std::vector<std::string> dax_devices_below(const RootReader& reader, const std::string& dir) {
    std::vector<std::string> found;
    for (const std::string& name : reader.list_optional(dir))
        if (starts_with(name, "dax") && name.find('.') != std::string::npos &&
            !starts_with(name, "dax_region"))
            found.push_back(name);
    return found;
}

}  // namespace srmd
