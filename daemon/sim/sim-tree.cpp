#include "sim/sim-tree.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
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

TreeEditor::TreeEditor(std::string root) : root_(std::move(root)), files_(root_), reader_(root_) {
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
}

std::string tree_relative(std::string_view kernel_path) {
    while (!kernel_path.empty() && kernel_path.front() == '/')
        kernel_path.remove_prefix(1);
    return std::string(kernel_path);
}

std::string TreeEditor::place(const std::string& rel) const {
    if (staged_rel_.empty())
        return rel;
    if (rel == staged_rel_)
        return staged_temporary_;
    if (rel.size() > staged_rel_.size() && rel.compare(0, staged_rel_.size(), staged_rel_) == 0 &&
        rel[staged_rel_.size()] == '/')
        return staged_temporary_ + rel.substr(staged_rel_.size());
    return rel;
}

void TreeEditor::dir(const std::string& rel) {
    if (!rel.empty())
        files_.make_dirs(place(rel));
}

void TreeEditor::file(const std::string& rel, const std::string& content) {
    dir(fs::path(rel).parent_path().string());
    files_.write(place(rel), content);
}

void TreeEditor::append(const std::string& rel, const std::string& text) {
    dir(fs::path(rel).parent_path().string());
    files_.append(place(rel), text);
}

void TreeEditor::link(const std::string& rel, const std::string& target_rel) {
    // Relative to where the link will be, not to where it is being built.
    fs::path from = fs::path(rel).parent_path();
    dir(from.string());
    files_.symlink(place(rel), fs::path(target_rel).lexically_relative(from).string());
}

void TreeEditor::remove(const std::string& rel) {
    files_.remove(place(rel));
}

void TreeEditor::remove_links_into(const std::string& under, const std::string& gone) {
    const fs::path gone_path = fs::path(gone).lexically_normal();
    std::vector<std::string> doomed;
    std::vector<std::string> pending{under};
    while (!pending.empty()) {
        std::string dir_rel = std::move(pending.back());
        pending.pop_back();
        for (const TreeFiles::Entry& entry : files_.entries(place(dir_rel))) {
            std::string rel = dir_rel + "/" + entry.name;
            if (entry.is_dir) {
                pending.push_back(rel);
                continue;
            }
            if (!entry.is_link || entry.target.empty() || entry.target.front() == '/')
                continue;
            fs::path resolved = (fs::path(dir_rel) / entry.target).lexically_normal();
            auto [g, r] =
                std::mismatch(gone_path.begin(), gone_path.end(), resolved.begin(), resolved.end());
            if (g == gone_path.end())
                doomed.push_back(rel);
        }
    }
    for (const std::string& rel : doomed)
        remove(rel);
}

void TreeEditor::staged(const std::string& rel, const std::string& temporary,
                        const std::function<void()>& build) {
    if (!staged_rel_.empty())
        throw std::logic_error("TreeEditor: " + rel + " built inside " + staged_rel_);
    staged_rel_ = rel;
    staged_temporary_ = temporary;
    try {
        build();
    } catch (...) {
        staged_rel_.clear();
        files_.remove(temporary);
        throw;
    }
    staged_rel_.clear();
    dir(fs::path(rel).parent_path().string());
    files_.put_in_place(temporary, rel);
}

void TreeEditor::build_dir(const std::string& rel, const std::function<void()>& build) {
    staged(rel, files_.temporary_dir(), build);
}

void TreeEditor::change_dir(const std::string& rel, const std::function<void()>& change) {
    staged(rel, files_.copy_dir(rel), change);
}

std::optional<std::string> TreeEditor::read_attr(const std::string& rel) const {
    return reader_.read_attr_optional("/" + place(rel));
}

bool TreeEditor::exists(const std::string& rel) const {
    return reader_.exists("/" + place(rel));
}

std::vector<std::string> TreeEditor::list(const std::string& rel) {
    std::vector<std::string> names;
    for (const TreeFiles::Entry& entry : files_.entries(place(rel)))
        names.push_back(entry.name);
    return names;
}

// --- memory blocks

std::string memory_block_dir(std::uint64_t id) {
    return "sys/devices/system/memory/memory" + std::to_string(id);
}

void write_memory_block(TreeEditor& tree, std::uint64_t id, int node, const std::string& state,
                        const std::string& zones) {
    const std::string name = "memory" + std::to_string(id);
    const std::string b = memory_block_dir(id);
    const std::string node_dir = "sys/devices/system/node/node" + std::to_string(node);
    // The block's directory appears whole, as the kernel's device does; its node and bus links
    // follow, as register_memory_block_under_node() adds them after the device.
    tree.build_dir(b, [&] {
        tree.attr(b + "/online", state == "online" ? "1" : "0");
        tree.attr(b + "/phys_device", "0");
        tree.attr(b + "/phys_index", hex_bare(id, 8));
        tree.attr(b + "/removable", "1");
        tree.attr(b + "/state", state);
        tree.write_only(b + "/uevent");
        tree.attr(b + "/valid_zones", zones);
        tree.link(b + "/node" + std::to_string(node), node_dir);
        tree.link(b + "/subsystem", "sys/bus/memory");
    });
    tree.link(node_dir + "/" + name, b);
    tree.link("sys/bus/memory/devices/" + name, b);
}

void set_memory_block_state(TreeEditor& tree, std::uint64_t id, const std::string& state,
                            const std::string& zones) {
    const std::string b = memory_block_dir(id);
    tree.change_dir(b, [&] {
        tree.attr(b + "/state", state);
        tree.attr(b + "/online", state == "online" ? "1" : "0");
        tree.attr(b + "/valid_zones", zones);
    });
}

void remove_memory_block(TreeEditor& tree, std::uint64_t id) {
    const std::string name = "memory" + std::to_string(id);
    const std::string b = memory_block_dir(id);
    tree.remove("sys/bus/memory/devices/" + name);
    for (const std::string& link : tree.list(b))
        if (link.rfind("node", 0) == 0)
            tree.remove("sys/devices/system/node/" + link + "/" + name);
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
    tree.build_dir(d, [&] { write_dax_device_files(tree, d, dax); });
    tree.link("sys/bus/dax/devices/" + dax.name, d);
    tree.link("sys/dev/char/" + dax.dev, d);
}

void write_dax_device_files(TreeEditor& tree, const std::string& d, const DaxDeviceLayout& dax) {
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
}

void write_dax_region_attrs(TreeEditor& tree, const std::string& dir_rel, int id,
                            std::uint64_t size, std::uint64_t available) {
    const std::string a = dir_rel + "/dax_region";
    tree.build_dir(a, [&] {
        tree.attr(a + "/id", std::to_string(id));
        tree.attr(a + "/size", std::to_string(size));
        tree.attr(a + "/align", std::to_string(2 * 1024 * 1024));
        tree.attr(a + "/available_size", std::to_string(available));
        tree.attr(a + "/seed", "");
        tree.attr(a + "/create", "");
        tree.write_only(a + "/delete");
    });
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
