// srmd-bench-snapshot ROOT [--runs N]: how long srmd takes to read a machine and decide who owns
// what, beside a single plain pass over the same files, which is the floor any reader of these
// files pays. Prints figures; asserts nothing (the developers' guide keeps timing out of tests).
#include "bench-args.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct PlainPass {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
};

// Opens and reads every regular file below `path`, not following symlinks, with plain POSIX
// calls and no srmd code.
void read_everything(const std::string& path, PlainPass& pass) {
    DIR* dir = ::opendir(path.c_str());
    if (!dir)
        return;
    char buf[4096];
    while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..")
            continue;
        std::string child = path + "/" + name;
        if (entry->d_type == DT_DIR) {
            read_everything(child, pass);
        } else if (entry->d_type == DT_REG) {
            int fd = ::open(child.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            ssize_t n;
            while ((n = ::read(fd, buf, sizeof buf)) > 0)
                pass.bytes += static_cast<std::uint64_t>(n);
            ::close(fd);
            ++pass.files;
        }
    }
    ::closedir(dir);
}

// Every file a reader of Soft Reserved ownership could need: memory blocks, nodes, the CXL and
// dax buses, the platform devices (CXL topology, regions, dax regions, hmem), the memdevs under
// PCI, the firmware memmap and /proc/iomem.
PlainPass plain_pass(const std::string& root) {
    PlainPass pass;
    for (const char* dir :
         {"/sys/devices/system/memory", "/sys/devices/system/node", "/sys/bus/cxl", "/sys/bus/dax",
          "/sys/devices/platform", "/sys/firmware/memmap"})
        read_everything(root + dir, pass);
    if (DIR* devices = ::opendir((root + "/sys/devices").c_str())) {
        while (dirent* entry = ::readdir(devices))
            if (std::string(entry->d_name).rfind("pci", 0) == 0)
                read_everything(root + "/sys/devices/" + entry->d_name, pass);
        ::closedir(devices);
    }
    PlainPass iomem;
    int fd = ::open((root + "/proc/iomem").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[65536];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0)
            pass.bytes += static_cast<std::uint64_t>(n);
        ::close(fd);
        ++pass.files;
    }
    return pass;
}

struct Stats {
    double min = 0;
    double median = 0;
};

Stats stats(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    Stats s;
    s.min = samples.front();
    std::size_t n = samples.size();
    s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    return s;
}

long peak_rss_kib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;  // KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
    srmd::bench::BenchArgs args = srmd::bench::parse_bench_args(argc, argv);
    const std::string& root = args.root;
    const int runs = args.runs;
    if (root.empty()) {
        std::fprintf(stderr, "usage: srmd-bench-snapshot ROOT [--runs N]\n");
        return 2;
    }

    try {
        // One untimed round of each, so that every run finds the dentry cache equally warm.
        PlainPass pass = plain_pass(root);
        long rss_before = peak_rss_kib();
        srmd::RootReader reader(root);
        reader.reset_counters();
        srmd::Snapshot snapshot = srmd::read_snapshot(reader);
        std::uint64_t files_opened = reader.files_opened();
        std::uint64_t dirs_listed = reader.dirs_listed();
        std::vector<srmd::Range> ranges = srmd::compute_ranges(snapshot);

        std::vector<double> plain_times, snapshot_times, ranges_times;
        for (int run = 0; run < runs; ++run) {
            auto start = Clock::now();
            plain_pass(root);
            plain_times.push_back(seconds_since(start));

            start = Clock::now();
            srmd::Snapshot s = srmd::read_snapshot(reader);
            snapshot_times.push_back(seconds_since(start));

            start = Clock::now();
            std::vector<srmd::Range> r = srmd::compute_ranges(s);
            ranges_times.push_back(seconds_since(start));
            if (r.size() != ranges.size()) {
                std::fprintf(stderr, "srmd-bench-snapshot: ranges differ between runs\n");
                return 1;
            }
        }
        long rss_after = peak_rss_kib();

        std::size_t dax_blocks = 0;
        for (const srmd::MemoryBlock& block : snapshot.memory.blocks)
            if (block.dax >= 0)
                ++dax_blocks;
        Stats plain = stats(plain_times), snap = stats(snapshot_times), own = stats(ranges_times);
        std::printf("tree: %s\n", root.c_str());
        std::printf(
            "machine: %zu windows, %zu regions, %zu dax devices, %zu memory blocks "
            "(%zu in dax devices), %zu nodes, %zu ranges\n",
            snapshot.windows.size(), snapshot.regions.size(), snapshot.dax_devices.size(),
            snapshot.memory.blocks.size(), dax_blocks, snapshot.nodes.size(), ranges.size());
        std::printf("runs: %d\n", runs);
        std::printf("snapshot_s: min %.4f median %.4f\n", snap.min, snap.median);
        std::printf("ranges_s: min %.4f median %.4f\n", own.min, own.median);
        std::printf("plain_pass_s: min %.4f median %.4f\n", plain.min, plain.median);
        std::printf("plain_pass_files: %llu (%llu bytes)\n",
                    static_cast<unsigned long long>(pass.files),
                    static_cast<unsigned long long>(pass.bytes));
        std::printf("files_opened: %llu\n", static_cast<unsigned long long>(files_opened));
        std::printf("dirs_listed: %llu\n", static_cast<unsigned long long>(dirs_listed));
        std::printf("snapshot_vs_plain: %.2f (median / median; target <= 1.20)\n",
                    snap.median / plain.median);
        std::printf("peak_rss_kib: %ld (%ld before the first snapshot)\n", rss_after, rss_before);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmd-bench-snapshot: %s\n", e.what());
        return 1;
    }
    return 0;
}
