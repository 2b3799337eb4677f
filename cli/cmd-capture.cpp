// srmctl capture [--root SRC] DIR
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "read/capture.hpp"
#include "read/root-reader.hpp"
#include "util/error.hpp"

namespace srmctl {

namespace {

void usage() {
    std::fputs(
        "usage: srmctl capture [--root SRC] DIR\n"
        "Copies the parts of /proc and /sys that srmd reads into DIR (new or empty), symlinks\n"
        "kept, so that `srmctl simulate --root DIR` shows what srmd sees on this machine.\n"
        "--root SRC captures from a tree below SRC instead of from /.\n",
        stderr);
}

// Without CAP_SYS_ADMIN the kernel prints every /proc/iomem address as zero. The capture is still
// made (sysfs says most of it), but a reader will refuse that iomem.
bool addresses_hidden(std::string_view iomem) {
    bool any = false;
    size_t pos = 0;
    while (pos < iomem.size()) {
        size_t newline = iomem.find('\n', pos);
        if (newline == std::string_view::npos)
            newline = iomem.size();
        std::string_view line = iomem.substr(pos, newline - pos);
        pos = newline + 1;
        size_t colon = line.find(" : ");
        if (colon == std::string_view::npos)
            continue;
        for (char c : line.substr(0, colon)) {
            if (c != '0' && c != '-' && c != ' ')
                return false;
        }
        any = true;
    }
    return any;
}

}  // namespace

int cmd_capture(const Args& args) {
    std::string source_root = "/";
    std::string destination;
    OptionReader reader(args, {{"root", true}});
    for (Found found; reader.next(found);) {
        if (found.is("help")) {
            usage();
            return 0;
        } else if (found.is("root") && found.value) {
            source_root = *found.value;
        } else if (found.kind == Found::kArgument && !found.word.empty() && found.word[0] != '-' &&
                   destination.empty()) {
            destination = found.word;
        } else {
            std::fprintf(stderr, "srmctl capture: unexpected argument '%s'\n", found.word.c_str());
            usage();
            return 2;
        }
    }
    if (destination.empty()) {
        usage();
        return 2;
    }

    try {
        srmd::RootReader source(source_root);
        srmd::CaptureStats stats = srmd::capture_tree(source, destination);
        std::printf("captured %s into %s: %lu files, %lu links, %lu directories, %lu unreadable\n",
                    source_root.c_str(), destination.c_str(), stats.files, stats.links, stats.dirs,
                    stats.unreadable);
        if (stats.unreadable > 0)
            std::printf("unreadable files were captured empty; see %s/.capture/unreadable.txt\n",
                        destination.c_str());
        srmd::RootReader captured(destination);
        if (auto iomem = captured.read_attr_optional("/proc/iomem");
            iomem && addresses_hidden(*iomem))
            std::fprintf(stderr,
                         "srmctl capture: warning: %s/proc/iomem has all addresses zero (read "
                         "without CAP_SYS_ADMIN); run as root for a usable capture\n",
                         destination.c_str());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "srmctl capture: %s\n", error.what());
        return 1;
    }
    return 0;
}

}  // namespace srmctl
