// Ownership of what C libraries hand out: a pointer that the library's own function frees
// (sd_bus_unref, daxctl_unref, closedir, ...) and a file descriptor that close() ends. One
// template says "this pointer is freed by that function", instead of a deleter struct written by
// hand for every library.
#pragma once

#include <unistd.h>

#include <memory>
#include <utility>

namespace srmd {

// A unique_ptr deleter that hands the pointer to `Free` (unique_ptr never passes it null).
template <auto Free>
struct CFree {
    template <typename T>
    void operator()(T* pointer) const {
        static_cast<void>(Free(pointer));
    }
};

// A pointer owned the C library's way, e.g. CHandle<sd_bus_message, sd_bus_message_unref>.
template <typename T, auto Free>
using CHandle = std::unique_ptr<T, CFree<Free>>;

// A file descriptor, closed when it goes; -1 owns nothing.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives the descriptor up without closing it.
    int release() { return std::exchange(fd_, -1); }
    // Closes the descriptor held, if any, and holds `fd` instead.
    void reset(int fd = -1) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

}  // namespace srmd
