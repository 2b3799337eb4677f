#include "actors/competing-actors.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "actors/daxctl-config.hpp"
#include "actors/udev-rules.hpp"
#include "util/atomic-file.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

std::optional<std::string> boot_parameter(const std::string& cmdline, const std::string& key) {
    std::istringstream in(cmdline);
    std::string word;
    std::optional<std::string> value;
    while (in >> word)
        if (word.rfind(key + "=", 0) == 0)
            value = word.substr(key.size() + 1);  // the last one wins, as in the kernel
    return value;
}

// --- doing

std::string describe(const CompetingActor& actor) {
    std::string where = actor.path;
    if (actor.line > 0)
        where += ":" + std::to_string(actor.line);
    return where + ": " + actor.what;
}

// Writes `content` to a file below the root with atomic_write_file: udev never reads half a file,
// a crash leaves the old file or the new, and nothing planted in /run is followed.
bool write_file_atomically(const std::string& root, const std::string& path,
                           const std::string& content, ControlOutcome& outcome) {
    const std::string host = root + path;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(host).parent_path(), ec);
    if (ec) {
        outcome.errors.push_back(path + ": " + ec.message());
        return false;
    }
    try {
        atomic_write_file(host, content);
    } catch (const SystemError& e) {
        outcome.errors.push_back(path + ": " + std::strerror(e.error_number()));
        return false;
    }
    return true;
}

bool remove_file(const std::string& root, const std::string& path, ControlOutcome& outcome) {
    if (::unlink((root + path).c_str()) != 0 && errno != ENOENT) {
        outcome.errors.push_back(path + ": " + std::strerror(errno));
        return false;
    }
    return true;
}

}  // namespace

const char* to_string(ActorKind kind) {
    switch (kind) {
        case ActorKind::KernelAutoOnline:
            return "kernel-auto-online";
        case ActorKind::BootParameter:
            return "boot-parameter";
        case ActorKind::UdevRule:
            return "udev-rule";
        case ActorKind::SrmdMask:
            return "srmd-mask";
        case ActorKind::DaxctlConfig:
            return "daxctl-config";
        case ActorKind::DaxctlService:
            return "daxctl-service";
    }
    return "unknown";
}

std::vector<CompetingActor> find_competing_actors(const RootReader& reader,
                                                  const Snapshot& snapshot) {
    std::vector<CompetingActor> actors;
    const std::string& automatic = snapshot.memory.auto_online_blocks;
    if (!automatic.empty() && automatic != "offline")
        actors.push_back(
            {ActorKind::KernelAutoOnline, kAutoOnlineBlocks, 0,
             "the kernel onlines every hot-added memory block itself (" + automatic + ")",
             automatic, true, "", false});
    if (std::optional<std::string> state = boot_parameter(snapshot.cmdline, "memhp_default_state");
        state && *state != "offline")
        actors.push_back({ActorKind::BootParameter, "/proc/cmdline", 0,
                          "memhp_default_state=" + *state +
                              " sets auto_online_blocks at boot; a write to auto_online_blocks "
                              "overrides it until the next boot",
                          *state, true, "", false});
    find_udev_actors(reader, actors);
    find_daxctl_config(reader, actors);
    find_daxctl_service(reader, actors);
    return actors;
}

std::optional<std::string> read_recorded_auto_online(const RootReader& reader) {
    std::optional<std::string> value = reader.read_attr_optional(kRecordedAutoOnline);
    if (!value)
        return std::nullopt;
    std::string text = trim(*value);
    if (text.empty())
        return std::nullopt;
    return text;
}

