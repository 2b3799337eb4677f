// RAII for the sd-bus handles srmd holds. Each owns one reference and drops it when it goes.
#pragma once

#include <systemd/sd-bus.h>

#include "util/c-handle.hpp"

namespace srmd::bus {

// Flushed before it goes: signals queued by the last pass still reach their listeners.
using BusRef = CHandle<sd_bus, sd_bus_flush_close_unref>;
using MessageRef = CHandle<sd_bus_message, sd_bus_message_unref>;
// Unreferencing a slot unregisters what it stands for (a vtable, a pending call).
using SlotRef = CHandle<sd_bus_slot, sd_bus_slot_unref>;
using CredsRef = CHandle<sd_bus_creds, sd_bus_creds_unref>;

// A new reference to a message sd-bus lends a callback, for replying after it returns.
inline MessageRef keep_message(sd_bus_message* m) {
    return MessageRef(sd_bus_message_ref(m));
}

// An sd_bus_error freed when it goes.
class ErrorHolder {
  public:
    ErrorHolder() = default;
    ~ErrorHolder() { sd_bus_error_free(&error_); }
    ErrorHolder(const ErrorHolder&) = delete;
    ErrorHolder& operator=(const ErrorHolder&) = delete;
    sd_bus_error* get() { return &error_; }

  private:
    sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

}  // namespace srmd::bus
