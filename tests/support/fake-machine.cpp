#include "fake-machine.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <unordered_set>

namespace srmd::fake {

namespace {

// Major numbers as the captured Debian 6.1 guest had them; /dev nodes made for daxctl use them.
constexpr int kDaxMajor = 252;
constexpr int kMemdevMajor = 247;

std::string hex(std::uint64_t value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
    return buf;
}

// "%#llx", as the kernel prints extents: "0" for zero, "0x..." otherwise.
std::string hex_alt(std::uint64_t value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(value));
    return buf;
}

std::string hex_bare(std::uint64_t value, int width = 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llx", width, static_cast<unsigned long long>(value));
    return buf;
}

std::string hex_padded(std::uint64_t value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(value));
    return buf;
}

// "0-2,5": the kernel's node list format.
std::string list_format(const std::set<int>& ids) {
    std::string out;
    auto it = ids.begin();
    while (it != ids.end()) {
        int first = *it;
        int last = first;
        ++it;
        while (it != ids.end() && *it == last + 1) {
            last = *it;
            ++it;
        }
        if (!out.empty())
            out += ',';
        out += std::to_string(first);
        if (last != first)
            out += '-' + std::to_string(last);
    }
    return out;
}

std::uint64_t round_up(std::uint64_t value, std::uint64_t to) {
    return (value + to - 1) / to * to;
}
std::uint64_t round_down(std::uint64_t value, std::uint64_t to) {
    return value / to * to;
}

bool at_least(Kernel kernel, Kernel version) {
    return static_cast<int>(kernel) >= static_cast<int>(version);
}

std::string default_release(Kernel kernel) {
    switch (kernel) {
        case Kernel::V6_1:
            return "6.1.0-56-amd64";
        case Kernel::V6_8:
            return "6.8.12-amd64";
        case Kernel::V7_0:
            return "7.0.0-1-amd64";
        case Kernel::V7_1:
            return "7.1.0-1-amd64";
    }
    return "";
}

}  // namespace

// Writes files and relative symlinks below one directory. Paths are tree-relative
// ("sys/bus/dax"); link targets are made relative the way sysfs makes them: up to the common
// ancestor, then down.
class TreeWriter {
  public:
    explicit TreeWriter(std::string root) : root_(std::move(root)) {}

    void dir(const std::string& rel) {
        if (rel.empty() || made_.count(rel))
            return;
        auto slash = rel.rfind('/');
        if (slash != std::string::npos)
            dir(rel.substr(0, slash));
        std::string path = root_ + "/" + rel;
        if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
            fail(path);
        made_.insert(rel);
    }

    // A readable attribute: the value and the newline the kernel appends.
    void attr(const std::string& rel, const std::string& value) { file(rel, value + "\n"); }
    // A write-only attribute (bind, delete_region, ...): the capture kept it as an empty file.
    void write_only(const std::string& rel) { file(rel, ""); }

    void file(const std::string& rel, const std::string& content) {
        parent_dir(rel);
        std::string path = root_ + "/" + rel;
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            fail(path);
        std::size_t done = 0;
        while (done < content.size()) {
            ssize_t n = ::write(fd, content.data() + done, content.size() - done);
            if (n < 0) {
                ::close(fd);
                fail(path);
            }
            done += static_cast<std::size_t>(n);
        }
        if (::close(fd) != 0)
            fail(path);
    }

    void link(const std::string& rel, const std::string& target_rel) {
        parent_dir(rel);
        std::filesystem::path from = std::filesystem::path(rel).parent_path();
        std::string target = std::filesystem::path(target_rel).lexically_relative(from).string();
        std::string path = root_ + "/" + rel;
        if (::symlink(target.c_str(), path.c_str()) != 0)
            fail(path);
    }

  private:
    void parent_dir(const std::string& rel) {
        auto slash = rel.rfind('/');
        if (slash != std::string::npos)
            dir(rel.substr(0, slash));
    }

    [[noreturn]] static void fail(const std::string& path) {
        throw std::runtime_error(path + ": " + std::strerror(errno));
    }

    std::string root_;
    std::unordered_set<std::string> made_;
};

FakeMachine::FakeMachine(Kernel kernel) : kernel_(kernel), osrelease_(default_release(kernel)) {}

int FakeMachine::add_window(const Window& window) {
    windows_.push_back(window);
    return static_cast<int>(windows_.size()) - 1;
}

int FakeMachine::add_memdev(const Memdev& memdev) {
    memdevs_.push_back(memdev);
    return static_cast<int>(memdevs_.size()) - 1;
}

void FakeMachine::add_region(const Region& region) {
    regions_.push_back(region);
}
void FakeMachine::add_hmem(const Hmem& hmem) {
    hmem_.push_back(hmem);
}
void FakeMachine::add_dc_extent(const DcExtent& extent) {
    dc_extents_.push_back(extent);
}

void FakeMachine::add_dax_device(const DaxDevice& dax) {
    dax_.push_back(dax);
}
void FakeMachine::add_node(const Node& node) {
    nodes_.push_back(node);
}

void FakeMachine::add_memory_blocks(std::uint64_t start, std::uint64_t size, int node,
                                    const std::string& state, const std::string& zones) {
    for (std::uint64_t id = start / block_size_; id * block_size_ < start + size; ++id)
        blocks_[id] = Block{node, state, zones};
}

