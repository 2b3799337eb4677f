#include "actors/boot-hook.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "read/root-reader.hpp"
#include "util/atomic-file.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

// What is at the path: nullopt when nothing is; "" with `regular` false when it is not a regular
// file srmd can read (a link, a directory): never srmd's.
struct Found {
    bool present = false;
    bool regular = false;
    std::string text;
};

Found look(const RootReader& reader) {
    Found found;
    try {
        RootReader::Kind kind = reader.kind(kBootHookPath);
        if (kind == RootReader::Kind::Missing)
            return found;
        found.present = true;
        if (kind != RootReader::Kind::File)
            return found;
        found.text = reader.read(kBootHookPath);
        found.regular = true;
    } catch (const SystemError&) {
        found.present = true;
        found.regular = false;
    }
    return found;
}

std::string trimmed_root(const std::string& root) {
    std::string trimmed = root;
    while (!trimmed.empty() && trimmed.back() == '/')
        trimmed.pop_back();
    return trimmed;
}

}  // namespace

std::string boot_hook_text(const std::string& hook_program) {
    return "# Installed by srmd: its policy says that srmd alone onlines memory "
           "(exclusive_onlining;\n"
           "# srmd.policy(5)). kmem loads through the hook, which first writes \"offline\" to\n"
           "# /sys/devices/system/memory/auto_online_blocks, so that the kernel does not online\n"
           "# kmem's memory in ZONE_NORMAL at boot before srmd runs. See srmd(8), BOOT HOOK.\n"
           "# srmd removes this file when its policy no longer asks for it, unless it was edited.\n"
           "# Without the hook (srmd removed), kmem loads as if this file were not here.\n"
           "install kmem if [ -x " +
           hook_program + " ]; then " + hook_program +
           " $CMDLINE_OPTS; else /sbin/modprobe --ignore-install kmem $CMDLINE_OPTS; fi\n";
}

const char* to_string(BootHookState state) {
    switch (state) {
        case BootHookState::Off:
            return "off";
        case BootHookState::Installed:
            return "installed";
        case BootHookState::Foreign:
            return "foreign";
        case BootHookState::Failed:
            return "failed";
    }
    return "unknown";
}

BootHookResult apply_boot_hook(const std::string& root_in, bool wanted,
                               const std::string& hook_program,
                               const std::optional<std::string>& recorded, bool act) {
    BootHookResult result;
    const std::string root = trimmed_root(root_in);
    const std::string host = root + kBootHookPath;
    const std::string ours = boot_hook_text(hook_program);
    RootReader reader(root.empty() ? "/" : root);
    Found found = look(reader);
    bool srmds = found.regular && (found.text == ours || (recorded && found.text == *recorded));

    if (found.present && !srmds) {
        // An administrator's file, or srmd's edited since: theirs, whatever the policy says.
        result.state = BootHookState::Foreign;
        return result;
    }
    if (wanted) {
        if (srmds && found.text == ours) {
            result.state = BootHookState::Installed;
            result.recorded = ours;
            return result;
        }
        if (!act) {
            result.state = srmds ? BootHookState::Installed : BootHookState::Off;
            result.recorded = srmds ? std::optional<std::string>(found.text) : std::nullopt;
            return result;
        }
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(host).parent_path(), ec);
        try {
            if (ec)
                throw SystemError(std::filesystem::path(host).parent_path().string(), ec.value());
            atomic_write_file(host, ours);
        } catch (const SystemError& e) {
            result.state = BootHookState::Failed;
            result.recorded = srmds ? std::optional<std::string>(found.text) : std::nullopt;
            result.errors.push_back(std::string(kBootHookPath) + ": " +
                                    std::strerror(e.error_number()));
            return result;
        }
        result.state = BootHookState::Installed;
        result.recorded = ours;
        result.done.push_back(std::string(srmds ? "updated" : "installed") + " the boot hook " +
                              kBootHookPath +
                              ": from the next boot on, kmem's memory comes up "
                              "offline and srmd onlines it");
        return result;
    }
    if (!found.present) {
        result.state = BootHookState::Off;
        return result;
    }
    // srmd's own file, no longer asked for.
    if (!act) {
        result.state = BootHookState::Installed;
        result.recorded = found.text;
        return result;
    }
    if (::unlink(host.c_str()) != 0 && errno != ENOENT) {
        result.state = BootHookState::Failed;
        result.recorded = found.text;
        result.errors.push_back(std::string(kBootHookPath) + ": " + std::strerror(errno));
        return result;
    }
    result.state = BootHookState::Off;
    result.done.push_back(std::string("removed the boot hook ") + kBootHookPath +
                          ": the policy no longer asks srmd alone to online memory");
    return result;
}

}  // namespace srmd
