// Comparing two trees file by file: contents of files, targets of symlinks, and which entries
// exist. For checking that the simulated kernel leaves a tree as the real kernel left its capture.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace srmd::test {

// "file:<content>", "link:<target>" or "dir" for every entry below `root`, by relative path,
// leaving out the entries whose relative path or name is in `skip`, and everything below them.
inline std::map<std::string, std::string> tree_entries(const std::string& root,
                                                       const std::set<std::string>& skip) {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> entries;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        std::string rel = it->path().lexically_relative(root).string();
        if (skip.count(rel) || skip.count(it->path().filename().string())) {
            if (it->is_directory() && !it->is_symlink())
                it.disable_recursion_pending();
            continue;
        }
        if (it->is_symlink()) {
            entries[rel] = "link:" + fs::read_symlink(it->path()).string();
        } else if (it->is_directory()) {
            entries[rel] = "dir";
        } else {
            std::ifstream in(it->path());
            std::stringstream text;
            text << in.rdbuf();
            entries[rel] = "file:" + text.str();
        }
    }
    return entries;
}

// The differences between two trees, one line each; empty when they are the same.
inline std::string tree_differences(const std::string& a, const std::string& b,
                                    const std::set<std::string>& skip) {
    std::map<std::string, std::string> left = tree_entries(a, skip);
    std::map<std::string, std::string> right = tree_entries(b, skip);
    std::string out;
    for (const auto& [path, value] : left) {
        auto other = right.find(path);
        if (other == right.end())
            out += "only in first: " + path + "\n";
        else if (other->second != value)
            out += "differs: " + path + ": [" + value + "] vs [" + other->second + "]\n";
    }
    for (const auto& [path, value] : right)
        if (!left.count(path))
            out += "only in second: " + path + "\n";
    return out;
}

}  // namespace srmd::test