void FakeMachine::add_boot_ram(std::uint64_t start, std::uint64_t size, int node) {
    extra_iomem_.push_back({start, start + size - 1, "System RAM", 0});
    firmware_.push_back({start, start + size - 1, "System RAM"});
    constexpr std::uint64_t four_gib = 4 * GiB;
    for (std::uint64_t id = start / block_size_; id * block_size_ < start + size; ++id) {
        if (blocks_.count(id))
            continue;
        std::string zone = id == 0 ? "none" : id * block_size_ < four_gib ? "DMA32" : "Normal";
        blocks_[id] = Block{node, "online", zone};
    }
}

void FakeMachine::add_soft_reserved(std::uint64_t start, std::uint64_t size, bool in_iomem) {
    firmware_.push_back({start, start + size - 1, "Soft Reserved"});
    if (in_iomem)
        soft_reserved_iomem_.push_back({start, start + size - 1});
}

void FakeMachine::add_iomem_line(std::uint64_t start, std::uint64_t end_inclusive,
                                 const std::string& name) {
    extra_iomem_.push_back({start, end_inclusive, name, 0});
    if (name == "Reserved")
        firmware_.push_back({start, end_inclusive, name});
}

// Every resource the kernel would list, with the rank that orders equal ranges. The rank follows
// insertion order (insert_resource makes the newcomer the parent of an equal range): on 6.x the
// e820 Soft Reserved comes first, hmem.N next, then the CXL Window, then the region; on 7.x hmem
// inserts Soft Reserved only after CXL has decided. Requested regions (dax, kmem) always nest
// inside.
std::vector<FakeMachine::IomemLine> FakeMachine::iomem_lines() const {
    bool v7 = at_least(kernel_, Kernel::V7_0);
    int window_rank = v7 ? 1 : 2;
    int region_rank = v7 ? 2 : 1;
    int soft_reserved_rank = soft_reserved_outermost_ ? -1 : 4;
    std::vector<IomemLine> lines = extra_iomem_;
    for (std::size_t i = 0; i < windows_.size(); ++i) {
        const Window& w = windows_[i];
        lines.push_back(
            {w.start, w.start + w.size - 1, "CXL Window " + std::to_string(i), window_rank});
    }
    for (const Region& r : regions_)
        if (r.start)
            lines.push_back(
                {*r.start, *r.start + r.size - 1, "region" + std::to_string(r.id), region_rank});
    for (const auto& [start, end] : soft_reserved_iomem_)
        lines.push_back({start, end, "Soft Reserved", soft_reserved_rank});
    if (!v7)
        for (const Hmem& h : hmem_)
            lines.push_back({h.start, h.start + h.size - 1, "hmem." + std::to_string(h.id), 3});
    for (const DaxDevice& d : dax_) {
        std::string name = "dax" + std::to_string(d.region) + "." + std::to_string(d.id);
        if (d.size == 0)
            continue;  // a seed: it requests nothing
        if (d.driver == "device_dax") {
            lines.push_back({d.start, d.start + d.size - 1, name, 5});
        } else if (d.driver == "kmem") {
            // kmem requests only the part aligned to memory blocks.
            std::uint64_t start = round_up(d.start, block_size_);
            std::uint64_t end = round_down(d.start + d.size, block_size_);
            if (end > start) {
                lines.push_back({start, end - 1, name, 5});
                lines.push_back({start, end - 1, "System RAM (kmem)", 6});
            }
        }
    }
    std::sort(lines.begin(), lines.end(), [](const IomemLine& a, const IomemLine& b) {
        if (a.start != b.start)
            return a.start < b.start;
        if (a.end != b.end)
            return a.end > b.end;
        return a.rank < b.rank;
    });
    return lines;
}

std::string FakeMachine::iomem() const {
    if (iomem_text_)
        return *iomem_text_;
    std::string out;
    std::vector<std::uint64_t> open_ends;  // ends of the enclosing resources, outermost first
    for (const IomemLine& line : iomem_lines()) {
        while (!open_ends.empty() && open_ends.back() < line.end)
            open_ends.pop_back();
        // The kernel stops indenting at MAX_IORES_LEVEL (5).
        std::size_t depth = std::min<std::size_t>(open_ends.size(), 5);
        out += std::string(2 * depth, ' ') + hex_bare(line.start, 8) + "-" + hex_bare(line.end, 8) +
               " : " + line.name + "\n";
        open_ends.push_back(line.end);
    }
    return out;
}

namespace {

struct Paths {
    static constexpr const char* kRoot = "sys/devices/platform/ACPI0017:00/root0";

    static int bus_number(int host_bridge) { return 0x0c + 8 * host_bridge; }

    static std::string acpi_host_bridge(int h) {
        return "sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0016:" + hex_bare(h, 2);
    }
    static std::string pci_root(int h) {
        return "sys/devices/pci0000:" + hex_bare(bus_number(h), 2);
    }
    static std::string root_port(int h, int port) {
        return pci_root(h) + "/0000:" + hex_bare(bus_number(h), 2) + ":" + hex_bare(port, 2) + ".0";
    }
    static std::string pci_device_name(int h, int port) {
        return "0000:" + hex_bare(bus_number(h) + 1 + port, 2) + ":00.0";
    }
};

}  // namespace

