// The boot hook: how srmd wins the race for kmem's memory at boot, from the next boot on, while
// its policy says that srmd alone onlines memory (settings.exclusive_onlining, srmd.policy(5)).
//
// On kernels that online hot-added memory themselves (auto_online_blocks "online", Debian's 7.x
// default), kmem binds the dax devices of Soft Reserved and CXL memory during coldplug, seconds
// before srmd starts, and the kernel onlines their memory in ZONE_NORMAL, where it stays until
// reboot. What srmd does once it runs (competing-actors.hpp) comes too late for that boot. So srmd
// installs /etc/modprobe.d/srmd-kmem.conf, a modprobe "install kmem" line that loads kmem through
// SRMD_KMEM_HOOK (units/srmd-kmem-hook): the hook writes "offline" to auto_online_blocks, records
// the value it found where srmd records it (/run/srmd/auto-online-blocks.original), and loads kmem.
// libkmod honours "install" lines, so udev's in-process module loading goes through it too.
// Of the ways seen to win the race (a udev rule on dax add, a unit before udev's coldplug), this
// one acts once, exactly when kmem first loads, needs no boot loader, and lives in one file.
// Like every way, it changes a global setting: memory hot-added by anything else in that boot
// (virtio-mem, ACPI memory hotplug) stays offline too, which exclusive_onlining asks for anyway.
//
// srmd writes the file while the policy asks for it and removes it when the policy no longer
// does, but only its own file, unchanged: the text it wrote (recorded in its state file) or the
// text it would write now. A file an administrator wrote or edited is reported and left alone.
// Everything happens below the root, so a tree (--root) gets the file in its own /etc.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace srmd {

inline constexpr const char* kBootHookPath = "/etc/modprobe.d/srmd-kmem.conf";

// The text srmd writes, naming the hook program that modprobe runs.
std::string boot_hook_text(const std::string& hook_program);

enum class BootHookState {
    Off,        // not asked for, and no file at kBootHookPath
    Installed,  // srmd's file is in place: from the next boot on, kmem's memory comes up offline
    Foreign,    // a file srmd did not write (or that was edited) is there: left as it is
    Failed,     // the file could not be written or removed (see the errors)
};
const char* to_string(BootHookState state);  // "off", "installed", "foreign", "failed"

struct BootHookResult {
    BootHookState state = BootHookState::Off;
    // The text of srmd's file as it is now, to record in the state file; nullopt when no file of
    // srmd's is there.
    std::optional<std::string> recorded;
    std::vector<std::string> done;    // in words, one line per change made
    std::vector<std::string> errors;  // "path: what went wrong"
};

// Brings kBootHookPath below `root` to what `wanted` asks, when `act`; otherwise only says what is
// there. `recorded` is the text srmd wrote before (its state file), if any. Never throws.
BootHookResult apply_boot_hook(const std::string& root, bool wanted,
                               const std::string& hook_program,
                               const std::optional<std::string>& recorded, bool act);

}  // namespace srmd
