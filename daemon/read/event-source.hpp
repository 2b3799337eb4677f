// Where kernel events come from (kernel/udev-source.hpp on a real machine, sim/sim-event-source.hpp
// on a tree). Either way the daemon gets a file descriptor to poll and, when it is readable,
// drains it into the Changes the next pass must read again.
//
// Nothing here enumerates devices through libcxl or libdaxctl: both wait for the udev queue to
// empty whenever they enumerate (up to 5 s each time), which would stall the event path exactly
// when events pour in. Events are mapped to sysfs areas, and the pass reads those through the
// RootReader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "read/snapshot-refresh.hpp"

namespace srmd {

class EventSource {
  public:
    virtual ~EventSource() = default;
    virtual int fd() const = 0;
    // Everything available now, without blocking, noted in `changes`. Returns the number of
    // events consumed. Lost events (a receive buffer that overflowed, a log that was truncated)
    // set changes.full: nothing is ever silently missed.
    virtual std::uint64_t drain(Changes& changes) = 0;
    virtual const char* name() const = 0;
    // Whether events are still being handled (udev's queue is not empty): drivers may still be
    // loading and binding, and a pass now would find devices half set up and race the kernel's
    // own probing. The daemon waits a little for it (Daemon::on_timer).
    virtual bool settling() const { return false; }
};

}  // namespace srmd
