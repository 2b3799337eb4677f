#include "fake-kernel.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace fs = std::filesystem;

namespace srmd::testing {

namespace {

using WriteFn = ssize_t (*)(int, const void*, size_t);

WriteFn real_write() {
    static WriteFn next = reinterpret_cast<WriteFn>(dlsym(RTLD_NEXT, "write"));
    return next;
}

// The root is set before any library call and read by every write(); GLib's worker threads
// write to eventfds concurrently, so the check that a write is ours takes no lock and the
// kernel itself runs under one.
char g_root[4096];
std::mutex g_lock;
thread_local bool t_inside = false;

std::string root() {
    return g_root;
}

std::string slurp(const std::string& host) {
    std::ifstream in(host);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void put(const std::string& host, const std::string& value) {
    std::ofstream(host, std::ios::trunc) << value;
}

std::string first_line(const std::string& host) {
    std::string text = slurp(host);
    return text.substr(0, text.find('\n'));
}

// A relative link from a directory below root/sys to root/sys/<target>.
void link_to(const std::string& dir, const std::string& name, const std::string& sys_target) {
    fs::path rel = fs::path(dir).lexically_relative(root() + "/sys");
    std::string up;
    for (auto it = rel.begin(); it != rel.end(); ++it)
        up += "../";
    fs::remove(dir + "/" + name);
    fs::create_symlink(up + sys_target, dir + "/" + name);
}

std::string device_dir(const std::string& bus, const std::string& name) {
    std::error_code ec;
    fs::path dir = fs::canonical(root() + "/sys/bus/" + bus + "/devices/" + name, ec);
    return ec ? std::string() : dir.string();
}

std::string bound_driver(const std::string& dir) {
    std::error_code ec;
    fs::path target = fs::read_symlink(dir + "/driver", ec);
    return ec ? std::string() : target.filename().string();
}

std::string memory(const std::string& rest = "") {
    return root() + "/sys/devices/system/memory" + rest;
}

unsigned long long number(const std::string& host) {
    return std::stoull(first_line(host), nullptr, 0);
}

// The block ids inside a dax device's mappings, as kmem adds them.
std::vector<unsigned long long> blocks_of(const std::string& dax_dir) {
    unsigned long long block = std::stoull(first_line(memory("/block_size_bytes")), nullptr, 16);
    std::vector<unsigned long long> ids;
    for (const auto& entry : fs::directory_iterator(dax_dir)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("mapping", 0) != 0 || !entry.is_directory())
            continue;
        unsigned long long start = number(entry.path().string() + "/start");
        unsigned long long end = number(entry.path().string() + "/end");
        for (unsigned long long id = (start + block - 1) / block; id < (end + 1) / block; ++id)
            ids.push_back(id);
    }
    return ids;
}

void set_block(const std::string& dir, const std::string& state, const std::string& zones) {
    put(dir + "/state", state + "\n");
    put(dir + "/online", state == "online" ? "1\n" : "0\n");
    put(dir + "/valid_zones", zones + "\n");
}

// kmem's probe: add each block, onlined as auto_online_blocks says.
void kmem_add(const std::string& dax_dir) {
    std::string node = first_line(dax_dir + "/target_node");
    std::string policy = first_line(memory("/auto_online_blocks"));
    for (unsigned long long id : blocks_of(dax_dir)) {
        std::string name = "memory" + std::to_string(id);
        std::string dir = memory("/" + name);
        fs::create_directories(dir);
        char index[32];
        std::snprintf(index, sizeof index, "%08llx\n", id);
        put(dir + "/phys_index", index);
        put(dir + "/removable", "1\n");
        if (policy == "offline")
            set_block(dir, "offline", "Normal Movable");
        else
            set_block(dir, "online", policy == "online_kernel" ? "Normal" : "Movable");
        link_to(dir, "node" + node, "devices/system/node/node" + node);
        std::string node_dir = root() + "/sys/devices/system/node/node" + node;
        fs::create_directories(node_dir);
        link_to(node_dir, name, "devices/system/memory/" + name);
    }
}

// kmem's remove: offline blocks go; online ones stay, as the kernel leaves them until reboot.
void kmem_remove(const std::string& dax_dir) {
    std::string node = first_line(dax_dir + "/target_node");
    for (unsigned long long id : blocks_of(dax_dir)) {
        std::string name = "memory" + std::to_string(id);
        if (first_line(memory("/" + name + "/state")) == "online")
            continue;
        fs::remove_all(memory("/" + name));
        fs::remove(root() + "/sys/devices/system/node/node" + node + "/" + name);
    }
}

int dax_bind(const std::string& driver, const std::string& dev) {
    std::string dir = device_dir("dax", dev);
    if (dir.empty())
        return ENODEV;
    if (!bound_driver(dir).empty())
        return EBUSY;
    link_to(dir, "driver", "bus/dax/drivers/" + driver);
    if (driver == "kmem")
        kmem_add(dir);
    return 0;
}

int dax_unbind(const std::string& driver, const std::string& dev) {
    std::string dir = device_dir("dax", dev);
    if (dir.empty() || bound_driver(dir) != driver)
        return ENODEV;
    if (driver == "kmem")
        kmem_remove(dir);
    fs::remove(dir + "/driver");
    return 0;
}

int block_state(const std::string& block, const std::string& value) {
    std::string dir = memory("/" + block);
    bool online = first_line(dir + "/state") == "online";
    std::string zones = first_line(dir + "/valid_zones");
    if (value == "offline") {
        if (!online)
            return EINVAL;  // state_store: device_offline() returned 1
        set_block(dir, "offline", "Normal Movable");
        return 0;
    }
    if (online)
        return EINVAL;
    if (value == "online_movable")
        set_block(dir, "online", "Movable");
    else if (value == "online_kernel")
        set_block(dir, "online", "Normal");
    else if (value == "online")
        set_block(dir, "online", zones.substr(0, zones.find(' ')));  // the default zone
    else
        return EINVAL;
    return 0;
}

// A CXL region's probe creates dax_regionZ and its device; its removal takes them away. The
// fake keeps them aside while the region is unbound.
int region_bind(const std::string& driver, const std::string& region, bool bind) {
    if (region.rfind("region", 0) != 0 || driver != "cxl_region")
        return ENODEV;  // libcxl tries every cxl driver's bind in turn
    std::string dir = device_dir("cxl", region);
    if (dir.empty())
        return ENODEV;
    bool bound = !bound_driver(dir).empty();
    std::string dax_region = dir + "/dax_" + region;
    std::string aside = root() + "/aside-" + region;
    if (bind) {
        if (bound)
            return EBUSY;
        link_to(dir, "driver", "bus/cxl/drivers/cxl_region");
        if (fs::exists(aside))
            fs::rename(aside, dax_region);
    } else {
        if (!bound)
            return ENODEV;
        fs::remove(dir + "/driver");
        if (fs::exists(dax_region))
            fs::rename(dax_region, aside);
    }
    return 0;
}

int platform_bind(const std::string& driver, const std::string& dev, bool bind) {
    std::string dir = device_dir("platform", dev);
    if (dir.empty())
        dir = root() + "/sys/devices/platform/" + dev;
    if (!fs::exists(dir))
        return ENODEV;
    std::string now = bound_driver(dir);
    if (bind) {
        if (!now.empty())
            return EBUSY;
        link_to(dir, "driver", "bus/platform/drivers/" + driver);
    } else {
        if (now != driver)
            return ENODEV;
        fs::remove(dir + "/driver");
    }
    return 0;
}

bool split(const std::string& path, const std::string& prefix, std::string& first,
           std::string& second) {
    if (path.rfind(prefix, 0) != 0)
        return false;
    std::string rest = path.substr(prefix.size());
    std::size_t slash = rest.find('/');
    if (slash == std::string::npos)
        return false;
    first = rest.substr(0, slash);
    second = rest.substr(slash + 1);
    return true;
}

// 0 when the write is taken, an errno when the kernel refuses it, -1 when it is a plain file
// write the fake does not react to.
int react(const std::string& path, const std::string& value) {
    std::string driver, file;
    if (split(path, "/sys/bus/dax/drivers/", driver, file)) {
        if (file == "bind")
            return dax_bind(driver, value);
        if (file == "new_id") {
            // new_id makes the driver probe the named device at once; the bind after it then
            // finds it bound (EBUSY), which libdaxctl tolerates, as on a real kernel.
            std::string dir = device_dir("dax", value);
            if (!dir.empty() && bound_driver(dir).empty())
                dax_bind(driver, value);
            return 0;
        }
        if (file == "unbind")
            return dax_unbind(driver, value);
        if (file == "remove_id")
            return 0;
    }
    if (split(path, "/sys/bus/cxl/drivers/", driver, file) && (file == "bind" || file == "unbind"))
        return region_bind(driver, value, file == "bind");
    if (split(path, "/sys/bus/platform/drivers/", driver, file) &&
        (file == "bind" || file == "unbind"))
        return platform_bind(driver, value, file == "bind");
    std::string block;
    if (split(path, "/sys/devices/system/memory/", block, file) && file == "state")
        return block_state(block, value);
    if (path == "/sys/bus/cxl/flush")
        return 0;
    return -1;
}

void log_write(const std::string& path, const std::string& value) {
    std::ofstream(root() + "/fake-kernel.log", std::ios::app) << path << '\t' << value << '\n';
}

}  // namespace

void fake_kernel_attach(const std::string& host_root) {
    std::lock_guard<std::mutex> hold(g_lock);
    std::snprintf(g_root, sizeof g_root, "%s", host_root.c_str());
}

std::vector<std::pair<std::string, std::string>> fake_kernel_writes() {
    std::vector<std::pair<std::string, std::string>> writes;
    std::ifstream in(root() + "/fake-kernel.log");
    std::string line;
    while (std::getline(in, line)) {
        std::size_t tab = line.find('\t');
        writes.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    }
    return writes;
}

void put_file(const std::string& host_path, const std::string& value) {
    t_inside = true;
    put(host_path, value);
    t_inside = false;
}

// Called for every write() in the process (and its forked children).
ssize_t fake_kernel_write(int fd, const void* buf, size_t count) {
    if (t_inside || g_root[0] == '\0')
        return real_write()(fd, buf, count);
    char link[64];
    char target[4096];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    std::size_t root_length = std::char_traits<char>::length(g_root);
    if (length <= 0 || static_cast<std::size_t>(length) <= root_length ||
        std::char_traits<char>::compare(target, g_root, root_length) != 0 ||
        target[root_length] != '/')
        return real_write()(fd, buf, count);
    std::string path(target + root_length, target + length);
    std::string value(static_cast<const char*>(buf), count);
    while (!value.empty() && (value.back() == '\0' || value.back() == '\n'))
        value.pop_back();

    // A write to the path named in <root>/stall blocks, as offlining does while the kernel
    // migrates pages; only a signal ends it.
    if (std::ifstream stall(std::string(g_root) + "/stall"); stall) {
        std::string stalled;
        std::getline(stall, stalled);
        if (stalled == path)
            for (;;)
                pause();
    }

    std::lock_guard<std::mutex> hold(g_lock);
    t_inside = true;
    int result = -1;
    try {
        log_write(path, value);
        result = react(path, value);
    } catch (const std::exception&) {
        result = EIO;
    }
    t_inside = false;
    if (result < 0)
        return real_write()(fd, buf, count);
    if (result > 0) {
        errno = result;
        return -1;
    }
    return static_cast<ssize_t>(count);
}

}  // namespace srmd::testing

extern "C" ssize_t write(int fd, const void* buf, size_t count) {
    return srmd::testing::fake_kernel_write(fd, buf, count);
}
