// When to run a reconcile pass after events. Binding kmem to a large device brings thousands of
// memory-block events (an add and an online for each block) within a second or two; one pass per
// event would read the machine thousands of times for nothing. Events are gathered instead, and
// the pass runs once they have been quiet for a short while — or, in a storm that never goes
// quiet, once the first of them has waited the longest an operator should wait. Pure: times come
// in, a deadline goes out; the event loop owns the timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace srmd {

using MonotonicTime = std::chrono::steady_clock::time_point;

struct CoalesceSettings {
    std::chrono::milliseconds quiet{200};       // no event for this long: run the pass
    std::chrono::milliseconds max_delay{2000};  // never let the first event wait longer
};

class Coalescer {
  public:
    explicit Coalescer(CoalesceSettings settings = {}) : settings_(settings) {}

    // `count` events arrived at `now`.
    void events(MonotonicTime now, std::uint64_t count = 1);
    // Something wants a pass without waiting for quiet (a request, a reload): run at once.
    void urgent(MonotonicTime now);

    bool pending() const { return pending_ > 0 || urgent_; }
    std::uint64_t pending_events() const { return pending_; }
    // When the pass is due; nullopt when nothing is pending.
    std::optional<MonotonicTime> deadline() const;
    bool due(MonotonicTime now) const;
    // The pass starts: what was pending is now its business. Returns the events it consumes.
    std::uint64_t take();

  private:
    CoalesceSettings settings_;
    std::uint64_t pending_ = 0;
    bool urgent_ = false;
    MonotonicTime first_{};
    MonotonicTime last_{};
};

}  // namespace srmd
