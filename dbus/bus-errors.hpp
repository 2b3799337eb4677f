// The errors srmd answers on the bus, org.srmd1.Error.*, and how code below a bus callback
// raises them: it throws BusError, and the callback turns it into an error reply. Nothing may
// unwind through sd-bus, which is C; guarded() is the one place that catches.
#pragma once

#include <systemd/sd-bus.h>

#include <stdexcept>
#include <string>

#include "publish/bus-names.hpp"

namespace srmd::bus {

class BusError : public std::runtime_error {
  public:
    BusError(const char* name, const std::string& message)
        : std::runtime_error(message), name_(name) {}
    const char* name() const { return name_; }

  private:
    const char* name_;  // one of the kError* of publish/bus-names.hpp
};

// Runs a callback body; whatever it throws becomes `error` (sd-bus then replies with it).
// Returns what the body returned, or the negative errno sd_bus_error_set gives.
template <typename Body>
int guarded(sd_bus_error* error, Body&& body) noexcept {
    try {
        return body();
    } catch (const BusError& e) {
        return sd_bus_error_set(error, e.name(), e.what());
    } catch (const std::exception& e) {
        return sd_bus_error_set(error, kErrorFailed, e.what());
    } catch (...) {
        return sd_bus_error_set(error, kErrorFailed, "unexpected failure");
    }
}

// Fails with Failed when an sd-bus call failed (marshalling, sending): `what` says which.
void check_bus(int r, const char* what);

}  // namespace srmd::bus
