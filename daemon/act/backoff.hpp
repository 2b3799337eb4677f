// How long to wait before trying a degraded range's plan again: exponential in the number of
// failed attempts, with a cap, so that a range that keeps failing is retried rarely but never
// forgotten (the daemon uses it; the executor reports it).
#pragma once

#include <algorithm>
#include <chrono>

namespace srmd {

struct Backoff {
    std::chrono::seconds first{30};  // after the first failure
    std::chrono::seconds cap{3600};
};

// Delay after `attempt` failed attempts (1 for the first failure): first * 2^(attempt-1), at most
// cap. attempt <= 0 means nothing failed yet: no delay.
inline std::chrono::seconds backoff_delay(int attempt, const Backoff& backoff = {}) {
    if (attempt <= 0)
        return std::chrono::seconds(0);
    std::chrono::seconds delay = backoff.first;
    for (int i = 1; i < attempt && delay < backoff.cap; ++i)
        delay *= 2;
    return std::min(delay, backoff.cap);
}

}  // namespace srmd
