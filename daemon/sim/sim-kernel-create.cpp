// The simulated kernel's region creation: the sysfs writes of a ram region (create_ram_region,
// the region's granularity, ways, size and targets, the endpoint decoders' mode and dpa_size,
// commit), with the kernel's refusals (drivers/cxl/core/region.c, hdm.c), and the create-region
// step made of them as kernel/region-create.cpp makes it.
//   - create_ram_region takes only the name it offers (EBUSY otherwise); the next name is the
//     lowest memregion id no region or hmem device uses;
//   - granularity and ways: EBUSY once the region has an address; size: EINVAL unless a multiple
//     of 256 MiB per way, ENXIO before ways, ENOSPC when the window has no free space that fits;
//     the address is the lowest free 256 MiB-aligned one after the window's other regions and
//     hmem's registered ranges;
//   - an endpoint decoder attached to a region refuses mode and dpa_size (EBUSY); dpa_size with
//     an allocation left is ENOSPC until 0 is written; more than the memdev's free ram is ENOSPC;
//   - targetN: the decoder must be in the region's mode with dpa_size = size / ways (EINVAL), not
//     attached elsewhere (EBUSY); commit 1 needs every target (ENXIO) and programs the decoders.
#include <algorithm>
#include <cerrno>

#include "read/sysfs-values.hpp"
#include "sim/sim-kernel-rules-internal.hpp"
#include "sim/sim-kernel-rules.hpp"

