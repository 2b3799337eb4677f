// The structural promises parse_iomem makes about any tree it returns, checked by the unit tests,
// the bounded mutation test and the libFuzzer target alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "read/iomem.hpp"

namespace srmd::testing {

// The number of lines parse_iomem reads from `text`: every line, the last one ending at the end of
// the text whether or not a newline follows it.
inline std::size_t count_iomem_lines(std::string_view text) {
    std::size_t lines = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t newline = text.find('\n', pos);
        ++lines;
        if (newline == std::string_view::npos)
            break;
        pos = newline + 1;
    }
    return lines;
}

// "" when `tree` keeps every promise, else the first broken one in words. `lines` is the number of
// lines parsed: every one of them must survive as a name somewhere.
inline std::string iomem_tree_problem(const IomemTree& tree, std::size_t lines) {
    const auto& nodes = tree.nodes;
    const int count = static_cast<int>(nodes.size());
    std::size_t names = 0;
    std::vector<int> seen(nodes.size(), 0);
    auto at = [](int i) { return "node " + std::to_string(i) + ": "; };
    for (int i = 0; i < count; ++i) {
        const IomemNode& node = nodes[i];
        if (node.end < node.start)
            return at(i) + "end below start";
        if (node.names.empty())
            return at(i) + "no names";
        for (const std::string& name : node.names) {
            if (name.empty())
                return at(i) + "an empty name";
        }
        names += node.names.size();
        if (i > 0) {
            const IomemNode& before = nodes[i - 1];
            bool ordered =
                before.start < node.start || (before.start == node.start && before.end > node.end);
            if (!ordered)
                return at(i) + "not sorted by start, then size descending (or a duplicate range)";
        }
        if (node.parent < -1 || node.parent >= count)
            return at(i) + "parent index out of range";
        if (node.parent >= 0) {
            const IomemNode& parent = nodes[node.parent];
            if (node.parent >= i)
                return at(i) + "parent sorted after its child";
            if (node.start < parent.start || node.end > parent.end)
                return at(i) + "not inside its parent";
        }
        int previous_child = -1;
        for (int child : node.children) {
            if (child < 0 || child >= count)
                return at(i) + "child index out of range";
            if (nodes[child].parent != i)
                return at(i) + "child " + std::to_string(child) + " names another parent";
            if (child <= previous_child)
                return at(i) + "children not in address order";
            previous_child = child;
            ++seen[child];
        }
    }
    int previous_root = -1;
    for (int root : tree.roots) {
        if (root < 0 || root >= count)
            return "root index out of range";
        if (nodes[root].parent != -1)
            return "root " + std::to_string(root) + " has a parent";
        if (root <= previous_root)
            return "roots not in address order";
        previous_root = root;
        ++seen[root];
    }
    for (int i = 0; i < count; ++i) {
        if (seen[i] != 1)
            return at(i) + "listed " + std::to_string(seen[i]) + " times as a root or child";
    }
    if (names != lines)
        return std::to_string(lines) + " lines but " + std::to_string(names) + " names";
    return "";
}

}  // namespace srmd::testing
