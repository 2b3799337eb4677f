#include "sim/sim-tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace srmd {

namespace fs = std::filesystem;

namespace {

std::string hex_bare(std::uint64_t value, int width) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llx", width, static_cast<unsigned long long>(value));
    return buf;
}

std::string hex(std::uint64_t value) {
    return "0x" + hex_bare(value, 0);
}

std::string base_name(const std::string& rel) {
    return fs::path(rel).filename().string();
}

}  // namespace

TreeEditor::TreeEditor(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
}

std::string tree_relative(std::string_view kernel_path) {
    while (!kernel_path.empty() && kernel_path.front() == '/')
        kernel_path.remove_prefix(1);
    return std::string(kernel_path);
}

void TreeEditor::dir(const std::string& rel) {
    std::error_code ec;
    fs::create_directories(host(rel), ec);
    if (ec)
        throw TreeError(ec.value(), "/" + rel, ec.message());
}

void TreeEditor::file(const std::string& rel, const std::string& content) {
    dir(fs::path(rel).parent_path().string());
    std::string path = host(rel);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw TreeError(errno, "/" + rel, std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            int error = errno;
            ::close(fd);
            throw TreeError(error, "/" + rel, std::strerror(error));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0)
        throw TreeError(errno, "/" + rel, std::strerror(errno));
}

void TreeEditor::link(const std::string& rel, const std::string& target_rel) {
    fs::path from = fs::path(rel).parent_path();
    dir(from.string());
    std::string target = fs::path(target_rel).lexically_relative(from).string();
    std::string path = host(rel);
    ::unlink(path.c_str());
    if (::symlink(target.c_str(), path.c_str()) != 0)
        throw TreeError(errno, "/" + rel, std::strerror(errno));
}

void TreeEditor::remove(const std::string& rel) {
    std::error_code ec;
    fs::remove_all(host(rel), ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw TreeError(ec.value(), "/" + rel, ec.message());
}

void TreeEditor::remove_links_into(const std::string& under, const std::string& gone) {
    std::error_code ec;
    const fs::path gone_path = fs::path(gone).lexically_normal();
    std::vector<fs::path> doomed;
    for (auto it = fs::recursive_directory_iterator(host(under), ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_symlink(ec))
            continue;
        fs::path rel = it->path().lexically_relative(root_);
        fs::path target = fs::read_symlink(it->path(), ec);
        if (ec || target.is_absolute())
            continue;
        fs::path resolved = (rel.parent_path() / target).lexically_normal();
        auto [g, r] =
            std::mismatch(gone_path.begin(), gone_path.end(), resolved.begin(), resolved.end());
        if (g == gone_path.end())
            doomed.push_back(it->path());
    }
    for (const fs::path& path : doomed)
        ::unlink(path.c_str());
}

std::optional<std::string> TreeEditor::read_attr(const std::string& rel) const {
    std::ifstream in(host(rel));
    if (!in)
        return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    if (!value.empty() && value.back() == '\n')
        value.pop_back();
    return value;
}

bool TreeEditor::exists(const std::string& rel) const {
    std::error_code ec;
    return fs::exists(host(rel), ec);
}

// --- memory blocks

std::string memory_block_dir(std::uint64_t id) {
    return "sys/devices/system/memory/memory" + std::to_string(id);
}

void write_memory_block(TreeEditor& tree, std::uint64_t id, int node, const std::string& state,
                        const std::string& zones) {
    const std::string name = "memory" + std::to_string(id);
    const std::string b = memory_block_dir(id);
    tree.attr(b + "/online", state == "online" ? "1" : "0");
    tree.attr(b + "/phys_device", "0");
    tree.attr(b + "/phys_index", hex_bare(id, 8));
    tree.attr(b + "/removable", "1");
    tree.attr(b + "/state", state);
    tree.write_only(b + "/uevent");
    tree.attr(b + "/valid_zones", zones);
    const std::string node_dir = "sys/devices/system/node/node" + std::to_string(node);
    tree.link(b + "/node" + std::to_string(node), node_dir);
    tree.link(node_dir + "/" + name, b);
    tree.link(b + "/subsystem", "sys/bus/memory");
    tree.link("sys/bus/memory/devices/" + name, b);
}

void remove_memory_block(TreeEditor& tree, std::uint64_t id) {
    const std::string name = "memory" + std::to_string(id);
    const std::string b = memory_block_dir(id);
    tree.remove("sys/bus/memory/devices/" + name);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(tree.host(b), ec)) {
        std::string link = entry.path().filename().string();
        if (link.rfind("node", 0) == 0)
            tree.remove("sys/devices/system/node/" + link + "/" + name);
    }
    tree.remove(b);
}

// --- drivers

namespace {

// The DRIVER= line of a uevent goes before MODALIAS=, as the kernel prints it.
void set_uevent_driver(TreeEditor& tree, const std::string& device_rel, const std::string& driver) {
    std::optional<std::string> text = tree.read_attr(device_rel + "/uevent");
    if (!text)
        return;
    std::istringstream in(*text);
    std::string line, out;
    bool placed = driver.empty();
    while (std::getline(in, line)) {
        if (line.rfind("DRIVER=", 0) == 0 || line.empty())
            continue;
        if (!placed && line.rfind("MODALIAS=", 0) == 0) {
            out += "DRIVER=" + driver + "\n";
            placed = true;
        }
        out += line + "\n";
    }
    if (!placed)
        out += "DRIVER=" + driver + "\n";
    tree.file(device_rel + "/uevent", out);
}

}  // namespace

