#include "kernel/region-create.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>

#include "read/sysfs-values.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

const std::string cxl_devices = "/sys/bus/cxl/devices/";
constexpr int kDaxRegionWaitMs = 20000;

// One creation: the writes made so far, so that a failure can undo them.
class Creation {
  public:
    Creation(const RootReader& reader, const SysfsWriter& writer, const RegionSpec& spec)
        : reader_(reader), writer_(writer), spec_(spec) {}

    WorkerReport run() {
        WorkerReport report = steps();
        if (!report.ok)
            undo();
        return report;
    }

  private:
    WorkerReport write(const std::string& path, const std::string& value) {
        WriteResult result = writer_.write(path, value);
        if (result.ok)
            return WorkerReport::success();
        return WorkerReport::failure(
            result.error, result.path,
            "writing '" + value + "' failed: " + std::strerror(result.error));
    }

    std::string region_path(const char* attr) const { return cxl_devices + region_ + "/" + attr; }

    WorkerReport steps() {
        const std::string root = cxl_devices + spec_.root_decoder;
        if (spec_.type != "ram")
            return WorkerReport::failure(EINVAL, root, "only ram regions are created");
        if (spec_.endpoint_decoders.empty() ||
            static_cast<int>(spec_.endpoint_decoders.size()) != spec_.interleave_ways)
            return WorkerReport::failure(
                EINVAL, root,
                "the spec names " + std::to_string(spec_.endpoint_decoders.size()) +
                    " endpoint decoders for " + std::to_string(spec_.interleave_ways) + " ways");
        // The kernel offers the next region name; writing it back creates the region. Another
        // writer may have taken the name in between (EBUSY): read it once more.
        WorkerReport report;
        for (int attempt = 0; attempt < 2; ++attempt) {
            region_ = reader_.read_attr(root + "/create_ram_region");
            report = write(root + "/create_ram_region", region_);
            if (report.ok || report.error != EBUSY)
                break;
        }
        if (!report.ok)
            return report;
        created_ = true;

        int granularity = spec_.interleave_granularity;
        if (granularity <= 0)
            granularity =
                static_cast<int>(parse_number(reader_.read_attr(root + "/interleave_granularity"),
                                              reader_.host_path(root + "/interleave_granularity")));
        if (!(report = write(region_path("interleave_granularity"), std::to_string(granularity)))
                 .ok ||
            !(report = write(region_path("interleave_ways"), std::to_string(spec_.interleave_ways)))
                 .ok ||
            !(report = write(region_path("size"), hex(spec_.size))).ok)
            return report;

        // The kernel chose the address: it must be the range's, or the region backs other
        // addresses than the ones hmem let go of.
        std::uint64_t start = parse_number(reader_.read_attr(region_path("resource")),
                                           reader_.host_path(region_path("resource")));
        if (start != spec_.start)
            return WorkerReport::failure(
                EADDRINUSE, reader_.host_path(region_path("resource")),
                "the kernel placed " + region_ + " at " +
                    (start == std::numeric_limits<std::uint64_t>::max() ? std::string("no address")
                                                                        : hex(start)) +
                    ", not at " + hex(spec_.start) + ": something else holds that address");

        std::uint64_t per_device = spec_.size / static_cast<std::uint64_t>(spec_.interleave_ways);
        for (const std::string& decoder : spec_.endpoint_decoders) {
            const std::string dir = cxl_devices + decoder;
            // A failed attempt leaves device address space allocated: the next dpa_size write
            // gets ENOSPC until it is freed.
            std::uint64_t allocated =
                parse_number(reader_.read_attr_optional(dir + "/dpa_size").value_or("0"),
                             reader_.host_path(dir + "/dpa_size"));
            if (allocated != 0 && !(report = write(dir + "/dpa_size", "0")).ok)
                return report;
            if (reader_.read_attr_optional(dir + "/mode").value_or("") != "ram" &&
                !(report = write(dir + "/mode", "ram")).ok)
                return report;
            if (!(report = write(dir + "/dpa_size", hex(per_device))).ok)
                return report;
            allocated_.push_back(decoder);
        }
        for (std::size_t position = 0; position < spec_.endpoint_decoders.size(); ++position) {
            std::string attr = "target" + std::to_string(position);
            if (!(report = write(region_path(attr.c_str()), spec_.endpoint_decoders[position])).ok)
                return report;
            targets_ = position + 1;
        }
        if (!(report = write(region_path("commit"), "1")).ok)
            return report;
        committed_ = true;
        if (!reader_.exists(region_path("driver")) &&
            !(report = write("/sys/bus/cxl/drivers/cxl_region/bind", region_)).ok)
            return report;
        // The region's probe adds dax_regionZ; cxl_dax_region (dax_cxl, a module udev loads on
        // the first such device) binds it and makes the dax device. Wait for that, bounded, so
        // that the executor's check sees the region come up or not at all.
        std::string dax_region =
            region_path("dax_region") + region_.substr(std::strlen("region")) + "/driver";
        for (int waited = 0; waited < kDaxRegionWaitMs && !reader_.exists(dax_region);
             waited += 100)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return WorkerReport::success();
    }

    // Best effort, in the kernel's reverse order; a region bound to cxl_region is left for the
    // executor's rollback, which takes its memory offline before it unbinds anything.
    void undo() {
        if (!created_ || reader_.exists(region_path("driver")))
            return;
        if (committed_)
            write(region_path("commit"), "0");
        for (std::size_t position = targets_; position > 0; --position) {
            std::string attr = "target" + std::to_string(position - 1);
            write(region_path(attr.c_str()), "\n");
        }
        write(cxl_devices + spec_.root_decoder + "/delete_region", region_);
        for (const std::string& decoder : allocated_)
            write(cxl_devices + decoder + "/dpa_size", "0");
    }

    const RootReader& reader_;
    const SysfsWriter& writer_;
    const RegionSpec& spec_;
    std::string region_;
    bool created_ = false;
    bool committed_ = false;
    std::size_t targets_ = 0;
    std::vector<std::string> allocated_;
};

}  // namespace

WorkerReport create_region(const RootReader& reader, const SysfsWriter& writer,
                           const RegionSpec& spec) {
    return Creation(reader, writer, spec).run();
}

}  // namespace srmd
