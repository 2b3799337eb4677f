#include "dbus/bus-errors.hpp"

#include <cstring>

namespace srmd::bus {

void check_bus(int r, const char* what) {
    if (r < 0)
        throw BusError(kErrorFailed, std::string(what) + ": " + std::strerror(-r));
}

}  // namespace srmd::bus
