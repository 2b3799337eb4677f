#include "read/dc-watch.hpp"

#include <poll.h>
#include <unistd.h>

#include <exception>

#include "read/dcd-abi.hpp"
#include "read/root-reader.hpp"

namespace srmd {

namespace {

// Whether the trace source holds something to read. On the machine trace_pipe is polled (reading
// would consume it); in a tree the file's size says whether the device appended.
std::string trace_mark(const RootReader& reader) {
    const std::string pipe =
        std::string(dcd_abi::kTraceInstance) + "/" + std::string(dcd_abi::kTracePipe);
    if (reader.root().empty()) {
        int fd = reader.open_stream(pipe);
        if (fd < 0)
            return "no-trace";
        pollfd waiting{fd, POLLIN, 0};
        int ready = ::poll(&waiting, 1, 0);
        ::close(fd);
        return ready > 0 && (waiting.revents & POLLIN) ? "trace-ready" : "trace-idle";
    }
    std::optional<std::string> text = reader.read_attr_optional(pipe);
    return "trace-" + std::to_string(text ? text->size() : 0);
}

}  // namespace

bool has_dynamic_regions(const Snapshot& snapshot) {
    for (const CxlRegion& region : snapshot.regions)
        if (region.dynamic)
            return true;
    return false;
}

std::string dc_fingerprint(const RootReader& reader, const Snapshot& snapshot) {
    std::string mark;
    try {
        for (const CxlRegion& region : snapshot.regions) {
            if (!region.dynamic || region.dax_region.empty())
                continue;
            const std::string dir = region.path + "/" + region.dax_region;
            mark += region.name + ":";
            for (const std::string& name : reader.list_optional(dir))
                if (name.rfind(dcd_abi::kExtentPrefix, 0) == 0)
                    mark += name + ",";
            mark += reader.read_attr_optional(dir + "/dax_region/available_size").value_or("-");
            mark += ";";
        }
        mark += trace_mark(reader);
    } catch (const std::exception& e) {
        mark += std::string("unreadable: ") + e.what();
    }
    return mark;
}

}  // namespace srmd
