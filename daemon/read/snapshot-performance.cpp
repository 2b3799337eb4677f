// What the kernel knows about how fast memory is: the access classes of NUMA nodes (HMAT) and of
// CXL regions (CDAT, 6.9+), and the QoS classes of CXL windows and memdevs. These are advisory:
// a value the kernel leaves out, or one that does not parse, is left out of the snapshot (nullopt)
// and never fails the read, and never becomes 0.
#include <algorithm>

#include "read/root-reader.hpp"
#include "read/snapshot-parts.hpp"
#include "read/sysfs-values.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

// The attribute's text; nullopt when it is missing or cannot be read (a show routine that fails,
// an attribute made unreadable): advisory facts never fail the snapshot.
std::optional<std::string> advisory_text(const RootReader& reader, const std::string& path) {
    try {
        return reader.read_attr_optional(path);
    } catch (const SystemError&) {
        return std::nullopt;
    }
}

std::optional<std::int64_t> optional_signed(const RootReader& reader, const std::string& path) {
    std::optional<std::string> text = advisory_text(reader, path);
    if (!text)
        return std::nullopt;
    try {
        return parse_signed(*text, reader.host_path(path));
    } catch (const SystemError&) {
        return std::nullopt;
    }
}

std::optional<std::uint64_t> optional_value(const RootReader& reader, const std::string& path) {
    std::optional<std::string> text = advisory_text(reader, path);
    if (!text)
        return std::nullopt;
    try {
        return parse_number(*text, reader.host_path(path));
    } catch (const SystemError&) {
        return std::nullopt;
    }
}

// A QoS class: the kernel prints -1 (CXL_QOS_CLASS_INVALID) when it has none.
std::optional<int> qos_class(const RootReader& reader, const std::string& path) {
    std::optional<std::int64_t> value = optional_signed(reader, path);
    if (!value || *value < 0 || *value > 0xffff)
        return std::nullopt;
    return static_cast<int>(*value);
}

}  // namespace

std::optional<NumaAccess> read_access_class(const RootReader& reader, const std::string& dir) {
    if (!reader.is_dir(dir))
        return std::nullopt;
    NumaAccess access;
    access.read_latency = optional_value(reader, dir + "read_latency");
    access.write_latency = optional_value(reader, dir + "write_latency");
    access.read_bandwidth = optional_value(reader, dir + "read_bandwidth");
    access.write_bandwidth = optional_value(reader, dir + "write_bandwidth");
    if (!access.read_latency && !access.write_latency && !access.read_bandwidth &&
        !access.write_bandwidth)
        return std::nullopt;
    return access;
}

void read_cxl_performance(const RootReader& reader, Snapshot& snapshot) {
    for (CxlWindow& window : snapshot.windows)
        window.qos_class = qos_class(reader, window.path + "/qos_class");
    for (CxlRegion& region : snapshot.regions) {
        region.access0 = read_access_class(reader, region.path + "/access0/");
        region.access1 = read_access_class(reader, region.path + "/access1/");
    }
    for (CxlMemdev& memdev : snapshot.memdevs)
        memdev.ram_qos_class = qos_class(reader, memdev.path + "/ram/qos_class");
}

}  // namespace srmd