bool is_dynamic_mode(const std::string& mode) {
    return mode == "dynamic_ram_1" || mode == "dynamic_ram_a";
}

void FakeMachine::write(const std::string& dir) const {
    std::filesystem::create_directories(dir);
    TreeWriter w(dir);
    const bool v6_8 = at_least(kernel_, Kernel::V6_8);
    const bool v7_1 = at_least(kernel_, Kernel::V7_1);
    const std::string root = Paths::kRoot;
    const bool dynamic_capacity = std::any_of(
        memdevs_.begin(), memdevs_.end(), [](const Memdev& md) { return md.dynamic_ram_size > 0; });

    // --- proc
    w.file("proc/iomem", iomem());
    w.attr("proc/cmdline", cmdline_);
    w.attr("proc/sys/kernel/osrelease", osrelease_);
    {
        std::vector<std::string> modules;
        if (!windows_.empty())
            modules = {"cxl_pmem", "dax_cxl",  "cxl_mem", "cxl_pci",
                       "cxl_port", "cxl_acpi", "cxl_core"};
        if (!hmem_.empty() || !dax_.empty())
            for (const char* m : {"kmem", "device_dax", "dax_hmem"})
                modules.push_back(m);
        std::string text;
        std::uint64_t address = 0xffffffffc0600000ULL;
        for (const std::string& m : modules) {
            text += m + " 16384 0 - Live 0x" + hex_bare(address) + "\n";
            address += 0x10000;
        }
        w.file("proc/modules", text);
    }

    // --- bus skeletons: the files every bus and driver directory has
    auto bus = [&](const std::string& name) {
        std::string b = "sys/bus/" + name;
        w.dir(b + "/devices");
        w.attr(b + "/drivers_autoprobe", "1");
        w.write_only(b + "/drivers_probe");
        w.write_only(b + "/uevent");
    };
    auto driver = [&](const std::string& bus_name, const std::string& name,
                      const std::string& module, bool ids) {
        std::string d = "sys/bus/" + bus_name + "/drivers/" + name;
        w.write_only(d + "/bind");
        w.write_only(d + "/unbind");
        w.write_only(d + "/uevent");
        if (ids) {
            w.write_only(d + "/new_id");
            w.write_only(d + "/remove_id");
        }
        w.link(d + "/module", "sys/module/" + module);
    };
    // Binds `device` to a driver: the driver link in the device, the device link in the driver.
    auto bind = [&](const std::string& device, const std::string& bus_name,
                    const std::string& driver_name) {
        std::string d = "sys/bus/" + bus_name + "/drivers/" + driver_name;
        w.link(device + "/driver", d);
        w.link(d + "/" + std::filesystem::path(device).filename().string(), device);
    };
    auto on_bus = [&](const std::string& device, const std::string& bus_name) {
        w.link(device + "/subsystem", "sys/bus/" + bus_name);
        w.link(
            "sys/bus/" + bus_name + "/devices/" + std::filesystem::path(device).filename().string(),
            device);
    };

    bus("memory");
    bus("node");
    bus("platform");
    bus("dax");
    driver("dax", "device_dax", "device_dax", true);
    driver("dax", "kmem", "kmem", true);

    // --- CXL
    int host_bridges = 0;
    for (const Window& win : windows_)
        for (int h : win.host_bridges)
            host_bridges = std::max(host_bridges, h + 1);
    for (const Memdev& m : memdevs_)
        host_bridges = std::max(host_bridges, m.host_bridge + 1);

    // Port ids come from one allocator: host bridge ports first, then one endpoint per memdev.
    auto port_dir = [&](int h) { return root + "/port" + std::to_string(1 + h); };
    auto endpoint_id = [&](int m) { return 1 + host_bridges + m; };
    auto endpoint_dir = [&](int m) {
        return port_dir(memdevs_[m].host_bridge) + "/endpoint" + std::to_string(endpoint_id(m));
    };
    // Root port index of each memdev within its host bridge, in memdev order.
    std::vector<int> memdev_port(memdevs_.size());
    {
        std::vector<int> used(host_bridges, 0);
        for (std::size_t m = 0; m < memdevs_.size(); ++m) {
            memdev_port[m] = used[memdevs_[m].host_bridge]++;
            // Each host bridge owns 8 bus numbers: its own and one per root port.
            if (memdev_port[m] >= 7)
                throw std::runtime_error("host bridge " + std::to_string(memdevs_[m].host_bridge) +
                                         ": more than 7 memdevs");
        }
    }
    auto memdev_dir = [&](int m) {
        int h = memdevs_[m].host_bridge;
        return Paths::root_port(h, memdev_port[m]) + "/" +
               Paths::pci_device_name(h, memdev_port[m]) + "/mem" + std::to_string(m);
    };
    auto cxl_device = [&](const std::string& d, const std::string& devtype,
                          const std::string& modalias, const std::string& drv) {
        if (!devtype.empty())
            w.attr(d + "/devtype", devtype);
        w.attr(d + "/modalias", modalias);
        std::string uevent;
        if (!devtype.empty())
            uevent += "DEVTYPE=" + devtype + "\n";
        if (!drv.empty())
            uevent += "DRIVER=" + drv + "\n";
        w.file(d + "/uevent", uevent + "MODALIAS=" + modalias + "\n");
        on_bus(d, "cxl");
        if (!drv.empty())
            bind(d, "cxl", drv);
    };

    if (!windows_.empty() || !memdevs_.empty()) {
        bus("cxl");
        w.write_only("sys/bus/cxl/flush");
        driver("cxl", "cxl_mem", "cxl_mem", false);
        driver("cxl", "cxl_port", "cxl_port", false);
        driver("cxl", "cxl_region", "cxl_core", false);
        driver("cxl", "cxl_dax_region", "dax_cxl", false);
        driver("pci", "cxl_pci", "cxl_pci", true);
        driver("platform", "cxl_acpi", "cxl_acpi", false);

        // The ACPI0017 platform device and root0 with one dport per host bridge.
        std::string acpi = "sys/devices/platform/ACPI0017:00";
        std::string acpi_fw = "sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0017:00";
        w.attr(acpi + "/driver_override", "(null)");
        w.attr(acpi + "/modalias", "acpi:ACPI0017:");
        w.attr(acpi + "/uevent", "DRIVER=cxl_acpi\nMODALIAS=acpi:ACPI0017:");
        w.link(acpi + "/firmware_node", acpi_fw);
        w.link(acpi + "/subsystem", "sys/bus/platform");
        w.link("sys/bus/platform/devices/ACPI0017:00", acpi);
        bind(acpi, "platform", "cxl_acpi");
        w.attr(acpi_fw + "/hid", "ACPI0017");
        w.attr(acpi_fw + "/modalias", "acpi:ACPI0017:");
        w.attr(acpi_fw + "/path", "\\_SB_.CXLM");
        w.link(acpi_fw + "/physical_node", acpi);
        w.link(acpi_fw + "/subsystem", "sys/bus/acpi");

        w.attr(root + "/devtype", "cxl_port");
        w.attr(root + "/modalias", "cxl:t4");
        w.attr(root + "/uevent", "DEVTYPE=cxl_port\nMODALIAS=cxl:t4");
        w.link(root + "/uport", acpi);
        on_bus(root, "cxl");

        for (int h = 0; h < host_bridges; ++h) {
            int busnr = Paths::bus_number(h);
            std::string fw = Paths::acpi_host_bridge(h);
            w.attr(fw + "/adr", "0x00000000");
            w.attr(fw + "/hid", "ACPI0016");
            w.attr(fw + "/uid", std::to_string(busnr));
            w.attr(fw + "/modalias", "acpi:ACPI0016:PNP0A08:PNP0A03:");
            w.attr(fw + "/path", "\\_SB_.CL" + hex_bare(h, 2));
            w.link(fw + "/physical_node", Paths::pci_root(h));
            w.link(fw + "/subsystem", "sys/bus/acpi");
            w.link(Paths::pci_root(h) + "/firmware_node", fw);
            w.attr(Paths::pci_root(h) + "/waiting_for_supplier", "0");
            w.link(root + "/dport" + std::to_string(busnr), fw);

            std::string port = port_dir(h);
            cxl_device(port, "cxl_port", "cxl:t3", "cxl_port");
            w.link(port + "/uport", fw);
        }
    }

    // Root ports and the PCI functions the memdevs hang off.
    for (std::size_t m = 0; m < memdevs_.size(); ++m) {
        const Memdev& md = memdevs_[m];
        int h = md.host_bridge;
        std::string rp = Paths::root_port(h, memdev_port[m]);
        w.attr(rp + "/class", "0x060400");
        w.attr(rp + "/vendor", "0x8086");
        w.attr(rp + "/device", "0x7075");
        w.attr(rp + "/numa_node", "-1");
        w.link(rp + "/driver", "sys/bus/pci/drivers/pcieport");
        w.link(rp + "/subsystem", "sys/bus/pci");
        w.link(port_dir(h) + "/dport" + std::to_string(memdev_port[m]), rp);

        std::string pci = rp + "/" + Paths::pci_device_name(h, memdev_port[m]);
        w.attr(pci + "/class", "0x050210");
        w.attr(pci + "/vendor", "0x8086");
        w.attr(pci + "/device", "0x0d93");
        w.attr(pci + "/numa_node", std::to_string(md.numa_node));
        w.link(pci + "/subsystem", "sys/bus/pci");
        bind(pci, "pci", "cxl_pci");

        std::string mem = memdev_dir(static_cast<int>(m));
        std::string minor = std::to_string(m);
        w.attr(mem + "/dev", std::to_string(kMemdevMajor) + ":" + minor);
        w.attr(mem + "/firmware_version", "BWFW VERSION 00");
        w.attr(mem + "/label_storage_size", md.pmem_size ? "268435456" : "0");
        w.attr(mem + "/numa_node", std::to_string(md.numa_node));
        w.attr(mem + "/payload_max", "2048");
        w.attr(mem + "/pmem/size", hex(md.pmem_size));
        w.attr(mem + "/ram/size", hex(md.ram_size));
        if (md.dynamic_ram_size) {
            w.attr(mem + "/dynamic_ram_1/size", hex(md.dynamic_ram_size));
            w.attr(mem + "/dynamic_ram_1/qos_class", std::to_string(qos_class_.value_or(-1)));
        }
        if (v6_8) {
            w.attr(mem + "/pmem/qos_class", "-1");
            w.attr(mem + "/ram/qos_class", std::to_string(qos_class_.value_or(-1)));
        }
        w.attr(mem + "/serial", hex(md.serial));
        w.file(mem + "/uevent", "MAJOR=" + std::to_string(kMemdevMajor) + "\nMINOR=" + minor +
                                    "\nDEVNAME=cxl/mem" + minor +
                                    "\nDEVTYPE=cxl_memdev\nDRIVER=cxl_mem\nMODALIAS=cxl:t5\n");
        on_bus(mem, "cxl");
        bind(mem, "cxl", "cxl_mem");
        w.link("sys/dev/char/" + std::to_string(kMemdevMajor) + ":" + minor, mem);

        std::string ep = endpoint_dir(static_cast<int>(m));
        cxl_device(ep, "cxl_port", "cxl:t3", "cxl_port");
        w.link(ep + "/uport", mem);
    }

    // Decoders. Each region takes the next decoder of every port on its path.
    auto decoder = [&](const std::string& d, const std::string& devtype) {
        cxl_device(d, devtype, "cxl:t0", "");
    };
    auto decoder_common = [&](const std::string& d, std::uint64_t start, std::uint64_t size,
                              int ways, int granularity, const std::string& region) {
        w.attr(d + "/start", hex(start));
        w.attr(d + "/size", hex(size));
        w.attr(d + "/interleave_ways", std::to_string(ways));
        w.attr(d + "/interleave_granularity", std::to_string(granularity));
        w.attr(d + "/locked", "0");
        w.attr(d + "/region", region);
        w.attr(d + "/target_type", "expander");
    };

    // The lowest id free in the memregion allocator that regions and hmem devices share.
    int next_region_id = 0;
    {
        std::set<int> used;
        for (const Region& r : regions_)
            used.insert(r.id);
        for (const Hmem& h : hmem_)
            used.insert(h.id);
        while (used.count(next_region_id))
            ++next_region_id;
    }

    for (std::size_t i = 0; i < windows_.size(); ++i) {
        const Window& win = windows_[i];
        std::string d = root + "/decoder0." + std::to_string(i);
        decoder(d, "cxl_decoder_root");
        w.attr(d + "/start", hex(win.start));
        w.attr(d + "/size", hex(win.size));
        w.attr(d + "/cap_pmem", win.cap_pmem ? "1" : "0");
        w.attr(d + "/cap_ram", win.cap_ram ? "1" : "0");
        w.attr(d + "/cap_type2", "0");
        w.attr(d + "/cap_type3", "1");
        w.attr(d + "/interleave_ways", std::to_string(win.host_bridges.size()));
        w.attr(d + "/interleave_granularity", std::to_string(win.granularity));
        w.attr(d + "/locked", win.locked ? "1" : "0");
        std::string targets;
        for (int h : win.host_bridges)
            targets += (targets.empty() ? "" : ",") + std::to_string(Paths::bus_number(h));
        w.attr(d + "/target_list", targets);
        std::string next = "region" + std::to_string(next_region_id);
        if (win.cap_pmem)
            w.attr(d + "/create_pmem_region", next);
        if (win.cap_ram && v6_8)
            w.attr(d + "/create_ram_region", next);
        if (win.cap_ram && dynamic_capacity)
            w.attr(d + "/create_dynamic_ram_1_region", next);
        w.write_only(d + "/delete_region");
        if (v6_8)
            w.attr(d + "/qos_class", std::to_string(qos_class_.value_or(-1)));
    }

    std::vector<int> port_decoders(host_bridges, 0);
    std::vector<int> endpoint_decoders(memdevs_.size(), 0);
    for (const Region& r : regions_) {
        std::string name = "region" + std::to_string(r.id);
        std::string d = root + "/decoder0." + std::to_string(r.window) + "/" + name;
        cxl_device(d, "cxl_region", "cxl:t6", r.bound ? "cxl_region" : "");
        int ways = static_cast<int>(r.memdevs.size());
        std::uint64_t start = r.start.value_or(~0ULL);
        w.attr(d + "/commit", r.committed ? "1" : "0");
        w.attr(d + "/interleave_ways", std::to_string(ways));
        w.attr(d + "/interleave_granularity", std::to_string(r.granularity));
        if (v6_8)
            w.attr(d + "/mode", r.mode);
        if (v7_1)
            w.attr(d + "/locked", r.locked.value_or(false) ? "1" : "0");
        w.attr(d + "/resource", hex(start));
        w.attr(d + "/size", hex(r.size));
        // A ram region has an empty uuid; a pmem region a real one, made up from its id here.
        w.attr(d + "/uuid",
               r.mode == "pmem" ? "b19f0bd4-ea0c-46df-9991-" + hex_bare(r.id, 12) : "");
        if (auto access = region_access_.find(r.id);
            access != region_access_.end() && at_least(kernel_, Kernel::V7_0)) {
            // The kernel's two classes hold the same figures when the closest initiator is a CPU.
            for (const char* level : {"/access0", "/access1"}) {
                w.attr(d + level + "/read_latency", std::to_string(access->second.read_latency));
                w.attr(d + level + "/write_latency", std::to_string(access->second.write_latency));
                w.attr(d + level + "/read_bandwidth",
                       std::to_string(access->second.read_bandwidth));
                w.attr(d + level + "/write_bandwidth",
                       std::to_string(access->second.write_bandwidth));
            }
        }

        std::set<int> bridges;
        for (std::size_t pos = 0; pos < r.memdevs.size(); ++pos) {
            int m = r.memdevs[pos];
            std::string ep_name = "decoder" + std::to_string(endpoint_id(m)) + "." +
                                  std::to_string(endpoint_decoders[m]++);
            std::string ep = endpoint_dir(m) + "/" + ep_name;
            decoder(ep, "cxl_decoder_endpoint");
            decoder_common(ep, start, r.size, ways, r.granularity, name);
            std::uint64_t dpa_size = r.size / std::max(ways, 1);
            // The DPA layout is ram | pmem | dynamic_ram_1.
            std::uint64_t dpa = r.mode == "pmem" ? memdevs_[m].ram_size
                                : is_dynamic_mode(r.mode)
                                    ? memdevs_[m].ram_size + memdevs_[m].pmem_size
                                    : 0;
            w.attr(ep + "/dpa_resource", hex(dpa));
            w.attr(ep + "/dpa_size", hex_padded(dpa_size));
            w.attr(ep + "/mode", r.mode);
            w.attr(d + "/target" + std::to_string(pos), ep_name);
            bridges.insert(memdevs_[m].host_bridge);
        }
        for (int h : bridges) {
            std::string sw = port_dir(h) + "/decoder" + std::to_string(1 + h) + "." +
                             std::to_string(port_decoders[h]++);
            decoder(sw, "cxl_decoder_switch");
            decoder_common(sw, start, r.size, ways, r.granularity, name);
            std::string targets;
            for (std::size_t pos = 0; pos < r.memdevs.size(); ++pos)
                if (memdevs_[r.memdevs[pos]].host_bridge == h)
                    targets +=
                        (targets.empty() ? "" : ",") + std::to_string(memdev_port[r.memdevs[pos]]);
            w.attr(sw + "/target_list", targets);
        }

        if (r.dax_region != DaxRegionState::Absent) {
            std::string dr = d + "/dax_region" + std::to_string(r.id);
            cxl_device(dr, "cxl_dax_region", "cxl:t8",
                       r.dax_region == DaxRegionState::Bound ? "cxl_dax_region" : "");
            // Extent devices have no bus and no class: only their attributes.
            int n = 0;
            for (const DcExtent& e : dc_extents_) {
                if (e.region != r.id)
                    continue;
                std::string x = dr + "/extent" + std::to_string(r.id) + "." + std::to_string(n++);
                w.attr(x + "/offset", hex_alt(e.offset));
                w.attr(x + "/length", hex_alt(e.length));
                if (!e.tag.empty())
                    w.attr(x + "/uuid", e.tag);
            }
        }
    }
    // Ports and endpoints that no region uses still show one idle decoder, as the captures do.
    for (int h = 0; h < host_bridges && !windows_.empty(); ++h) {
        if (port_decoders[h])
            continue;
        std::string sw = port_dir(h) + "/decoder" + std::to_string(1 + h) + ".0";
        decoder(sw, "cxl_decoder_switch");
        decoder_common(sw, 0, 0, 1, 256, "");
        w.attr(sw + "/target_list", "0");
    }
    for (std::size_t m = 0; m < memdevs_.size(); ++m) {
        if (endpoint_decoders[m])
            continue;
        std::string ep = endpoint_dir(static_cast<int>(m)) + "/decoder" +
                         std::to_string(endpoint_id(static_cast<int>(m))) + ".0";
        decoder(ep, "cxl_decoder_endpoint");
        decoder_common(ep, 0, 0, 1, 256, "");
        w.attr(ep + "/dpa_resource", hex(~0ULL));
        w.attr(ep + "/dpa_size", hex_padded(0));
        w.attr(ep + "/mode", "none");
    }

    // --- HMEM
    std::string hmem_parent = "sys/devices/platform";
    if (v6_8 && !hmem_.empty()) {
        driver("platform", "hmem_platform", "dax_hmem", false);
        std::string hp = "sys/devices/platform/hmem_platform.0";
        w.attr(hp + "/driver_override", "(null)");
        w.attr(hp + "/modalias", "platform:hmem_platform");
        w.attr(hp + "/uevent", "DRIVER=hmem_platform\nMODALIAS=platform:hmem_platform");
        on_bus(hp, "platform");
        bind(hp, "platform", "hmem_platform");
        if (v7_1)
            hmem_parent = hp;
    }
    if (!hmem_.empty())
        driver("platform", "hmem", "dax_hmem", false);
    auto hmem_dir = [&](int id) { return hmem_parent + "/hmem." + std::to_string(id); };
    for (const Hmem& h : hmem_) {
        std::string d = hmem_dir(h.id);
        w.attr(d + "/driver_override", "(null)");
        w.attr(d + "/modalias", "platform:hmem");
        w.attr(d + "/numa_node", std::to_string(h.numa_node));
        w.file(d + "/uevent",
               std::string(h.bound ? "DRIVER=hmem\n" : "") + "MODALIAS=platform:hmem\n");
        on_bus(d, "platform");
        if (h.bound)
            bind(d, "platform", "hmem");
    }

    // --- DAX regions and devices
    auto dax_region_dir = [&](DaxParent parent, int id) -> std::string {
        if (parent == DaxParent::Hmem)
            return hmem_dir(id);
        for (const Region& r : regions_)
            if (r.id == id)
                return root + "/decoder0." + std::to_string(r.window) + "/region" +
                       std::to_string(id) + "/dax_region" + std::to_string(id);
        throw std::runtime_error("dax device of region" + std::to_string(id) +
                                 ", which the machine does not have");
    };
    auto available = [](std::uint64_t size, std::uint64_t used) {
        return size - std::min(size, used);
    };
    auto write_dax_region = [&](const std::string& d, int id, std::uint64_t size,
                                std::uint64_t used) {
        std::string a = d + "/dax_region";
        w.attr(a + "/id", std::to_string(id));
        w.attr(a + "/size", std::to_string(size));
        w.attr(a + "/align", std::to_string(2 * MiB));
        w.attr(a + "/available_size", std::to_string(available(size, used)));
        w.attr(a + "/seed", "");
        w.attr(a + "/create", "");
        w.write_only(a + "/delete");
    };
    auto used_by = [&](DaxParent parent, int id) {
        std::uint64_t used = 0;
        for (const DaxDevice& dev : dax_)
            if (dev.parent == parent && dev.region == id)
                used += dev.size;
        return used;
    };
    for (const Region& r : regions_) {
        if (r.dax_region == DaxRegionState::Absent)
            continue;
        // A Dynamic Capacity region has only what its extents brought: that, less what its dax
        // devices hold, is available.
        std::uint64_t extents = 0;
        for (const DcExtent& e : dc_extents_)
            if (e.region == r.id)
                extents += e.length;
        std::uint64_t used = used_by(DaxParent::Cxl, r.id);
        if (is_dynamic_mode(r.mode))
            used += r.size - std::min(r.size, extents);
        write_dax_region(dax_region_dir(DaxParent::Cxl, r.id), r.id, r.size, used);
    }
    for (const Hmem& h : hmem_)
        if (h.bound)
            write_dax_region(hmem_dir(h.id), h.id, h.size, used_by(DaxParent::Hmem, h.id));

    auto dynamic_region = [&](int id) {
        for (const Region& r : regions_)
            if (r.id == id)
                return is_dynamic_mode(r.mode);
        return false;
    };
    std::vector<const DaxDevice*> sorted_dax;
    for (const DaxDevice& dev : dax_)
        sorted_dax.push_back(&dev);
    std::sort(sorted_dax.begin(), sorted_dax.end(), [](const DaxDevice* a, const DaxDevice* b) {
        return std::make_pair(a->region, a->id) < std::make_pair(b->region, b->id);
    });
    for (std::size_t minor_index = 0; minor_index < sorted_dax.size(); ++minor_index) {
        const DaxDevice& dev = *sorted_dax[minor_index];
        std::string name = "dax" + std::to_string(dev.region) + "." + std::to_string(dev.id);
        std::string d = dax_region_dir(dev.parent, dev.region) + "/" + name;
        std::string minor = std::to_string(minor_index);
        w.attr(d + "/align", std::to_string(dev.align));
        w.attr(d + "/dev", std::to_string(kDaxMajor) + ":" + minor);
        bool dynamic = dev.parent == DaxParent::Cxl && dynamic_region(dev.region);
        // A Dynamic Capacity region hides the mapping attribute; a 0-size device has no range.
        if (!dynamic)
            w.write_only(d + "/mapping");
        if (dev.size > 0) {
            w.attr(d + "/mapping0/start", hex(dev.start));
            w.attr(d + "/mapping0/end", hex(dev.start + dev.size - 1));
            w.attr(d + "/mapping0/page_offset", "0x0");
            w.write_only(d + "/mapping0/uevent");
        }
        if (dynamic) {
            auto tag = dc_tags_.find({dev.region, dev.id});
            w.attr(d + "/uuid", tag == dc_tags_.end() || tag->second.empty()
                                    ? "00000000-0000-0000-0000-000000000000"
                                    : tag->second);
        }
        if (v6_8)
            w.attr(d + "/memmap_on_memory", dev.parent == DaxParent::Cxl ? "1" : "0");
        w.attr(d + "/modalias", "dax:t0");
        w.attr(d + "/numa_node", std::to_string(dev.numa_node));
        w.attr(d + "/resource", hex(dev.start));
        w.attr(d + "/size", std::to_string(dev.size));
        w.attr(d + "/target_node", std::to_string(dev.target_node));
        w.file(d + "/uevent", "MAJOR=" + std::to_string(kDaxMajor) + "\nMINOR=" + minor +
                                  "\nDEVNAME=" + name + "\n" +
                                  (dev.driver.empty() ? "" : "DRIVER=" + dev.driver + "\n") +
                                  "MODALIAS=dax:t0\n");
        on_bus(d, "dax");
        if (!dev.driver.empty())
            bind(d, "dax", dev.driver);
        w.link("sys/dev/char/" + std::to_string(kDaxMajor) + ":" + minor, d);
    }

    // --- memory blocks
    std::string mem = "sys/devices/system/memory";
    w.attr(mem + "/block_size_bytes", hex_bare(block_size_));
    w.attr(mem + "/auto_online_blocks", auto_online_);
    w.write_only(mem + "/hard_offline_page");
    w.write_only(mem + "/soft_offline_page");
    w.write_only(mem + "/uevent");
    std::map<int, std::uint64_t> node_bytes;
    std::set<int> nodes_with_memory, nodes_with_normal;
    for (const auto& [id, block] : blocks_) {
        std::string name = "memory" + std::to_string(id);
        std::string b = mem + "/" + name;
        bool online = block.state == "online";
        w.attr(b + "/online", online ? "1" : "0");
        w.attr(b + "/phys_device", "0");
        w.attr(b + "/phys_index", hex_bare(id, 8));
        w.attr(b + "/removable", "1");
        w.attr(b + "/state", block.state);
        w.write_only(b + "/uevent");
        w.attr(b + "/valid_zones", block.zones);
        std::string node = "sys/devices/system/node/node" + std::to_string(block.node);
        w.link(b + "/node" + std::to_string(block.node), node);
        w.link(node + "/" + name, b);
        on_bus(b, "memory");
        if (online) {
            node_bytes[block.node] += block_size_;
            nodes_with_memory.insert(block.node);
            if (block.zones != "Movable")
                nodes_with_normal.insert(block.node);
        }
    }

    // --- NUMA nodes. A node is online once it has CPUs or memory blocks (present, even offline);
    // only online nodes have a directory. Nodes that only blocks mention are CPU-less.
    std::string nodes = "sys/devices/system/node";
    std::map<int, Node> all_nodes;
    for (const Node& n : nodes_)
        all_nodes[n.id] = n;
    std::set<int> possible, online_nodes, with_cpu;
    for (const auto& [id, block] : blocks_) {
        all_nodes.try_emplace(block.node, Node{block.node, "", std::nullopt});
        online_nodes.insert(block.node);
    }
    for (const auto& [id, n] : all_nodes) {
        possible.insert(id);
        if (!n.cpulist.empty()) {
            with_cpu.insert(id);
            online_nodes.insert(id);
        }
    }
    w.attr(nodes + "/possible", list_format(possible));
    w.attr(nodes + "/online", list_format(online_nodes));
    w.attr(nodes + "/has_cpu", list_format(with_cpu));
    w.attr(nodes + "/has_memory", list_format(nodes_with_memory));
    w.attr(nodes + "/has_normal_memory", list_format(nodes_with_normal));
    w.attr(nodes + "/has_generic_initiator", "");
    w.write_only(nodes + "/uevent");
    for (const auto& [node_id, n] : all_nodes) {
        if (!online_nodes.count(node_id))
            continue;
        std::string d = nodes + "/node" + std::to_string(n.id);
        w.attr(d + "/cpulist", n.cpulist);
        std::string distance;
        for (int other : online_nodes)
            distance += (distance.empty() ? "" : " ") + std::string(other == n.id ? "10" : "20");
        w.attr(d + "/distance", distance);
        std::uint64_t kib = node_bytes[n.id] / KiB;
        std::string id = std::to_string(n.id);
        w.file(d + "/meminfo", "Node " + id + " MemTotal:       " + std::to_string(kib) +
                                   " kB\nNode " + id + " MemFree:        " + std::to_string(kib) +
                                   " kB\nNode " + id + " MemUsed:        0 kB\n");
        w.write_only(d + "/compact");
        w.write_only(d + "/uevent");
        on_bus(d, "node");
        if (n.access0) {
            const NodeAccess& a = *n.access0;
            std::string init = d + "/access0/initiators";
            w.attr(init + "/read_latency", std::to_string(a.read_latency));
            w.attr(init + "/write_latency", std::to_string(a.write_latency));
            w.attr(init + "/read_bandwidth", std::to_string(a.read_bandwidth));
            w.attr(init + "/write_bandwidth", std::to_string(a.write_bandwidth));
            w.write_only(d + "/access0/uevent");
            std::string initiator = nodes + "/node" + std::to_string(a.initiator);
            w.link(init + "/node" + std::to_string(a.initiator), initiator);
            w.link(initiator + "/access0/targets/node" + id, d);
        }
    }

    // --- memory tiers: memory_tierN lists its nodes (mm/memory-tiers.c)
    if (!memory_tiers_.empty()) {
        const std::string tiering = "sys/devices/virtual/memory_tiering";
        std::map<int, std::vector<int>> nodes_of_tier;
        for (const auto& [node, tier] : memory_tiers_)
            nodes_of_tier[tier].push_back(node);
        w.write_only(tiering + "/uevent");
        for (const auto& [tier, tier_nodes] : nodes_of_tier) {
            std::string d = tiering + "/memory_tier" + std::to_string(tier);
            w.attr(d + "/nodelist",
                   list_format(std::set<int>(tier_nodes.begin(), tier_nodes.end())));
            w.write_only(d + "/uevent");
        }
    }

    // --- firmware memmap: entries numbered in address order, as the kernel registers them
    if (firmware_memmap_ && !firmware_.empty()) {
        std::vector<FirmwareEntry> entries = firmware_;
        std::sort(entries.begin(), entries.end(),
                  [](const FirmwareEntry& a, const FirmwareEntry& b) { return a.start < b.start; });
        for (std::size_t i = 0; i < entries.size(); ++i) {
            std::string d = "sys/firmware/memmap/" + std::to_string(i);
            w.attr(d + "/start", hex(entries[i].start));
            w.attr(d + "/end", hex(entries[i].end));
            w.attr(d + "/type", entries[i].type);
        }
    }
}

}  // namespace srmd::fake
