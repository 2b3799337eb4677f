// A umockdev testbed holding a small CXL + dax + memory topology in the real kernel layout
// (topology.umockdev), with the fixups the record format cannot express.
#pragma once

#include <cstdlib>
#include <string>

typedef struct _UMockdevTestbed UMockdevTestbed;

namespace srmd::testing {

// $SRMD_UMOCKDEV_TOPOLOGY, as meson sets it, else topology.umockdev in the working directory.
inline const char* default_topology() {
    const char* path = std::getenv("SRMD_UMOCKDEV_TOPOLOGY");
    return path ? path : "topology.umockdev";
}

class Testbed {
  public:
    // Loads the topology and fixes it up; throws std::runtime_error on failure.
    explicit Testbed(const std::string& topology);
    ~Testbed();
    Testbed(const Testbed&) = delete;
    Testbed& operator=(const Testbed&) = delete;

    // The testbed's directory on the host ("/tmp/umockdev.XXXXXX").
    const std::string& root() const { return root_; }
    // root + kernel path: how a test looks at the tree without going through the preload.
    std::string host(const std::string& path) const { return root_ + path; }

    // True when the preload redirects /sys to this testbed: /sys/.fake-sysfs is visible. Nothing
    // may write below /sys unless this holds, or a broken preload would act on the real machine.
    bool redirected() const;

    // Sends a uevent for the device at `path` (a /sys path) as the kernel would, after udevd:
    // what a libudev monitor on the "udev" netlink group receives.
    void uevent(const std::string& path, const std::string& action);

  private:
    UMockdevTestbed* testbed_ = nullptr;
    std::string root_;
};

}  // namespace srmd::testing