ControlPlan plan_take_control(const std::vector<CompetingActor>& actors, bool exclusive,
                              const std::optional<std::string>& recorded_original) {
    ControlPlan plan;
    const CompetingActor* automatic = nullptr;
    for (const CompetingActor& actor : actors)
        if (actor.kind == ActorKind::KernelAutoOnline)
            automatic = &actor;
    std::set<std::string> masked, unmasked;

    if (!exclusive) {
        // Give back only what srmd took. A value someone else wrote since is theirs to keep.
        if (recorded_original) {
            if (!automatic && *recorded_original != "offline")
                plan.write_auto_online = *recorded_original;
            plan.forget_recorded = true;
        }
        for (const CompetingActor& actor : actors)
            if (actor.masked_by_srmd && unmasked.insert(actor.rule_name).second)
                plan.unmasks.push_back(actor.rule_name);
        return plan;
    }

    if (automatic) {
        // The value in place now is what "before srmd" means on giving back: if someone set it
        // again after srmd's first write, theirs is the later wish.
        plan.record_auto_online = automatic->value;
        plan.write_auto_online = "offline";
    }
    std::map<std::string, std::vector<const CompetingActor*>> to_mask;
    for (const CompetingActor& actor : actors) {
        if (actor.kind == ActorKind::SrmdMask) {
            if (unmasked.insert(actor.rule_name).second)
                plan.unmasks.push_back(actor.rule_name);
        } else if (actor.kind == ActorKind::UdevRule && actor.can_take_over) {
            if (!actor.masked_by_srmd)
                to_mask[actor.rule_name].push_back(&actor);
        } else if (!actor.can_take_over) {
            plan.left_alone.push_back(describe(actor));
        }
    }
    for (const auto& [name, rules] : to_mask) {
        std::string lines;
        for (const CompetingActor* rule : rules)
            lines += (lines.empty() ? "" : ", ") + std::to_string(rule->line);
        plan.masks.push_back({name, rules.front()->path + " onlines memory (line " + lines +
                                        "): " + rules.front()->what});
    }
    return plan;
}

ControlOutcome carry_out_control_plan(const ControlPlan& plan, Actuator& actuator,
                                      const std::string& root_in) {
    ControlOutcome outcome;
    std::string root = root_in;
    while (!root.empty() && root.back() == '/')
        root.pop_back();
    RootReader reader(root.empty() ? "/" : root);

    bool may_write = true;
    if (plan.record_auto_online) {
        may_write = write_file_atomically(root, kRecordedAutoOnline,
                                          *plan.record_auto_online + "\n", outcome);
        if (may_write)
            outcome.done.push_back(std::string("recorded auto_online_blocks ") +
                                   *plan.record_auto_online + " in " + kRecordedAutoOnline);
    }
    bool written = true;
    if (plan.write_auto_online && may_write) {
        StepOutcome result = actuator.write_setting(kAutoOnlineBlocks, *plan.write_auto_online);
        written = result.ok;
        if (result.ok)
            outcome.done.push_back(std::string("wrote ") + *plan.write_auto_online + " to " +
                                   kAutoOnlineBlocks);
        else
            outcome.errors.push_back((result.path.empty() ? kAutoOnlineBlocks : result.path) +
                                     std::string(": ") + result.message);
    }
    if (plan.forget_recorded && written && remove_file(root, kRecordedAutoOnline, outcome))
        outcome.done.push_back(std::string("forgot the recorded auto_online_blocks value"));

    for (const RuleMask& mask : plan.masks) {
        const std::string path = std::string(kRuntimeRulesDir) + "/" + mask.name;
        if (reader.kind(path) != RootReader::Kind::Missing) {
            std::optional<std::string> text;
            try {
                text = reader.read(path);
            } catch (const SystemError&) {
            }
            if (!text || !is_srmd_mask(*text)) {
                outcome.errors.push_back(path + ": exists and is not srmd's: left as it is");
                continue;
            }
        }
        std::string content = std::string(kMaskMarker) + " " + mask.reason + "\n" +
                              "# srmd onlines memory itself (exclusive_onlining in its policy). It "
                              "removes this file\n"
                              "# when the setting goes back to false; /run is emptied at boot.\n";
        if (write_file_atomically(root, path, content, outcome))
            outcome.done.push_back("masked " + mask.name + " with " + path);
    }
    for (const std::string& name : plan.unmasks) {
        const std::string path = std::string(kRuntimeRulesDir) + "/" + name;
        std::optional<std::string> text;
        try {
            if (reader.kind(path) == RootReader::Kind::File)
                text = reader.read(path);
        } catch (const SystemError&) {
        }
        if (!text || !is_srmd_mask(*text))
            continue;  // gone already, or replaced by someone else: not srmd's to remove
        if (remove_file(root, path, outcome))
            outcome.done.push_back("removed srmd's mask " + path);
    }
    outcome.ok = outcome.errors.empty();
    return outcome;
}

}  // namespace srmd
