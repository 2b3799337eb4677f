// Running one kernel write where it can be abandoned.
//
// Offlining memory can block for a very long time while the kernel migrates pages, and the only
// way to abandon it is to send a signal to the process that is blocked in write(): the kernel's
// offline loop checks for pending signals and gives up (memory-hotplug.rst). A thread could be
// signalled too, but the code it runs (libdaxctl, our own) may retry on EINTR or hold locks; only
// SIGKILL ends a write whatever the writer is doing, and SIGKILL ends a whole process. So each
// write runs in a forked child that the parent SIGKILLs when its time is up, and the daemon stays
// intact. The child reports back through a pipe; no exception crosses the fork, and the child
// leaves with _exit() so it never runs the parent's destructors or atexit handlers or flushes its
// stdio buffers.
//
// In a multi-threaded process the child may only make async-signal-safe calls (another thread
// may hold the allocator's lock at the fork): a sysfs write needs no more than open, write and
// close. The simulated kernel, which allocates freely in its worker, is for single-threaded use.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "util/error.hpp"

namespace srmd {

// What the work function tells the parent.
struct WorkerReport : SystemFailure {
    bool ok = true;

    static WorkerReport success() { return {}; }
    static WorkerReport failure(int error, std::string path, std::string message) {
        WorkerReport report;
        report.ok = false;
        report.error = error;
        report.path = std::move(path);
        report.message = std::move(message);
        return report;
    }
};

struct WorkerResult : SystemFailure {
    enum class Kind {
        Ok,        // the work returned success
        Failed,    // the work returned a failure (error, path, message filled in)
        TimedOut,  // still running at the deadline: killed and reaped
        Crashed,   // died without reporting (signal, exit); message says how
    };
    Kind kind = Kind::Ok;
};

// Runs `work` in a forked child and waits at most `timeout` for its report. An exception thrown
// by `work` is reported as a failure with EIO and the exception's text. Never throws; a failure
// to fork or make the pipe is reported as Failed with that errno.
WorkerResult run_killable(const std::function<WorkerReport()>& work,
                          std::chrono::milliseconds timeout);

const char* to_string(WorkerResult::Kind kind);

}  // namespace srmd
