// The simulated kernel's event log as an EventSource: inotify says the log grew, and the new
// complete lines are the events.
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "publish/log.hpp"
#include "read/in-root.hpp"
#include "read/uevent.hpp"
#include "sim/sim-event-source.hpp"
#include "sim/sim-tree-files.hpp"
#include "sim/sim-tree.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

// A line longer than this is no event: dropped, and the next pass reads everything.
constexpr std::size_t kMaxLine = 64 * 1024;

class SimEventSource : public EventSource {
  public:
    explicit SimEventSource(const std::string& root) {
        std::string base = root == "/" ? "" : root;
        log_path_ = base + kSimUeventLog;
        std::string dir = log_path_.substr(0, log_path_.rfind('/'));
        // Made and opened inside the tree: a .sim-kernel that leads out of it is refused.
        TreeFiles files(base.empty() ? "/" : base);
        files.make_dirs(tree_relative(dir_of(kSimUeventLog)));
        root_ = Fd(::open(base.empty() ? "/" : base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root_)
            throw SystemError(base, errno);
        inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (inotify_ < 0)
            throw SystemError("inotify", errno);
        // The directory, not the file: the log may not exist yet, or be replaced.
        if (::inotify_add_watch(inotify_, dir.c_str(),
                                IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW) <
            0) {
            int error = errno;
            ::close(inotify_);
            throw SystemError(dir, error);
        }
        Fd log = open_log();
        struct stat st {};
        if (log && ::fstat(log.get(), &st) == 0)
            offset_ = st.st_size;
    }
    ~SimEventSource() override { ::close(inotify_); }
    SimEventSource(const SimEventSource&) = delete;
    SimEventSource& operator=(const SimEventSource&) = delete;

    int fd() const override { return inotify_; }
    const char* name() const override { return "simulated kernel"; }

    std::uint64_t drain(Changes& changes) override {
        char buffer[4096];
        while (::read(inotify_, buffer, sizeof buffer) > 0) {
        }
        Fd log = open_log();
        if (!log)
            return 0;
        struct stat st {};
        if (::fstat(log.get(), &st) == 0 && st.st_size < offset_) {
            // Truncated or replaced: events may be gone unseen.
            changes.full = true;
            offset_ = 0;
            partial_.clear();
        }
        std::uint64_t count = 0;
        std::string chunk(1 << 16, '\0');
        for (;;) {
            ssize_t n = ::pread(log.get(), chunk.data(), chunk.size(), offset_);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            offset_ += n;
            partial_.append(chunk.data(), static_cast<std::size_t>(n));
            std::size_t start = 0;
            for (std::size_t eol; (eol = partial_.find('\n', start)) != std::string::npos;
                 start = eol + 1) {
                std::optional<Uevent> event =
                    parse_uevent_line(std::string_view(partial_).substr(start, eol - start));
                if (!event)
                    continue;
                note_uevent(changes, *event);
                ++count;
            }
            partial_.erase(0, start);
            if (partial_.size() > kMaxLine) {
                partial_.clear();
                changes.full = true;
            }
        }
        return count;
    }

  private:
    static std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

    // The log, opened inside the tree; none when it is missing or no regular file.
    Fd open_log() const {
        int fd = open_in_root(root_.get(), kSimUeventLog, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0,
                              Confinement::InRoot);
        if (fd < 0)
            return Fd();
        Fd log(fd);
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            return Fd();
        return log;
    }

    Fd root_;
    std::string log_path_;
    int inotify_ = -1;
    off_t offset_ = 0;
    std::string partial_;  // a line whose end has not been written yet
};

}  // namespace

std::unique_ptr<EventSource> open_sim_source(const std::string& root) {
    return std::make_unique<SimEventSource>(root);
}

}  // namespace srmd
