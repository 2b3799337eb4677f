// The one way srmd writes a sysfs attribute itself, for what libdaxctl and libcxl 76.1 cannot do
// (onlining into ZONE_NORMAL, hmem bind/unbind, region teardown details). Paths are kernel paths
// resolved below a root, as RootReader does, so tests can point the writer at a tree.
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace srmd {

// path is the host path written (root + kernel path); error the errno of the open or write.
struct WriteResult : SystemFailure {
    bool ok = true;
};

class SysfsWriter {
  public:
    explicit SysfsWriter(std::string root = "/");

    std::string host_path(std::string_view path) const;

    // Writes `value` as one write() call, as the kernel wants for an attribute: a store method
    // sees exactly one buffer, and a short write is an error rather than a second call. The file
    // is not created or truncated: attributes exist or the write fails with ENOENT.
    WriteResult write(std::string_view path, std::string_view value) const;

  private:
    std::string root_;  // without a trailing slash; "" for "/"
};

}  // namespace srmd
