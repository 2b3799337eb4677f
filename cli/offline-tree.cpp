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

std::optional<std::string> parse_offline_range_args(const Args& args, bool with_json,
                                                    OfflineRangeArgs& out) {
    std::vector<OptionName> names = {{"root", true}, {"policy-dir", true}};
    if (with_json)
        names.push_back({"json", false});
    OptionReader reader(args, names);
    for (Found found; reader.next(found);) {
        if (found.is("help")) {
            out.help = true;
            return std::nullopt;
        } else if (with_json && found.is("json")) {
            out.json = true;
        } else if (found.kind == Found::kOption && !value_given(found)) {
            return "--" + found.name + " needs a directory";
        } else if (found.is("root")) {
            out.root = *found.value;
        } else if (found.is("policy-dir")) {
            out.policy_dirs.push_back(*found.value);
        } else if (found.kind == Found::kUnknown) {
            return "unknown option '" + found.word + "'";
        } else if (out.id.empty()) {
            out.id = found.word;
        } else {
            return "one range at a time ('" + out.id + "', then '" + found.word + "')";
        }
    }
    if (out.id.empty())
        return std::string("which range? give its ID, as srmctl simulate lists it");
    if (out.root.empty())
        return std::string("--root needs a directory");
    return std::nullopt;
}

std::string range_ids(const std::vector<srmd::Range>& ranges) {
    std::string ids;
    for (const srmd::Range& range : ranges)
        ids += (ids.empty() ? "" : ", ") + range.id;
    return ids.empty() ? "none" : ids;
}

}  // namespace srmctl
