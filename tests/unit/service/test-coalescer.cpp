// When passes run: after a quiet window, or at the latest max_delay after the first event.
#include <gtest/gtest.h>

#include "service/coalescer.hpp"

namespace srmd {
namespace {

using std::chrono::milliseconds;

MonotonicTime at(int ms) {
    return MonotonicTime(milliseconds(ms));
}

CoalesceSettings settings() {
    CoalesceSettings s;
    s.quiet = milliseconds(200);
    s.max_delay = milliseconds(2000);
    return s;
}

TEST(Coalescer, NothingPendingHasNoDeadline) {
    Coalescer c(settings());
    EXPECT_FALSE(c.pending());
    EXPECT_FALSE(c.deadline());
    EXPECT_FALSE(c.due(at(100000)));
}

TEST(Coalescer, QuietWindowAfterTheLastEvent) {
    Coalescer c(settings());
    c.events(at(1000));
    c.events(at(1100), 5);
    EXPECT_EQ(c.deadline(), at(1300));
    EXPECT_FALSE(c.due(at(1299)));
    EXPECT_TRUE(c.due(at(1300)));
    EXPECT_EQ(c.take(), 6u);
    EXPECT_FALSE(c.pending());
}

// A storm that never goes quiet still gets a pass every max_delay: the first event's wait is
// bounded, and the events after the pass start a new window.
TEST(Coalescer, StormIsBoundedByMaxDelay) {
    Coalescer c(settings());
    int passes = 0;
    std::uint64_t consumed = 0;
    // 32768 blocks, an add and an online each, one event every 0.1 ms for 6.5 s.
    for (int i = 0; i < 65536; ++i) {
        MonotonicTime now = MonotonicTime(std::chrono::microseconds(100 * i));
        if (c.due(now)) {
            EXPECT_LE(now - *c.deadline(), milliseconds(1));
            consumed += c.take();
            ++passes;
        }
        c.events(now);
    }
    MonotonicTime end = *c.deadline();
    EXPECT_EQ(end, MonotonicTime(std::chrono::microseconds(100 * 65535)) + milliseconds(200));
    consumed += c.take();
    ++passes;
    EXPECT_EQ(consumed, 65536u);  // nothing lost
    EXPECT_LE(passes, 5);         // a handful, not thousands
    EXPECT_GE(passes, 3);
}

TEST(Coalescer, UrgentRunsAtOnce) {
    Coalescer c(settings());
    c.events(at(1000));
    c.urgent(at(1050));
    EXPECT_EQ(c.deadline(), at(1050));
    EXPECT_TRUE(c.due(at(1050)));
    EXPECT_EQ(c.take(), 1u);
    EXPECT_FALSE(c.pending());
}

TEST(Coalescer, ZeroEventsChangeNothing) {
    Coalescer c(settings());
    c.events(at(1000), 0);
    EXPECT_FALSE(c.pending());
}

}  // namespace
}  // namespace srmd