namespace srmd {

using sim_rules::base_name_of;
using sim_rules::dir_name_of;
using sim_rules::fail;
using sim_rules::hex;

namespace {

constexpr std::uint64_t kRegionAlign = 256ULL << 20;
constexpr std::uint64_t kNone = ~0ULL;

bool valid_ways(std::uint64_t ways) {
    return ways == 1 || ways == 2 || ways == 3 || ways == 4 || ways == 6 || ways == 8 ||
           ways == 12 || ways == 16;
}

}  // namespace

std::string SimulatedKernel::Session::next_region_name() const {
    std::vector<long> used;
    for (const std::string& name : reader_.list_optional("/sys/bus/cxl/devices"))
        if (name.rfind("region", 0) == 0)
            used.push_back(trailing_number(name));
    for (const std::string& name : reader_.list_optional("/sys/bus/platform/devices"))
        if (name.rfind("hmem.", 0) == 0)
            used.push_back(trailing_number(name));
    long id = 0;
    while (std::find(used.begin(), used.end(), id) != used.end())
        ++id;
    return "region" + std::to_string(id);
}

void SimulatedKernel::Session::region_create(const std::string& decoder_dir,
                                             const std::string& value, const std::string& path) {
    if (!tree_.exists(decoder_dir + "/create_ram_region"))
        fail(ENOENT, path, "not a root decoder with ram capability");
    std::string offered = tree_.read_attr(decoder_dir + "/create_ram_region").value_or("");
    if (value != offered)
        fail(EBUSY, path, "the kernel offers " + offered + ", not " + value);
    const std::string d = decoder_dir + "/" + value;
    tree_.build_dir(d, [&] {
        tree_.attr(d + "/devtype", "cxl_region");
        tree_.attr(d + "/modalias", "cxl:t6");
        tree_.file(d + "/uevent", "DEVTYPE=cxl_region\nMODALIAS=cxl:t6\n");
        tree_.link(d + "/subsystem", "sys/bus/cxl");
        tree_.attr(d + "/mode", "ram");
        tree_.attr(d + "/commit", "0");
        tree_.attr(d + "/locked", "0");
        tree_.attr(d + "/resource", hex(kNone));
        tree_.attr(d + "/size", "0x0");
        tree_.attr(d + "/interleave_ways", "0");
        tree_.attr(d + "/interleave_granularity", "0");
        tree_.attr(d + "/target0", "");
    });
    tree_.link("sys/bus/cxl/devices/" + value, d);
    std::string next = next_region_name();
    tree_.attr(decoder_dir + "/create_ram_region", next);
    if (tree_.exists(decoder_dir + "/create_pmem_region"))
        tree_.attr(decoder_dir + "/create_pmem_region", next);
    announce("add", "cxl", d);
}

void SimulatedKernel::Session::region_attr(const std::string& dir, const std::string& attr,
                                           const std::string& value, const std::string& path) {
    std::string name = base_name_of(dir);
    std::optional<Region> found = find_region(name);
    if (!found || found->dir != dir)
        fail(ENOENT, path, "no such region");
    if (found->committed)
        fail(EBUSY, path, name + " is committed");
    auto number = [&](const std::string& text) {
        try {
            return parse_number(text, path);
        } catch (const std::exception&) {
            fail(EINVAL, path, "not a number: " + text);
        }
    };
    std::uint64_t ways = number(tree_.read_attr(dir + "/interleave_ways").value_or("0"));
    if (attr == "interleave_granularity" || attr == "interleave_ways") {
        if (found->start)
            fail(EBUSY, path, name + " already has an address");
        std::uint64_t n = number(value);
        if (attr == "interleave_ways" && !valid_ways(n))
            fail(EINVAL, path, "invalid interleave ways " + value);
        if (attr == "interleave_granularity" && (n < 256 || n > 16384 || (n & (n - 1)) != 0))
            fail(EINVAL, path, "invalid interleave granularity " + value);
        tree_.attr(dir + "/" + attr, std::to_string(n));
        return;
    }
    if (attr == "size") {
        std::uint64_t size = number(value);
        if (ways == 0 ||
            number(tree_.read_attr(dir + "/interleave_granularity").value_or("0")) == 0)
            fail(ENXIO, path, name + " has no interleave set up");
        if (size == 0 || size % (kRegionAlign * ways) != 0)
            fail(EINVAL, path, "size must be a multiple of 256 MiB per interleave way");
        if (found->start)
            fail(EBUSY, path, name + " already has an address");
        const std::string decoder = dir_name_of(dir);
        std::uint64_t wstart = parse_hex(tree_.read_attr(decoder + "/start").value_or("0"), path);
        std::uint64_t wsize = parse_hex(tree_.read_attr(decoder + "/size").value_or("0"), path);
        std::vector<std::pair<std::uint64_t, std::uint64_t>> taken;
        Snapshot snap = snapshot();
        for (const CxlRegion& region : snap.regions)
            if (region.name != name && region.start && region.size > 0)
                taken.emplace_back(*region.start, *region.start + region.size);
        for (const HmemDevice& hmem : snap.hmem)
            if (hmem.has_dax_region && hmem.start && hmem.size > 0)
                taken.emplace_back(*hmem.start, *hmem.start + hmem.size);
        std::sort(taken.begin(), taken.end());
        std::uint64_t align = kRegionAlign * ways;
        std::uint64_t at = (wstart + align - 1) / align * align;
        for (const auto& [start, end] : taken) {
            if (at + size <= start)
                break;
            if (end > at)
                at = (end + align - 1) / align * align;
        }
        if (at + size > wstart + wsize)
            fail(ENOSPC, path, "no free space of that size in " + base_name_of(decoder));
        tree_.attr(dir + "/resource", hex(at));
        tree_.attr(dir + "/size", hex(size));
        iomem_add(at, at + size - 1, name);
        return;
    }
    // targetN
    long position = trailing_number(attr);
    if (position < 0)
        fail(EOPNOTSUPP, path, "the simulated kernel does not model writes to this file");
    std::string target = value;
    while (!target.empty() && (target.back() == '\n' || target.back() == ' '))
        target.pop_back();
    if (target.empty()) {
        std::string was = tree_.read_attr(dir + "/" + attr).value_or("");
        if (!was.empty()) {
            std::string e = tree_relative(reader_.canonical("/sys/bus/cxl/devices/" + was));
            tree_.attr(e + "/region", "");
        }
        tree_.attr(dir + "/" + attr, "");
        return;
    }
    if (static_cast<std::uint64_t>(position) >= std::max<std::uint64_t>(ways, 1) || !found->start)
        fail(ENXIO, path, name + " has no size or no such position");
    const std::string link = "/sys/bus/cxl/devices/" + target;
    if (!reader_.exists(link))
        fail(ENXIO, path, "no decoder " + target);
    std::string e = tree_relative(reader_.canonical(link));
    if (tree_.read_attr(e + "/devtype").value_or("") != "cxl_decoder_endpoint")
        fail(EINVAL, path, target + " is not an endpoint decoder");
    if (!tree_.read_attr(e + "/region").value_or("").empty())
        fail(EBUSY, path, target + " is attached to a region already");
    if (tree_.read_attr(e + "/mode").value_or("") != found->mode)
        fail(EINVAL, path, target + " is not in " + found->mode + " mode");
    std::uint64_t dpa = number(tree_.read_attr(e + "/dpa_size").value_or("0"));
    if (dpa != found->size / std::max<std::uint64_t>(ways, 1))
        fail(EINVAL, path, target + "'s dpa_size does not match the region's size");
    tree_.attr(dir + "/" + attr, target);
    tree_.attr(e + "/region", name);
}

void SimulatedKernel::Session::region_commit_targets(const std::string& dir,
                                                     const std::string& path) {
    std::string name = base_name_of(dir);
    std::optional<Region> found = find_region(name);
    if (!found || !found->start)
        fail(ENXIO, path, name + " has no address");
    std::uint64_t ways =
        parse_number(tree_.read_attr(dir + "/interleave_ways").value_or("0"), path);
    if (ways == 0)
        fail(ENXIO, path, name + " has no interleave set up");
    std::vector<std::string> decoders;
    for (std::uint64_t position = 0; position < ways; ++position) {
        std::string target =
            tree_.read_attr(dir + "/target" + std::to_string(position)).value_or("");
        if (target.empty())
            fail(ENXIO, path, name + " lacks target" + std::to_string(position));
        decoders.push_back(tree_relative(reader_.canonical("/sys/bus/cxl/devices/" + target)));
    }
    for (const std::string& e : decoders) {
        tree_.attr(e + "/start", hex(*found->start));
        tree_.attr(e + "/size", hex(found->size));
    }
    tree_.attr(dir + "/commit", "1");
}

void SimulatedKernel::Session::decoder_attr(const std::string& dir, const std::string& attr,
                                            const std::string& value, const std::string& path) {
    if (!tree_.read_attr(dir + "/region").value_or("").empty())
        fail(EBUSY, path, base_name_of(dir) + " is attached to a region");
    std::uint64_t allocated = parse_number(tree_.read_attr(dir + "/dpa_size").value_or("0"), path);
    std::string mode = tree_.read_attr(dir + "/mode").value_or("none");
    if (attr == "mode") {
        if (value != "ram" && value != "pmem")
            fail(EINVAL, path, "invalid mode " + value);
        if (allocated > 0)
            fail(EBUSY, path, base_name_of(dir) + " has device address space allocated");
        tree_.attr(dir + "/mode", value);
        return;
    }
    std::uint64_t size = 0;
    try {
        size = parse_number(value, path);
    } catch (const std::exception&) {
        fail(EINVAL, path, "not a number: " + value);
    }
    if (size == 0) {
        tree_.attr(dir + "/dpa_size", "0x0");
        tree_.attr(dir + "/dpa_resource", hex(kNone));
        return;
    }
    if (mode != "ram" && mode != "pmem")
        fail(EINVAL, path, base_name_of(dir) + " has no mode");
    if (allocated > 0)
        fail(ENOSPC, path, base_name_of(dir) + " already has device address space allocated");
    if (size % kRegionAlign != 0)
        fail(EINVAL, path, "dpa_size must be a multiple of 256 MiB");
    // The memdev's ram left: its capacity less what its other decoders hold.
    const std::string endpoint = dir_name_of(dir);
    std::string memdev = reader_.link_name("/" + endpoint + "/uport").value_or("");
    std::uint64_t capacity = parse_number(
        reader_.read_attr_optional("/sys/bus/cxl/devices/" + memdev + "/" + mode + "/size")
            .value_or("0"),
        path);
    std::uint64_t used = 0;
    for (const std::string& entry : reader_.list_optional("/" + endpoint))
        if (entry.rfind("decoder", 0) == 0 && entry.find('.') != std::string::npos &&
            endpoint + "/" + entry != dir &&
            tree_.read_attr(endpoint + "/" + entry + "/mode").value_or("") == mode)
            used += parse_number(
                tree_.read_attr(endpoint + "/" + entry + "/dpa_size").value_or("0"), path);
    if (used + size > capacity)
        fail(ENOSPC, path,
             memdev + " has " + hex(capacity - std::min(used, capacity)) + " of " + mode +
                 " capacity left");
    tree_.attr(dir + "/dpa_size", hex(size));
    tree_.attr(dir + "/dpa_resource", hex(used));
}

void SimulatedKernel::Session::detach_region_decoders(const Region& region) {
    const std::string name = region.name;
    for (int position = 0; position < 16; ++position) {
        std::optional<std::string> target =
            tree_.read_attr(region.dir + "/target" + std::to_string(position));
        if (!target)
            break;
        if (target->empty() || !reader_.exists("/sys/bus/cxl/devices/" + *target))
            continue;
        std::string e = tree_relative(reader_.canonical("/sys/bus/cxl/devices/" + *target));
        if (tree_.read_attr(e + "/region").value_or("") != name)
            continue;
        tree_.attr(e + "/region", "");
        tree_.attr(e + "/start", "0x0");
        tree_.attr(e + "/size", "0x0");
    }
}

// --- the step

void SimulatedKernel::Session::run_create(const Step& step, std::string& target_path) {
    if (!step.create)
        fail(EINVAL, "/sys/bus/cxl/devices/" + step.target, "create-region step without a spec");
    const RegionSpec& spec = *step.create;
    const std::string link = "/sys/bus/cxl/devices/" + spec.root_decoder;
    if (!reader_.exists(link))
        fail(ENODEV, link, "no root decoder " + spec.root_decoder);
    const std::string root = reader_.canonical(link);
    target_path = root;
    std::string name = tree_.read_attr(tree_relative(root) + "/create_ram_region").value_or("");
    if (name.empty())
        fail(EOPNOTSUPP, root + "/create_ram_region", "no create_ram_region");
    kernel_write(root + "/create_ram_region", name);
    const std::string r = root + "/" + name;
    kernel_write(r + "/interleave_granularity", std::to_string(spec.interleave_granularity));
    kernel_write(r + "/interleave_ways", std::to_string(spec.interleave_ways));
    kernel_write(r + "/size", hex(spec.size));
    std::uint64_t start =
        parse_hex(tree_.read_attr(tree_relative(r) + "/resource").value_or(""), r + "/resource");
    if (start != spec.start) {
        // As kernel/region-create.cpp does: the region goes again.
        kernel_write(root + "/delete_region", name);
        fail(EADDRINUSE, r + "/resource",
             "the kernel placed " + name + " at " + hex(start) + ", not at " + hex(spec.start));
    }
    std::uint64_t per_device = spec.size / static_cast<std::uint64_t>(spec.interleave_ways);
    for (const std::string& decoder : spec.endpoint_decoders) {
        const std::string e = reader_.canonical("/sys/bus/cxl/devices/" + decoder);
        std::string dpa = tree_.read_attr(tree_relative(e) + "/dpa_size").value_or("0");
        if (parse_number(dpa, e + "/dpa_size") != 0)
            kernel_write(e + "/dpa_size", "0");
        if (tree_.read_attr(tree_relative(e) + "/mode").value_or("") != "ram")
            kernel_write(e + "/mode", "ram");
        kernel_write(e + "/dpa_size", hex(per_device));
    }
    for (std::size_t position = 0; position < spec.endpoint_decoders.size(); ++position)
        kernel_write(r + "/target" + std::to_string(position), spec.endpoint_decoders[position]);
    kernel_write(r + "/commit", "1");
    if (!reader_.exists(r + "/driver"))
        kernel_write("/sys/bus/cxl/drivers/cxl_region/bind", name);
}

bool SimulatedKernel::Session::apply_create(const std::string& path, const std::string& value) {
    std::string file = base_name_of(path);
    if (file == "create_ram_region") {
        region_create(tree_relative(reader_.canonical(dir_name_of(path))), value, path);
        return true;
    }
    if (!reader_.exists(dir_name_of(path)))
        return false;
    std::string dir = tree_relative(reader_.canonical(dir_name_of(path)));
    std::string owner = base_name_of(dir);
    if (owner.rfind("region", 0) == 0 && trailing_number(owner) >= 0) {
        if (file == "interleave_granularity" || file == "interleave_ways" || file == "size" ||
            (file.rfind("target", 0) == 0 && trailing_number(file) >= 0)) {
            region_attr(dir, file, value, path);
            return true;
        }
        if (file == "commit" && value == "1") {
            region_commit_targets(dir, path);
            return true;
        }
        return false;
    }
    if (owner.rfind("decoder", 0) == 0 && (file == "mode" || file == "dpa_size") &&
        tree_.read_attr(dir + "/devtype").value_or("") == "cxl_decoder_endpoint") {
        decoder_attr(dir, file, value, path);
        return true;
    }
    return false;
}

}  // namespace srmd
