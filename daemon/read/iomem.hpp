// /proc/iomem as a tree rebuilt by address containment.
//
// The kernel prints each resource indented two spaces per level, but caps the indentation at five
// levels and, when two resources cover the same addresses, nests whichever was inserted last
// outside the other ("Soft Reserved" above or below "CXL Window 0" depending on boot order). So the
// indentation is only a hint: we sort by address and nest by containment, and resources with equal
// ranges become one node carrying every name, outermost first as printed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace srmd {

struct IomemNode {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // inclusive, as printed
    std::vector<std::string> names;
    int parent = -1;  // index into IomemTree::nodes, -1 for a top-level resource
    std::vector<int> children;

    std::uint64_t size() const { return end - start + 1; }
    bool has_name(std::string_view name) const;
    // The first name starting with `prefix` ("CXL Window "), or "" when none does.
    std::string name_with_prefix(std::string_view prefix) const;
};

struct IomemTree {
    std::vector<IomemNode> nodes;  // sorted by start, then by size descending
    std::vector<int> roots;

    // Every node with exactly this name, in address order.
    std::vector<const IomemNode*> find(std::string_view name) const;
    // Every node with a name starting with `prefix`, in address order.
    std::vector<const IomemNode*> find_prefix(std::string_view prefix) const;
    // The smallest node that contains [start, start + size), or nullptr.
    const IomemNode* innermost_containing(std::uint64_t start, std::uint64_t size) const;
};

// Parses the text of /proc/iomem. `path` is used in error messages. Throws SystemError for a line
// that is not "<hex>-<hex> : <name>", for end < start, and for a listing whose addresses are all
// zero, which is what a reader without CAP_SYS_ADMIN is shown.
IomemTree parse_iomem(std::string_view text, const std::string& path);

}  // namespace srmd
