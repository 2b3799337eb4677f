#include "kernel/dc-trace-setup.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "kernel/sysfs-writer.hpp"
#include "read/dcd-abi.hpp"

namespace srmd {

std::string enable_dc_trace(const std::string& root) {
    const std::string base = root == "/" ? std::string() : root;
    const std::string tracing = base + "/sys/kernel/tracing";
    const std::string event = tracing + "/events/cxl/" + std::string(dcd_abi::kTraceEventName);
    struct stat st {};
    if (::stat(event.c_str(), &st) != 0)
        return "";
    const std::string instance = base + std::string(dcd_abi::kTraceInstance);
    if (::mkdir(instance.c_str(), 0700) != 0 && errno != EEXIST)
        return "cannot see Dynamic Capacity release requests: creating " + instance +
               " failed: " + std::strerror(errno);
    SysfsWriter writer(root);
    WriteResult enabled = writer.write(
        std::string(dcd_abi::kTraceInstance) + "/" + std::string(dcd_abi::kTraceEventEnable), "1");
    if (!enabled.ok)
        return "cannot see Dynamic Capacity release requests: enabling the trace event in " +
               enabled.path + " failed: " + std::strerror(enabled.error);
    return "watching Dynamic Capacity release requests (trace event cxl:" +
           std::string(dcd_abi::kTraceEventName) + " in " + instance + ")";
}

}  // namespace srmd
