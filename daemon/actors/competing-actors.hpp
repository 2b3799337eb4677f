// What else onlines memory on this machine, and how srmd takes over onlining when the policy says
// it alone onlines memory (settings.exclusive_onlining, srmd.policy(5)).
//
// Other actors race srmd for every block a dax device adds: whichever writes memoryN/state first
// picks the zone, and a block onlined into ZONE_NORMAL may never go offline again. They are:
//   - the kernel itself, when /sys/devices/system/memory/auto_online_blocks is not "offline";
//   - the memhp_default_state= boot parameter, which only sets auto_online_blocks at boot;
//   - udev rules that online memory blocks (distro rules: SUBSYSTEM=="memory" with
//     ATTR{state}="online", or a RUN that writes the state or runs chmem) or that run daxctl on
//     new dax devices (ndctl's 90-daxctl-device.rules, directly or via
//     daxdev-reconfigure@.service);
//   - /etc/daxctl.conf.d/*.conf [reconfigure-device ...] sections with mode = system-ram, which
//     daxctl applies when that udev rule runs it;
//   - daxdev-reconfigure@.service, which a udev rule starts per dax device.
// Detection reads everything through a RootReader, so it works on captured trees.
//
// Taking control (exclusive_onlining: true), for this boot only, never touching /usr or /etc:
//   1. srmd records the current auto_online_blocks in /run/srmd/auto-online-blocks.original and
//      then writes "offline" to it through the Actuator;
//   2. it masks each onlining udev rule installed by a package (/usr/lib, /usr/local/lib, /lib) by
//      writing a file of the same name into /run/udev/rules.d, which takes precedence over them,
//      holding only a comment that starts "# masked by srmd:". A comment-only file holds no rules,
//      so the original is shadowed; /run is emptied at reboot. udevd notices changed rule
//      directories before it handles its next event. Rules in /etc/udev/rules.d are the
//      administrator's: /run cannot shadow them, and srmd only reports them, as it reports rules
//      in /run that it did not write;
//   3. daxctl.conf.d sections and daxdev-reconfigure@.service are reported: they act only through
//      the udev rule that runs daxctl, which step 2 masks.
// Giving control back (exclusive_onlining: false) undoes only what srmd did: it removes the files
// carrying its marker and restores the recorded auto_online_blocks value, unless someone else has
// changed the setting since. Both directions are idempotent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "act/actuator.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"

namespace srmd {

enum class ActorKind {
    KernelAutoOnline,  // auto_online_blocks
    BootParameter,     // memhp_default_state= on the kernel command line
    UdevRule,          // one rule (logical line) of a udev rules file
    SrmdMask,          // a mask srmd wrote that no longer shadows a rule that onlines memory
    DaxctlConfig,      // a [reconfigure-device ...] section asking for system-ram
    DaxctlService,     // daxdev-reconfigure@.service
};
const char* to_string(ActorKind kind);  // "kernel-auto-online", "boot-parameter", ...

struct CompetingActor {
    ActorKind kind = ActorKind::KernelAutoOnline;
    std::string path;   // the file that makes it act, as seen on the machine ("/usr/lib/udev/...")
    int line = 0;       // 1-based line of the rule or section; 0 when a line means nothing
    std::string what;   // in words
    std::string value;  // auto_online_blocks or memhp_default_state value, else ""
    bool can_take_over = false;   // srmd can stop it for this boot (see the header comment)
    std::string rule_name;        // udev rules and masks: the file name a mask would have
    bool masked_by_srmd = false;  // a mask of srmd's shadows it now: it does not act this boot
};

// Every actor, in a stable order: the kernel setting, the boot parameter, udev rules by file name
// then line, daxctl configuration by file then line, the service. Unreadable rule or config files
// (dangling links, permissions) are skipped, as udev and daxctl skip them.
std::vector<CompetingActor> find_competing_actors(const RootReader& reader,
                                                  const Snapshot& snapshot);

// Where srmd keeps what it changed, below the root.
inline constexpr const char* kRuntimeRulesDir = "/run/udev/rules.d";
inline constexpr const char* kRecordedAutoOnline = "/run/srmd/auto-online-blocks.original";
inline constexpr const char* kAutoOnlineBlocks = "/sys/devices/system/memory/auto_online_blocks";
inline constexpr const char* kMaskMarker = "# masked by srmd:";

// The auto_online_blocks value srmd recorded before it first wrote "offline" this boot.
std::optional<std::string> read_recorded_auto_online(const RootReader& reader);

struct RuleMask {
    std::string name;    // "40-redhat.rules"
    std::string reason;  // written after the marker: which rule it shadows and why
};

struct ControlPlan {
    std::optional<std::string> record_auto_online;  // remember this value before writing
    std::optional<std::string> write_auto_online;   // then write this to auto_online_blocks
    bool forget_recorded = false;                   // the record has served (or is stale)
    std::vector<RuleMask> masks;                    // to write, by name
    std::vector<std::string> unmasks;               // srmd's masks to remove, by name
    std::vector<std::string> left_alone;            // actors srmd reports but does not stop
};

// What to do, from the actors found and the recorded original value (nothing here reads or
// writes). `exclusive` is the policy's exclusive_onlining.
ControlPlan plan_take_control(const std::vector<CompetingActor>& actors, bool exclusive,
                              const std::optional<std::string>& recorded_original);

struct ControlOutcome {
    bool ok = true;
    std::vector<std::string> done;    // in words, one line per change made
    std::vector<std::string> errors;  // "path: what went wrong"
};

// Carries the plan out: the record and masks as files below `root`, auto_online_blocks through
// the actuator. A failure to record the original value skips the write it would allow to be
// undone; every other failure is reported and the rest goes on. Never throws.
ControlOutcome carry_out_control_plan(const ControlPlan& plan, Actuator& actuator,
                                      const std::string& root);

}  // namespace srmd
