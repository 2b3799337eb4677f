#include "cli/offline-tree.hpp"

#include <cerrno>

#include "util/error.hpp"

namespace srmctl {

srmd::RootReader open_offline_tree(const std::string& root) {
    srmd::RootReader reader(root);
    if (!reader.is_dir("/")) {
        std::string shown = reader.root().empty() ? "/" : reader.root();
        throw srmd::SystemError(shown, reader.exists("/") ? ENOTDIR : ENOENT);
    }
    return reader;
}

std::string range_ids(const std::vector<srmd::Range>& ranges) {
    std::string ids;
    for (const srmd::Range& range : ranges)
        ids += (ids.empty() ? "" : ", ") + range.id;
    return ids.empty() ? "none" : ids;
}

}  // namespace srmctl
