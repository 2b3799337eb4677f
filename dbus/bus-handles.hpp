// RAII for the sd-bus handles srmd holds. Each owns one reference and drops it when it goes.
#pragma once

#include <systemd/sd-bus.h>

#include <memory>

namespace srmd::bus {

struct BusDeleter {
    // Flush first: signals queued by the last pass still reach their listeners.
    void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
using BusRef = std::unique_ptr<sd_bus, BusDeleter>;

struct MessageDeleter {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using MessageRef = std::unique_ptr<sd_bus_message, MessageDeleter>;

// A new reference to a message sd-bus lends a callback, for replying after it returns.
inline MessageRef keep_message(sd_bus_message* m) {
    return MessageRef(sd_bus_message_ref(m));
}

struct SlotDeleter {
    // Unreferencing a slot unregisters what it stands for (a vtable, a pending call).
    void operator()(sd_bus_slot* slot) const { sd_bus_slot_unref(slot); }
};
using SlotRef = std::unique_ptr<sd_bus_slot, SlotDeleter>;

struct CredsDeleter {
    void operator()(sd_bus_creds* creds) const { sd_bus_creds_unref(creds); }
};
using CredsRef = std::unique_ptr<sd_bus_creds, CredsDeleter>;

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
