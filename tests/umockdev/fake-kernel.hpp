// A small synchronous fake kernel for umockdev testbeds. umockdev keeps sysfs writes as plain
// files and nothing reacts to them, while libdaxctl and libcxl check the result right after the
// write (the driver link, the block state). The test executable therefore defines write(2)
// (linked with -rdynamic so that it wins over libc and the preload) and hands writes below the
// testbed to this kernel, which does what the real one would: bind and unbind drivers, add and
// remove memory blocks for kmem, change block states, and fail with the kernel's errno. A write
// to the kernel path named in <root>/stall blocks until a signal, as a stuck offline does.
//
// The effects are files in the testbed, so a forked child (the actuator's worker) acting through
// the same interposer leaves state that the parent sees.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace srmd::testing {

// Hands writes below `root` (the testbed's host directory) to the fake kernel; "" stops it.
void fake_kernel_attach(const std::string& root);

// The writes the fake kernel saw since attach, as (kernel path, value without NUL/newline), in
// order; includes writes made in forked children (kept in a log file in the testbed).
std::vector<std::pair<std::string, std::string>> fake_kernel_writes();

// Writes a file in the testbed (a host path) as the test's own setup, unseen by the fake kernel.
void put_file(const std::string& host_path, const std::string& value);

}  // namespace srmd::testing
