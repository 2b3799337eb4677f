// srmd-bench-refresh ROOT [--runs N]: what a pass after events reads, beside a full snapshot.
// Changes ROOT with the simulated kernel (run it on a throwaway copy: bench/run-refresh.sh makes
// one), gathers the changes from the events a kernel sends for those writes, and prints, for a
// full read_snapshot and for refresh_snapshot after (a) one memory block offlined, (b) one dax
// device reconfigured from system-ram to devdax, (c) a storm naming every block: files opened,
// directories listed, their share of the full read and the time taken (median of N runs). Each
// refresh is checked against a fresh full read. Prints figures; asserts nothing.
#include "bench-args.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "read/root-reader.hpp"
#include "read/snapshot-refresh.hpp"
#include "read/snapshot.hpp"
#include "sim/sim-kernel.hpp"
#include "snapshot-compare.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Cost {
    std::uint64_t files = 0;
    std::uint64_t dirs = 0;
    double median_s = 0;
};

double median(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    std::size_t n = samples.size();
    return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Runs `read` `runs` times; the counters come from the first run (every run reads the same).
template <typename Read>
Cost measure(const srmd::RootReader& reader, int runs, Read read) {
    Cost cost;
    std::vector<double> times;
    for (int run = 0; run < runs; ++run) {
        reader.reset_counters();
        auto start = Clock::now();
        read();
        times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        if (run == 0) {
            cost.files = reader.files_opened();
            cost.dirs = reader.dirs_listed();
        }
    }
    cost.median_s = median(times);
    return cost;
}

double percent(std::uint64_t part, std::uint64_t whole) {
    return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0;
}

void print(const char* key, const Cost& cost, const Cost& full) {
    std::printf("%s: files %llu dirs %llu total %llu (%.2f%% of full; files %.2f%%) time %.4f s\n",
                key, static_cast<unsigned long long>(cost.files),
                static_cast<unsigned long long>(cost.dirs),
                static_cast<unsigned long long>(cost.files + cost.dirs),
                percent(cost.files + cost.dirs, full.files + full.dirs),
                percent(cost.files, full.files), cost.median_s);
}

// Refreshes `previous` with `changes`, measures it, and checks it against a full read.
Cost refresh_case(const char* key, const srmd::RootReader& reader, int runs,
                  const srmd::Snapshot& previous, const srmd::Changes& changes, const Cost& full) {
    srmd::Snapshot refreshed;
    Cost cost = measure(reader, runs,
                        [&] { refreshed = srmd::refresh_snapshot(previous, reader, changes); });
    print(key, cost, full);
    std::string differences =
        srmd::test::snapshot_differences(refreshed, srmd::read_snapshot(reader), 5);
    std::printf("%s_matches_full_read: %s\n", key, differences.empty() ? "yes" : "NO");
    if (!differences.empty())
        std::fprintf(stderr, "%s", differences.c_str());
    return cost;
}

srmd::Uevent memory_event(const std::string& action, std::uint64_t id) {
    return {action, "memory", "/devices/system/memory/memory" + std::to_string(id), ""};
}

// The blocks a dax device's mappings cover.
std::vector<std::uint64_t> blocks_of(const srmd::Snapshot& snapshot, const srmd::DaxDevice& dax) {
    std::vector<std::uint64_t> ids;
    std::uint64_t size = snapshot.memory.block_size;
    for (const srmd::DaxMapping& m : dax.mappings)
        for (std::uint64_t id = (m.start + size - 1) / size; (id + 1) * size - 1 <= m.end; ++id)
            ids.push_back(id);
    return ids;
}

void check(const srmd::StepOutcome& outcome, const char* what) {
    if (!outcome.ok)
        throw std::runtime_error(std::string(what) + ": " + outcome.path + ": " + outcome.message);
}

srmd::Step step(srmd::Action action, const std::string& target,
                std::optional<srmd::DaxMode> mode = std::nullopt) {
    srmd::Step s;
    s.action = action;
    s.target = target;
    s.range = "bench";
    s.mode = mode;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    srmd::bench::BenchArgs args = srmd::bench::parse_bench_args(argc, argv);
    const std::string& root = args.root;
    const int runs = args.runs;
    if (root.empty()) {
        std::fprintf(stderr, "usage: srmd-bench-refresh ROOT [--runs N]  (ROOT is changed)\n");
        return 2;
    }

    try {
        srmd::RootReader reader(root);
        srmd::Snapshot snapshot = srmd::read_snapshot(reader);  // warms the dentry cache
        Cost full = measure(reader, runs, [&] { snapshot = srmd::read_snapshot(reader); });
        if (snapshot.dax_devices.size() < 2 || snapshot.memory.blocks.empty())
            throw std::runtime_error("the tree needs two dax devices with memory blocks");
        std::printf("tree: %s\n", root.c_str());
        std::printf("machine: %zu dax devices, %zu memory blocks, %zu nodes\n",
                    snapshot.dax_devices.size(), snapshot.memory.blocks.size(),
                    snapshot.nodes.size());
        std::printf("runs: %d\n", runs);
        print("full", full, full);
        srmd::SimulatedKernel kernel(root);

        // (a) One block of the first dax device goes offline: one "offline" event.
        std::uint64_t block = blocks_of(snapshot, snapshot.dax_devices[0]).front();
        srmd::WorkerReport wrote = kernel.write(
            "/sys/devices/system/memory/memory" + std::to_string(block) + "/state", "offline");
        if (!wrote.ok)
            throw std::runtime_error(wrote.path + ": " + wrote.message);
        srmd::Changes one_block;
        srmd::note_uevent(one_block, memory_event("offline", block));
        refresh_case("one_block", reader, runs, snapshot, one_block, full);
        snapshot = srmd::read_snapshot(reader);

        // (b) The second dax device goes from system-ram to devdax: its blocks go offline and are
        // removed, kmem unbinds and device_dax binds.
        const srmd::DaxDevice& dax = snapshot.dax_devices[1];
        std::string devpath = reader.canonical("/sys/bus/dax/devices/" + dax.name).substr(4);
        std::vector<std::uint64_t> ids = blocks_of(snapshot, dax);
        check(kernel.execute(step(srmd::Action::OfflineMemory, dax.name)), "offline");
        check(kernel.execute(step(srmd::Action::ReconfigureDax, dax.name, srmd::DaxMode::Devdax)),
              "reconfigure");
        srmd::Changes device;
        for (std::uint64_t id : ids) {
            srmd::note_uevent(device, memory_event("offline", id));
            srmd::note_uevent(device, memory_event("remove", id));
        }
        srmd::note_uevent(device, {"unbind", "dax", devpath, ""});
        srmd::note_uevent(device, {"bind", "dax", devpath, "device_dax"});
        std::printf("dax_reconfigured: %s, %zu blocks\n", dax.name.c_str(), ids.size());
        refresh_case("dax_device", reader, runs, snapshot, device, full);
        snapshot = srmd::read_snapshot(reader);

        // (c) A storm: events name every block (as binding kmem to every device would).
        srmd::Changes storm;
        for (const srmd::MemoryBlock& b : snapshot.memory.blocks)
            srmd::note_uevent(storm, memory_event("online", b.id));
        std::printf("storm_blocks: %zu\n", storm.blocks.size());
        refresh_case("storm", reader, runs, snapshot, storm, full);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "srmd-bench-refresh: %s\n", e.what());
        return 1;
    }
    return 0;
}
