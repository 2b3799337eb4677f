// The libudev monitor as an EventSource.
#include <libudev.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "kernel/udev-source.hpp"
#include "publish/log.hpp"
#include "read/uevent.hpp"
#include "util/c-handle.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

// A kmem bind of a terabyte device brings two events per memory block; the kernel's default
// socket buffer holds a few hundred. 128 MiB holds the largest storm we know of, and an overflow
// still only costs a full read.
constexpr int kReceiveBuffer = 128 * 1024 * 1024;

const char* const kSubsystems[] = {"cxl", "dax", "memory", "platform", "nd"};

using UdevRef = CHandle<udev, udev_unref>;
using MonitorRef = CHandle<udev_monitor, udev_monitor_unref>;
using DeviceRef = CHandle<udev_device, udev_device_unref>;
using QueueRef = CHandle<udev_queue, udev_queue_unref>;

std::string text(const char* value) {
    return value ? value : "";
}

class UdevSource : public EventSource {
  public:
    UdevSource() {
        udev_.reset(udev_new());
        if (!udev_)
            throw SystemError("udev", errno ? errno : ENOMEM);
        monitor_.reset(udev_monitor_new_from_netlink(udev_.get(), "udev"));
        if (!monitor_)
            throw SystemError("udev monitor", errno ? errno : ENOMEM);
        for (const char* subsystem : kSubsystems)
            if (int r = udev_monitor_filter_add_match_subsystem_devtype(monitor_.get(), subsystem,
                                                                        nullptr);
                r < 0)
                throw SystemError(std::string("udev monitor filter ") + subsystem, -r);
        // Best effort: without CAP_NET_ADMIN the kernel caps the size, and a smaller buffer only
        // means an overflow, which is handled.
        if (int r = udev_monitor_set_receive_buffer_size(monitor_.get(), kReceiveBuffer); r < 0)
            log_debug("cannot enlarge the udev receive buffer: " + std::string(strerror(-r)));
        if (int r = udev_monitor_enable_receiving(monitor_.get()); r < 0)
            throw SystemError("udev monitor", -r);
        queue_.reset(udev_queue_new(udev_.get()));
    }

    bool settling() const override {
        return queue_ && udev_queue_get_queue_is_empty(queue_.get()) == 0;
    }

    int fd() const override { return udev_monitor_get_fd(monitor_.get()); }
    const char* name() const override { return "udev"; }

    std::uint64_t drain(Changes& changes) override {
        std::uint64_t count = 0;
        for (;;) {
            errno = 0;
            DeviceRef device(udev_monitor_receive_device(monitor_.get()));
            if (!device) {
                if (errno == ENOBUFS) {
                    // The kernel dropped events: what they said is unknown, so read everything.
                    log_warning(
                        "udev events were lost (receive buffer overflow); the next pass "
                        "reads the whole machine");
                    changes.full = true;
                    continue;
                }
                break;  // EAGAIN: drained
            }
            Uevent event;
            event.action = text(udev_device_get_action(device.get()));
            event.subsystem = text(udev_device_get_subsystem(device.get()));
            event.devpath = text(udev_device_get_devpath(device.get()));
            event.driver = text(udev_device_get_driver(device.get()));
            note_uevent(changes, event);
            ++count;
        }
        return count;
    }

  private:
    UdevRef udev_;
    QueueRef queue_;  // udev's queue of events still being handled
    MonitorRef monitor_;
};

}  // namespace

std::unique_ptr<EventSource> open_udev_source() {
    return std::make_unique<UdevSource>();
}

}  // namespace srmd
