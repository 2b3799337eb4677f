#include "read/iomem.hpp"

#include <algorithm>
#include <numeric>

#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// One printed line, before the tree exists.
struct IomemLine {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::string_view name;
};

// A corrupt file can hold a line of any length: the message quotes enough of it to find it again,
// escaped so that no byte of it acts on a terminal.
constexpr std::size_t kLineShown = 80;

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Reads hex digits at `pos`. Returns an empty string on success, else what went wrong. The kernel
// pads to eight digits, so leading zeros are normal and only the value's width is checked.
std::string scan_hex(std::string_view line, std::size_t& pos, std::uint64_t& value) {
    std::size_t first = pos;
    value = 0;
    while (pos < line.size()) {
        int digit = hex_digit(line[pos]);
        if (digit < 0)
            break;
        if (value > (UINT64_MAX >> 4))
            return "address does not fit in 64 bits";
        value = (value << 4) | static_cast<std::uint64_t>(digit);
        ++pos;
    }
    if (pos == first)
        return "expected a hex address";
    return "";
}

// Parses "<indent><hex>-<hex> : <name>". The indentation is not used: see iomem.hpp.
std::string parse_line(std::string_view line, IomemLine& out) {
    std::size_t pos = line.find_first_not_of(' ');
    if (pos == std::string_view::npos)
        return "blank line";
    std::string problem = scan_hex(line, pos, out.start);
    if (!problem.empty())
        return problem + " at the start";
    if (pos >= line.size() || line[pos] != '-')
        return "expected '-' after the start address";
    ++pos;
    problem = scan_hex(line, pos, out.end);
    if (!problem.empty())
        return problem + " after '-'";
    constexpr std::string_view separator = " : ";
    if (line.substr(pos, separator.size()) != separator)
        return "expected ' : ' after the end address";
    pos += separator.size();
    if (pos >= line.size())
        return "no name after ' : '";
    if (out.end < out.start)
        return "end address is below the start address";
    out.name = line.substr(pos);
    return "";
}

std::vector<IomemLine> parse_lines(std::string_view text, const std::string& path) {
    std::vector<IomemLine> lines;
    std::size_t line_number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t newline = text.find('\n', pos);
        std::size_t stop = newline == std::string_view::npos ? text.size() : newline;
        std::string_view line = text.substr(pos, stop - pos);
        pos = stop + 1;
        ++line_number;
        IomemLine parsed;
        std::string problem = parse_line(line, parsed);
        if (!problem.empty())
            throw SystemError(path + ":" + std::to_string(line_number),
                              problem + ": " + quote_value(line, kLineShown));
        lines.push_back(parsed);
    }
    return lines;
}

bool contains(const IomemNode& outer, std::uint64_t start, std::uint64_t end) {
    return outer.start <= start && end <= outer.end;
}

}  // namespace

bool IomemNode::has_name(std::string_view name) const {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string IomemNode::name_with_prefix(std::string_view prefix) const {
    for (const std::string& name : names) {
        if (name.starts_with(prefix))
            return name;
    }
    return "";
}

std::vector<const IomemNode*> IomemTree::find(std::string_view name) const {
    std::vector<const IomemNode*> found;
    for (const IomemNode& node : nodes) {
        if (node.has_name(name))
            found.push_back(&node);
    }
    return found;
}

std::vector<const IomemNode*> IomemTree::find_prefix(std::string_view prefix) const {
    std::vector<const IomemNode*> found;
    for (const IomemNode& node : nodes) {
        if (!node.name_with_prefix(prefix).empty())
            found.push_back(&node);
    }
    return found;
}

const IomemNode* IomemTree::innermost_containing(std::uint64_t start, std::uint64_t size) const {
    // An empty range, or one running past the top of the address space, is inside nothing.
    if (size == 0 || start + (size - 1) < start)
        return nullptr;
    std::uint64_t end = start + (size - 1);
    // A plain scan rather than a walk down the tree: it is exact even when a corrupt listing
    // left partially overlapping siblings, and a machine has at most a few thousand resources.
    const IomemNode* best = nullptr;
    for (const IomemNode& node : nodes) {
        if (node.start > start)
            break;
        // Ties cannot happen between distinct valid nodes; `<=` prefers the later, deeper one.
        if (contains(node, start, end) &&
            (!best || node.end - node.start <= best->end - best->start))
            best = &node;
    }
    return best;
}

IomemTree parse_iomem(std::string_view text, const std::string& path) {
    if (text.find_first_not_of(" \t\n") == std::string_view::npos)
        throw SystemError(path, "is empty");
    std::vector<IomemLine> lines = parse_lines(text, path);

    // Without CAP_SYS_ADMIN the kernel prints every address as zero; a tree built from that
    // would be silently wrong, so say what is needed instead.
    bool all_zero = std::all_of(lines.begin(), lines.end(),
                                [](const IomemLine& l) { return l.start == 0 && l.end == 0; });
    if (all_zero)
        throw SystemError(path,
                          "every address is 0: the kernel hides /proc/iomem addresses from readers "
                          "without CAP_SYS_ADMIN; srmd must run as root");

    // Address order, outer before inner. The sort is stable so that equal ranges keep the order
    // in which they were printed, which is outermost first.
    std::vector<std::size_t> order(lines.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (lines[a].start != lines[b].start)
            return lines[a].start < lines[b].start;
        return lines[a].end > lines[b].end;
    });

    IomemTree tree;
    tree.nodes.reserve(lines.size());
    // The chain of nodes that contain the last one placed, outermost first.
    std::vector<int> open;
    for (std::size_t index : order) {
        const IomemLine& line = lines[index];
        if (!tree.nodes.empty()) {
            IomemNode& last = tree.nodes.back();
            if (last.start == line.start && last.end == line.end) {
                last.names.emplace_back(line.name);
                continue;
            }
        }
        // Everything sorted earlier starts at or below this line, so an open node that does not
        // reach its end either ended before it or (in a corrupt listing) overlaps it partially;
        // either way it cannot be its parent.
        while (!open.empty() && !contains(tree.nodes[open.back()], line.start, line.end))
            open.pop_back();
        IomemNode node;
        node.start = line.start;
        node.end = line.end;
        node.names.emplace_back(line.name);
        node.parent = open.empty() ? -1 : open.back();
        int id = static_cast<int>(tree.nodes.size());
        if (node.parent < 0)
            tree.roots.push_back(id);
        else
            tree.nodes[node.parent].children.push_back(id);
        tree.nodes.push_back(std::move(node));
        open.push_back(id);
    }
    return tree;
}

}  // namespace srmd
