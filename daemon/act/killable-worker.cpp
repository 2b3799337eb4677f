#include "act/killable-worker.hpp"

#include <signal.h>
#include <sys/prctl.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>

namespace srmd {

namespace {

// The report on the wire: four 32-bit fields (ok, errno, path length, message length), then the
// path and the message bytes.
std::string encode(const WorkerReport& report) {
    std::int32_t header[4] = {report.ok ? 1 : 0, report.error,
                              static_cast<std::int32_t>(report.path.size()),
                              static_cast<std::int32_t>(report.message.size())};
    std::string out(reinterpret_cast<const char*>(header), sizeof header);
    return out + report.path + report.message;
}

bool decode(const std::string& bytes, WorkerResult& result) {
    std::int32_t header[4];
    if (bytes.size() < sizeof header)
        return false;
    std::memcpy(header, bytes.data(), sizeof header);
    if (header[2] < 0 || header[3] < 0 ||
        bytes.size() != sizeof header + static_cast<std::size_t>(header[2]) +
                            static_cast<std::size_t>(header[3]))
        return false;
    result.kind = header[0] ? WorkerResult::Kind::Ok : WorkerResult::Kind::Failed;
    result.error = header[1];
    result.path = bytes.substr(sizeof header, static_cast<std::size_t>(header[2]));
    result.message = bytes.substr(sizeof header + static_cast<std::size_t>(header[2]));
    return true;
}

void write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;  // the parent is gone or gave up: nothing more to do
        done += static_cast<std::size_t>(n);
    }
}

[[noreturn]] void run_child(int fd, const std::function<WorkerReport()>& work) {
    WorkerReport report;
    try {
        report = work();
    } catch (const std::exception& e) {
        report = WorkerReport::failure(EIO, "", e.what());
    } catch (...) {
        report = WorkerReport::failure(EIO, "", "unknown exception");
    }
    write_all(fd, encode(report));
    ::_exit(0);
}

WorkerResult failed(int error, const std::string& message) {
    WorkerResult result;
    result.kind = WorkerResult::Kind::Failed;
    result.error = error;
    result.message = message + ": " + std::strerror(error);
    return result;
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

}  // namespace

WorkerResult run_killable(const std::function<WorkerReport()>& work,
                          std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return failed(errno, "cannot create the worker's pipe");
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        int error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return failed(error, "cannot fork the worker");
    }
    if (pid == 0) {
        // If srmd dies (kill -9, a crash) the step dies with it: a step outliving the daemon
        // would race with the next instance, which plans from what it reads. The kernel ends an
        // offline cleanly on a signal, and every step boundary is a state srmd can start from.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        ::close(fds[0]);
        run_child(fds[1], work);
    }
    ::close(fds[1]);

    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + timeout;
    std::string bytes;
    bool timed_out = false;
    for (;;) {
        // Rounded up, so that the child always gets its whole time.
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd pfd{fds[0], POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            continue;  // the loop's top decides whether the deadline has passed
        char buffer[4096];
        ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  // EOF: the child has written everything it will write
        bytes.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);

    if (timed_out) {
        // SIGKILL is what interrupts a blocked offline write; reaping keeps no zombie behind.
        ::kill(pid, SIGKILL);
        wait_for(pid);
        WorkerResult result;
        result.kind = WorkerResult::Kind::TimedOut;
        result.error = ETIMEDOUT;
        result.message =
            "the write did not return within " + std::to_string(timeout.count()) + " ms: killed";
        return result;
    }

    int status = wait_for(pid);
    WorkerResult result;
    if (decode(bytes, result))
        return result;
    result.kind = WorkerResult::Kind::Crashed;
    result.error = EIO;
    if (WIFSIGNALED(status))
        result.message = "worker killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                         strsignal(WTERMSIG(status)) + ")";
    else
        result.message = "worker exited with status " + std::to_string(WEXITSTATUS(status)) +
                         " without reporting";
    return result;
}

const char* to_string(WorkerResult::Kind kind) {
    switch (kind) {
        case WorkerResult::Kind::Ok:
            return "ok";
        case WorkerResult::Kind::Failed:
            return "failed";
        case WorkerResult::Kind::TimedOut:
            return "timed-out";
        case WorkerResult::Kind::Crashed:
            return "crashed";
    }
    return "failed";
}

}  // namespace srmd
