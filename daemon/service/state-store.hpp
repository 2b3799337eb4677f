// What srmd remembers across restarts, in $STATE_DIRECTORY/state.json (/var/lib/srmd).
//
// The machine itself is the truth about memory: after a restart srmd reads it again and plans
// from what it finds, so a plan cut short by a crash or a power loss is simply planned again
// from wherever it stopped. What the machine cannot tell is kept here:
//   - the step srmd was in the middle of (written before the step reaches the kernel), so that a
//     restart can say what was interrupted and check it first;
//   - failed attempts per range and when to try again, so that a crash loop does not hammer a
//     range that keeps failing. They count within one boot only: a reboot clears what made
//     steps fail (leaked ranges, stuck pages), so a new boot_id starts the counts afresh;
//   - the last steps per range, with their reasons and results, for operators;
//   - Dynamic Capacity release requests not yet granted (read/dc-events.hpp): the kernel shows a
//     request once, as a trace event a read consumes, so after a restart (or a kill -9 between
//     offlining the memory and giving it back) only this file still knows the device asked.
// What srmd changes outside the ranges when it takes control of onlining lives in /run instead
// (competing-actors.hpp): it lasts exactly as long as the changes it records, one boot.
// Every save goes through atomic_write_file (util/atomic-file.hpp), so that a reader (or srmd
// after a power loss) sees either the old state or the new, never half of one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "read/snapshot.hpp"
#include "util/json.hpp"

namespace srmd {

struct StepRecord {
    std::int64_t time = 0;  // unix seconds
    std::uint64_t pass = 0;
    std::string action;  // "online-memory"
    std::string target;  // "dax0.0"
    std::string reason;
    std::string result;  // "ok", "failed", ..., or "started" while in progress
    bool rollback = false;
    int error = 0;
    std::string message;
};

struct RangeRecord {
    int failures = 0;               // failed attempts in this boot
    std::int64_t retry_after = 0;   // unix seconds; 0: no wait
    std::vector<StepRecord> steps;  // the most recent last, at most kStepsKept
};

// A CXL region srmd created (a create-region step that succeeded), until srmd destroys it or
// the machine reboots (such a region does not outlive the boot; its name is this boot's).
struct CreatedRegion {
    std::string name;          // "region0"; "" until a reading of the machine named it
    std::string root_decoder;  // "decoder0.0"
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    std::string range;  // the Range it was created for
    std::int64_t time = 0;
};

// A file srmd installed outside its state directory (the boot hook, actors/boot-hook.hpp), with
// the text it wrote: srmd removes such a file only while it still holds that text.
struct InstalledFile {
    std::string path;  // as on the machine: "/etc/modprobe.d/srmd-kmem.conf"
    std::string content;
};

struct State {
    std::string boot_id;
    std::uint64_t passes = 0;
    std::optional<StepRecord> in_progress;  // the step srmd was carrying out, with its range
    std::string in_progress_range;
    std::map<std::string, RangeRecord> ranges;
    std::vector<CreatedRegion> created_regions;  // "created_regions", left out when empty
    std::vector<InstalledFile> installed_files;  // "installed_files"; left out of the file if none
    // "dc_release_requests", left out when empty; cleared by a new boot (extents do not survive
    // one). "dc_trace_offset": where a tree's trace file is read from next (0 on the machine,
    // whose trace_pipe a read consumes); left out when 0.
    std::vector<DcReleaseRequest> dc_release_requests;
    std::uint64_t dc_trace_offset = 0;
};

inline constexpr std::size_t kStepsKept = 16;

Json state_to_json(const State& state);
// Throws std::runtime_error saying what is wrong with the document.
State state_from_json(const Json& json);

// The state that the text of a state file holds. Throws std::runtime_error saying what is wrong
// (the JSON error with its byte offset, or what the document lacks); load_state() and the fuzzer
// (tests/fuzz/fuzz-state.cpp) read through it.
State state_from_text(std::string_view text);
// The text save_state() writes.
std::string state_to_text(const State& state);

struct StateLoad {
    State state;
    std::string warning;  // set when the file existed but could not be used
};

// A missing file is a fresh state. A file that cannot be parsed is moved aside to
// "<path>.corrupt" (for a post-mortem) and a fresh state is returned with a warning: losing
// retry counts is better than refusing to start. Anything but a regular file (a FIFO, a device,
// a symlink) is not read at all: a warning and a fresh state, which the next save replaces.
StateLoad load_state(const std::string& path);
// Atomically replaces `path`. Throws SystemError (path, errno) when it cannot.
void save_state(const std::string& path, const State& state);

// Failed attempts counted per range at most. The backoff reaches its cap long before; the bound
// keeps the count (and the attempt after it) far from overflowing.
inline constexpr int kMaxFailures = 1000;

// The state file is not trusted: someone may have written it by hand, or a bug may have. Brings
// every field within bounds: failures within [0, kMaxFailures], retry_after within [0, now +
// max_wait] (max_wait: the backoff's cap, the longest srmd ever waits), at most kStepsKept steps
// per range. Returns one warning per value changed, in words; none for a sound state.
std::vector<std::string> validate_state(State& state, std::int64_t now,
                                        std::chrono::seconds max_wait);

// A record of one step, keeping at most kStepsKept per range.
void remember_step(State& state, const std::string& range, StepRecord record);

}  // namespace srmd
