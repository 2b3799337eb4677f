// main() of the umockdev tests: runs the tests under umockdev's preload, re-executing once (the
// marker variable stops a loop), and exits 77 (a skip) when the preload cannot be loaded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

const char* preload = "libumockdev-preload.so.0";

int reexec_under_preload(char** argv) {
    setenv("SRMD_UMOCKDEV_REEXEC", "1", 1);
    std::string value = preload;
    if (const char* old = std::getenv("LD_PRELOAD"); old && *old)
        value += std::string(":") + old;
    setenv("LD_PRELOAD", value.c_str(), 1);
    // ASan insists on coming first in the link order, which a preload breaks; and umockdev's
    // GLib allocations that it never frees are not ours to report.
    std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    setenv("ASAN_OPTIONS", (asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0").c_str(),
           1);
    if (const char* supp = std::getenv("SRMD_LSAN_SUPPRESSIONS"))
        setenv("LSAN_OPTIONS", (std::string("suppressions=") + supp).c_str(), 1);
    execv("/proc/self/exe", argv);
    std::fprintf(stderr, "SKIP: cannot re-execute under %s: %s\n", preload, std::strerror(errno));
    return 77;
}

bool preload_loaded() {
    const char* value = std::getenv("LD_PRELOAD");
    if (!value || !std::strstr(value, "libumockdev-preload"))
        return false;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line))
        if (line.find("libumockdev-preload") != std::string::npos)
            return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    if (!std::getenv("SRMD_UMOCKDEV_REEXEC"))
        return reexec_under_preload(argv);
    if (!preload_loaded()) {
        std::fprintf(stderr, "SKIP: %s is not loaded (is umockdev installed?)\n", preload);
        return 77;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
