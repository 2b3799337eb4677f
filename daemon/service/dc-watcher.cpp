#include "service/dc-watcher.hpp"

#include <cerrno>

#include "read/dc-watch.hpp"
#include "service/reconciler.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

// The planner's refusal of a release the device asked for (plan-dc.cpp).
bool release_refused(const Reconciler& reconciler) {
    for (const Range& range : reconciler.ranges())
        if (range.dc)
            for (const Problem& problem : range.problems)
                if (problem.code == "dc-release-refused")
                    return true;
    return false;
}

std::uint64_t monotonic_usec(MonotonicTime time) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
}

}  // namespace

DcWatcher::DcWatcher(sd_event* event, RootReader reader, Backoff backoff,
                     std::function<void()> wake)
    : reader_(std::move(reader)), backoff_(backoff), wake_(std::move(wake)) {
    sd_event_source* timer = nullptr;
    int r = sd_event_add_time(event, &timer, CLOCK_MONOTONIC, UINT64_MAX, 100000,
                              &DcWatcher::on_timer, this);
    if (r < 0)
        throw SystemError("sd_event_add_time (the Dynamic Capacity timer)", -r);
    timer_.reset(timer);
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
}

void DcWatcher::after_pass(const Reconciler& reconciler) {
    reconciler_ = &reconciler;
    if (!reconciler.has_snapshot() || !has_dynamic_regions(reconciler.snapshot())) {
        sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
        refused_passes_ = 0;
        retry_at_.reset();
        return;
    }
    fingerprint_ = dc_fingerprint(reader_, reconciler.snapshot());
    if (release_refused(reconciler)) {
        ++refused_passes_;
        // The first retry comes soon (kDcLook), then the backoff grows from there.
        Backoff growing{kDcLook, backoff_.cap};
        retry_at_ = std::chrono::steady_clock::now() + backoff_delay(refused_passes_, growing);
    } else {
        refused_passes_ = 0;
        retry_at_.reset();
    }
    arm(kDcLook);
}

void DcWatcher::arm(std::chrono::seconds after) {
    sd_event_source_set_time(timer_.get(),
                             monotonic_usec(std::chrono::steady_clock::now() + after));
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
}

int DcWatcher::on_timer(sd_event_source*, uint64_t, void* userdata) {
    auto* self = static_cast<DcWatcher*>(userdata);
    if (!self->reconciler_ || !self->reconciler_->has_snapshot())
        return 0;
    bool retry = self->retry_at_ && std::chrono::steady_clock::now() >= *self->retry_at_;
    if (retry || dc_fingerprint(self->reader_, self->reconciler_->snapshot()) != self->fingerprint_)
        self->wake_();  // the pass that follows calls after_pass, which arms the timer again
    else
        self->arm(kDcLook);
    return 0;
}

}  // namespace srmd
