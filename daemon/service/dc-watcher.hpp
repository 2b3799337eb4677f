// Looking for Dynamic Capacity changes that nothing announces (read/dc-watch.hpp), on the daemon's
// loop: while the machine has a DC region, every kDcLook it compares the cheap fingerprint with
// the one after the last pass and asks for a pass when it differs (extents came or went, a trace
// event waits). A pass that left a release refused (the device wants memory back that is in use
// as devdax, or online in ZONE_NORMAL) is tried again after the backoff, growing while the
// refusal stays: what resolves it (an operator unbinding the device) may not be an event either.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "act/backoff.hpp"
#include "read/root-reader.hpp"
#include "service/coalescer.hpp"
#include "util/c-handle.hpp"

namespace srmd {

class Reconciler;

inline constexpr std::chrono::seconds kDcLook{2};

class DcWatcher {
  public:
    // `wake` asks the daemon for a pass that reads the CXL part again. Throws SystemError when
    // the timer cannot be made.
    DcWatcher(sd_event* event, RootReader reader, Backoff backoff, std::function<void()> wake);

    // After every pass: arms the timer while the machine has a DC region, else disarms it.
    void after_pass(const Reconciler& reconciler);

    // Passes in a row that left a Dynamic Capacity release refused.
    int refused_passes() const { return refused_passes_; }

  private:
    static int on_timer(sd_event_source*, uint64_t usec, void* userdata);
    void arm(std::chrono::seconds after);

    RootReader reader_;
    Backoff backoff_;
    std::function<void()> wake_;
    CHandle<sd_event_source, sd_event_source_disable_unref> timer_;
    const Reconciler* reconciler_ = nullptr;
    std::string fingerprint_;
    int refused_passes_ = 0;
    std::optional<MonotonicTime> retry_at_;
};

}  // namespace srmd