void bind_driver(TreeEditor& tree, const std::string& device_rel, const std::string& bus,
                 const std::string& driver) {
    const std::string d = "sys/bus/" + bus + "/drivers/" + driver;
    tree.link(device_rel + "/driver", d);
    tree.link(d + "/" + base_name(device_rel), device_rel);
    set_uevent_driver(tree, device_rel, driver);
}

void unbind_driver(TreeEditor& tree, const std::string& device_rel, const std::string& bus,
                   const std::string& driver) {
    tree.remove(device_rel + "/driver");
    tree.remove("sys/bus/" + bus + "/drivers/" + driver + "/" + base_name(device_rel));
    set_uevent_driver(tree, device_rel, "");
}

// --- dax

void write_dax_device(TreeEditor& tree, const std::string& dir_rel, const DaxDeviceLayout& dax) {
    const std::string d = dir_rel + "/" + dax.name;
    std::string major = dax.dev.substr(0, dax.dev.find(':'));
    std::string minor = dax.dev.substr(dax.dev.find(':') + 1);
    tree.attr(d + "/align", std::to_string(dax.align));
    tree.attr(d + "/dev", dax.dev);
    tree.write_only(d + "/mapping");
    tree.attr(d + "/mapping0/start", hex(dax.start));
    tree.attr(d + "/mapping0/end", hex(dax.start + dax.size - 1));
    tree.attr(d + "/mapping0/page_offset", "0x0");
    tree.write_only(d + "/mapping0/uevent");
    if (dax.memmap_on_memory)
        tree.attr(d + "/memmap_on_memory", *dax.memmap_on_memory ? "1" : "0");
    tree.attr(d + "/modalias", "dax:t0");
    tree.attr(d + "/numa_node", std::to_string(dax.numa_node));
    tree.attr(d + "/resource", hex(dax.start));
    tree.attr(d + "/size", std::to_string(dax.size));
    tree.attr(d + "/target_node", std::to_string(dax.target_node));
    tree.file(d + "/uevent", "MAJOR=" + major + "\nMINOR=" + minor + "\nDEVNAME=" + dax.name +
                                 "\nMODALIAS=dax:t0\n");
    tree.link(d + "/subsystem", "sys/bus/dax");
    tree.link("sys/bus/dax/devices/" + dax.name, d);
    tree.link("sys/dev/char/" + dax.dev, d);
}

void write_dax_region_attrs(TreeEditor& tree, const std::string& dir_rel, int id,
                            std::uint64_t size, std::uint64_t available) {
    const std::string a = dir_rel + "/dax_region";
    tree.attr(a + "/id", std::to_string(id));
    tree.attr(a + "/size", std::to_string(size));
    tree.attr(a + "/align", std::to_string(2 * 1024 * 1024));
    tree.attr(a + "/available_size", std::to_string(available));
    tree.attr(a + "/seed", "");
    tree.attr(a + "/create", "");
    tree.write_only(a + "/delete");
}

// --- /proc/iomem

namespace {

struct IomemLine {
    int depth = 0;  // as printed: capped at 5
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::string name;
};

std::vector<IomemLine> parse_lines(const std::string& text) {
    std::vector<IomemLine> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::size_t indent = line.find_first_not_of(' ');
        std::size_t dash = line.find('-', indent);
        std::size_t colon = line.find(" : ", dash);
        if (indent == std::string::npos || dash == std::string::npos || colon == std::string::npos)
            continue;
        IomemLine l;
        l.depth = static_cast<int>(indent / 2);
        l.start = std::stoull(line.substr(indent, dash - indent), nullptr, 16);
        l.end = std::stoull(line.substr(dash + 1, colon - dash - 1), nullptr, 16);
        l.name = line.substr(colon + 3);
        lines.push_back(std::move(l));
    }
    return lines;
}

std::string render(const std::vector<IomemLine>& lines) {
    std::string out;
    for (const IomemLine& l : lines)
        out += std::string(2 * std::min(l.depth, 5), ' ') + hex_bare(l.start, 8) + "-" +
               hex_bare(l.end, 8) + " : " + l.name + "\n";
    return out;
}

}  // namespace

std::string iomem_insert(const std::string& text, std::uint64_t start, std::uint64_t end,
                         const std::string& name) {
    std::vector<IomemLine> lines = parse_lines(text);
    // Real depths from containment: printed depths stop at 5.
    std::vector<int> depth(lines.size());
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        while (!open.empty() && lines[open.back()].end < lines[i].start)
            open.pop_back();
        depth[i] = static_cast<int>(open.size());
        open.push_back(i);
    }
    // The parent is the deepest resource containing the new one (resources nest, so those that
    // contain it form one chain).
    int parent_depth = -1;
    std::size_t at = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].start <= start && end <= lines[i].end && depth[i] > parent_depth) {
            parent_depth = depth[i];
            at = i + 1;
        }
    }
    // After the parent's children that start before it.
    while (at < lines.size() && depth[at] > parent_depth && lines[at].start < start)
        ++at;
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at),
                 {parent_depth + 1, start, end, name});
    return render(lines);
}

std::string iomem_remove(const std::string& text, const std::string& name, bool children) {
    std::vector<IomemLine> lines = parse_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].name != name)
            continue;
        std::size_t last = i + 1;
        if (children)
            while (last < lines.size() && lines[last].start >= lines[i].start &&
                   lines[last].end <= lines[i].end)
                ++last;
        // Without its children, what was nested in it moves up one level.
        for (std::size_t j = i + 1; !children && j < lines.size(); ++j) {
            if (lines[j].start < lines[i].start || lines[j].end > lines[i].end)
                break;
            lines[j].depth = std::max(0, lines[j].depth - 1);
        }
        lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i),
                    lines.begin() + static_cast<std::ptrdiff_t>(last));
        break;
    }
    return render(lines);
}

}  // namespace srmd
