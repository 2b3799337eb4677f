#include "service/coalescer.hpp"

#include <algorithm>

namespace srmd {

void Coalescer::events(MonotonicTime now, std::uint64_t count) {
    if (count == 0)
        return;
    if (!pending())
        first_ = now;
    last_ = now;
    pending_ += count;
}

void Coalescer::urgent(MonotonicTime now) {
    if (!pending())
        first_ = now;
    last_ = now;
    urgent_ = true;
}

std::optional<MonotonicTime> Coalescer::deadline() const {
    if (!pending())
        return std::nullopt;
    if (urgent_)
        return last_;
    return std::min(last_ + settings_.quiet, first_ + settings_.max_delay);
}

bool Coalescer::due(MonotonicTime now) const {
    std::optional<MonotonicTime> at = deadline();
    return at && now >= *at;
}

std::uint64_t Coalescer::take() {
    std::uint64_t consumed = pending_;
    pending_ = 0;
    urgent_ = false;
    return consumed;
}

}  // namespace srmd
