#include "competing-actors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "error.hpp"

namespace srmd {

namespace {

// systemd 252's udev rule directories, highest precedence first. On a merged-/usr system /lib is
// a link to /usr/lib: the same directory is read once.
const char* const kRuleDirs[] = {"/etc/udev/rules.d", "/run/udev/rules.d",
                                 "/usr/local/lib/udev/rules.d", "/usr/lib/udev/rules.d",
                                 "/lib/udev/rules.d"};
const char* const kUnitDirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                 "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                 "/lib/systemd/system"};
const std::string kDaxctlConfDir = "/etc/daxctl.conf.d";
const std::string kDaxctlService = "daxdev-reconfigure@.service";

bool ends_with(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string trim(const std::string& text) {
    std::size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos)
        return "";
    std::size_t end = text.find_last_not_of(" \t\r");
    return text.substr(start, end - start + 1);
}

std::string lower(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool is_online_state(const std::string& value) {
    return value == "online" || value == "online_movable" || value == "online_kernel";
}

// --- udev rules

struct RuleToken {
    std::string key;   // "ATTR", "SUBSYSTEM", "RUN"
    std::string attr;  // the part in braces: "state" for ATTR{state}
    std::string op;    // "==", "!=", "=", "+=", "-=", ":="
    std::string value;
};

struct RuleLine {
    int line = 0;  // where the rule starts
    std::vector<RuleToken> tokens;
};

// One rule's "KEY{attr}OP\"value\"" pairs. A rule udev could not parse either yields what could
// be read before the fault: srmd reports, it does not validate other programs' files.
std::vector<RuleToken> tokenize_rule(const std::string& text) {
    std::vector<RuleToken> tokens;
    std::size_t at = 0;
    auto skip_separators = [&] {
        while (at < text.size() &&
               (text[at] == ',' || std::isspace(static_cast<unsigned char>(text[at]))))
            ++at;
    };
    for (;;) {
        skip_separators();
        if (at >= text.size())
            break;
        RuleToken token;
        while (at < text.size() &&
               (std::isalnum(static_cast<unsigned char>(text[at])) || text[at] == '_'))
            token.key += text[at++];
        if (at < text.size() && text[at] == '{') {
            std::size_t close = text.find('}', at);
            if (close == std::string::npos)
                break;
            token.attr = text.substr(at + 1, close - at - 1);
            at = close + 1;
        }
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
            ++at;
        for (const char* op : {"==", "!=", "+=", "-=", ":=", "="}) {
            if (text.compare(at, std::strlen(op), op) == 0) {
                token.op = op;
                at += token.op.size();
                break;
            }
        }
        if (token.key.empty() || token.op.empty())
            break;
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
            ++at;
        if (at < text.size() && text[at] == 'e')
            ++at;  // e"..." escaped string
        if (at >= text.size() || text[at] != '"')
            break;
        ++at;
        while (at < text.size() && text[at] != '"') {
            if (text[at] == '\\' && at + 1 < text.size())
                ++at;
            token.value += text[at++];
        }
        if (at >= text.size())
            break;
        ++at;
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// The rules of a file: comment lines skipped, backslash continuations joined.
std::vector<RuleLine> parse_rules(const std::string& text) {
    std::vector<RuleLine> rules;
    std::istringstream in(text);
    std::string line;
    std::string pending;
    int number = 0;
    int start = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (pending.empty()) {
            std::string t = trim(line);
            if (t.empty() || t.front() == '#')
                continue;
            start = number;
        }
        if (!line.empty() && line.back() == '\\') {
            line.pop_back();
            pending += line + " ";
            continue;
        }
        pending += line;
        rules.push_back({start, tokenize_rule(pending)});
        pending.clear();
    }
    if (!pending.empty())
        rules.push_back({start, tokenize_rule(pending)});
    return rules;
}

bool matches_word(const RuleToken& token, const std::string& word) {
    // "memory|cpu" and globs like "memory*": any alternative that names the word.
    std::istringstream in(token.value);
    std::string alternative;
    while (std::getline(in, alternative, '|'))
        if (alternative == word || alternative == word + "*")
            return true;
    return false;
}

// Why a rule onlines memory, in words, or "" when it does not. `memory_guard` says whether the
// rule sits inside a block that earlier rules reserve for the memory subsystem
// (SUBSYSTEM!="memory", GOTO="...").
std::string onlining_reason(const RuleLine& rule, bool memory_guard) {
    bool memory = memory_guard;
    for (const RuleToken& t : rule.tokens)
        if ((t.key == "SUBSYSTEM" && t.op == "==" && matches_word(t, "memory")) ||
            (t.key == "KERNEL" && t.op == "==" && matches_word(t, "memory")))
            memory = true;
    for (const RuleToken& t : rule.tokens) {
        bool assigns = t.op == "=" || t.op == ":=" || t.op == "+=";
        bool program =
            t.key == "RUN" || t.key == "PROGRAM" || (t.key == "IMPORT" && t.attr == "program");
        if (contains(t.value, "daxdev-reconfigure@"))
            return "starts daxdev-reconfigure@.service (daxctl reconfigure-device --check-config) "
                   "for each new dax device, which applies /etc/daxctl.conf.d";
        if (program && contains(t.value, "daxctl"))
            return "runs daxctl for each new dax device (" + t.value +
                   "), which applies /etc/daxctl.conf.d: system-ram and onlining";
        if (program && contains(t.value, "chmem"))
            return "runs chmem, which onlines memory (" + t.value + ")";
        if (!memory || !assigns)
            continue;
        if (t.key == "ATTR" && t.attr == "state") {
            if (is_online_state(t.value))
                return "sets the state of memory blocks to " + t.value;
            if (contains(t.value, "$env{") || contains(t.value, "%E{") ||
                contains(t.value, "$attr{"))
                return "sets the state of memory blocks to " + t.value +
                       " (online or online_movable)";
        }
        if (program && contains(t.value, "online") && contains(t.value, "state"))
            return "writes online to memory blocks' state (" + t.value + ")";
    }
    return "";
}

struct OnliningRule {
    int line = 0;
    std::string reason;
};

std::vector<OnliningRule> onlining_rules(const std::string& text) {
    std::vector<OnliningRule> found;
    std::string guard_label;  // set while a SUBSYSTEM!="memory" GOTO skips everything but memory
    for (const RuleLine& rule : parse_rules(text)) {
        for (const RuleToken& t : rule.tokens)
            if (t.key == "LABEL" && t.value == guard_label)
                guard_label.clear();
        std::string reason = onlining_reason(rule, !guard_label.empty());
        if (!reason.empty())
            found.push_back({rule.line, reason});
        bool not_memory = false;
        std::string target;
        for (const RuleToken& t : rule.tokens) {
            if (t.key == "SUBSYSTEM" && t.op == "!=" && matches_word(t, "memory"))
                not_memory = true;
            if (t.key == "GOTO")
                target = t.value;
        }
        if (not_memory && !target.empty())
            guard_label = target;
    }
    return found;
}

struct RuleFile {
    std::string dir;   // one of kRuleDirs
    std::string path;  // dir + "/" + name
    bool vendor = false;
};

bool is_srmd_mask(const std::string& text) {
    return text.rfind(kMaskMarker, 0) == 0;
}

// The text of a rules file, or nullopt for a mask (a link to /dev/null) or an unreadable file.
std::optional<std::string> rule_text(const RootReader& reader, const std::string& path) {
    try {
        std::optional<std::string> target = reader.read_link(path);
        if (target && *target == "/dev/null")
            return std::nullopt;
        std::string resolved = reader.canonical(path);
        if (reader.kind(resolved) != RootReader::Kind::File)
            return std::nullopt;
        return reader.read(resolved);
    } catch (const ReadError&) {
        return std::nullopt;
    }
}

void find_udev_actors(const RootReader& reader, std::vector<CompetingActor>& actors) {
    std::map<std::string, std::vector<RuleFile>> by_name;  // sorted by name, as udev reads them
    std::set<std::string> seen_dirs;
    for (const char* dir : kRuleDirs) {
        if (!reader.is_dir(dir))
            continue;
        std::string real = reader.canonical(dir);
        if (!seen_dirs.insert(real).second)
            continue;
        bool vendor =
            std::string(dir) != "/etc/udev/rules.d" && std::string(dir) != kRuntimeRulesDir;
        for (const std::string& name : reader.list_optional(dir))
            if (ends_with(name, ".rules"))
                by_name[name].push_back({dir, std::string(dir) + "/" + name, vendor});
    }

    for (const auto& [name, files] : by_name) {
        const RuleFile& effective = files.front();
        std::optional<std::string> text = rule_text(reader, effective.path);
        bool srmd_mask = effective.dir == kRuntimeRulesDir && text && is_srmd_mask(*text);
        if (srmd_mask) {
            // What the mask shadows: the next file of that name.
            bool shadows = false;
            if (files.size() > 1) {
                const RuleFile& original = files[1];
                if (std::optional<std::string> shadowed = rule_text(reader, original.path)) {
                    for (const OnliningRule& rule : onlining_rules(*shadowed)) {
                        shadows = true;
                        actors.push_back({ActorKind::UdevRule, original.path, rule.line,
                                          rule.reason, "", true, name, true});
                    }
                }
            }
            if (!shadows)
                actors.push_back(
                    {ActorKind::SrmdMask, effective.path, 0,
                     "srmd's mask of " + name + " shadows no rule that onlines memory any more", "",
                     true, name, true});
            continue;
        }
        if (text) {
            for (const OnliningRule& rule : onlining_rules(*text)) {
                std::string what = rule.reason;
                if (!effective.vendor)
                    what += effective.dir == kRuntimeRulesDir
                                ? "; a runtime rule srmd did not write: it leaves it alone"
                                : "; the administrator's rule: srmd leaves it alone";
                actors.push_back({ActorKind::UdevRule, effective.path, rule.line, what, "",
                                  effective.vendor, name, false});
            }
        }
        // A mask of srmd's below an /etc file of the same name shadows nothing.
        for (std::size_t i = 1; i < files.size(); ++i) {
            if (files[i].dir != kRuntimeRulesDir)
                continue;
            std::optional<std::string> below = rule_text(reader, files[i].path);
            if (below && is_srmd_mask(*below))
                actors.push_back(
                    {ActorKind::SrmdMask, files[i].path, 0,
                     "srmd's mask of " + name + " is itself shadowed by " + effective.path, "",
                     true, name, true});
        }
    }
}

// --- daxctl

void find_daxctl_config(const RootReader& reader, std::vector<CompetingActor>& actors) {
    for (const std::string& name : reader.list_optional(kDaxctlConfDir)) {
        if (!ends_with(name, ".conf"))
            continue;
        const std::string path = kDaxctlConfDir + "/" + name;
        std::string text;
        try {
            text = reader.read(reader.canonical(path));
        } catch (const ReadError&) {
            continue;
        }
        // iniparser's shape: [section subsection], "key = value", '#' and ';' comments.
        struct Section {
            int line = 0;
            std::string device;
            std::map<std::string, std::string> keys;
        };
        std::vector<Section> sections;
        bool in_reconfigure = false;
        std::istringstream in(text);
        std::string raw;
        int number = 0;
        while (std::getline(in, raw)) {
            ++number;
            std::string line = trim(raw);
            if (line.empty() || line.front() == '#' || line.front() == ';')
                continue;
            if (line.front() == '[') {
                std::string inside = trim(line.substr(1, line.find(']') - 1));
                std::string kind = inside.substr(0, inside.find_first_of(" \t"));
                in_reconfigure = kind == "reconfigure-device";
                if (in_reconfigure)
                    sections.push_back(
                        {number, trim(inside.substr(std::min(inside.size(), kind.size()))), {}});
                continue;
            }
            std::size_t eq = line.find('=');
            if (in_reconfigure && eq != std::string::npos)
                sections.back().keys[lower(trim(line.substr(0, eq)))] = trim(line.substr(eq + 1));
        }
        for (const Section& section : sections) {
            auto key = [&](const std::string& k) {
                auto it = section.keys.find(k);
                return it == section.keys.end() ? std::string() : it->second;
            };
            if (key("mode") != "system-ram")
                continue;
            std::string which =
                key("nvdimm.uuid").empty() ? section.device : "nvdimm.uuid " + key("nvdimm.uuid");
            std::string online = lower(key("online"));
            std::string what = "asks daxctl to make " + which + " system-ram";
            if (online != "false" && online != "0")
                what += std::string(" and online it") +
                        (lower(key("movable")) == "false" ? " into ZONE_NORMAL" : " movable");
            what += "; acts only through the udev rule that runs daxctl";
            actors.push_back(
                {ActorKind::DaxctlConfig, path, section.line, what, "", false, "", false});
        }
    }
}

void find_daxctl_service(const RootReader& reader, std::vector<CompetingActor>& actors) {
    for (const char* dir : kUnitDirs) {
        const std::string path = std::string(dir) + "/" + kDaxctlService;
        if (reader.kind(path) == RootReader::Kind::Missing)
            continue;
        std::optional<std::string> target = reader.read_link(path);
        if (target && *target == "/dev/null")
            return;  // masked
        actors.push_back({ActorKind::DaxctlService, path, 0,
                          "reconfigures a dax device per /etc/daxctl.conf.d when a udev rule "
                          "starts it; acts only through that rule",
                          "", false, "", false});
        return;
    }
}

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

// Writes `content` to a file below the root through a temporary file and a rename, so that udev
// never reads half a file and a crash leaves the old file or the new one.
bool write_file_atomically(const std::string& root, const std::string& path,
                           const std::string& content, ControlOutcome& outcome) {
    const std::string host = root + path;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(host).parent_path(), ec);
    if (ec) {
        outcome.errors.push_back(path + ": " + ec.message());
        return false;
    }
    const std::string temporary = host + ".srmd-new";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        outcome.errors.push_back(path + ": " + std::strerror(errno));
        return false;
    }
    ssize_t n = ::write(fd, content.data(), content.size());
    int error = n < 0 ? errno : (static_cast<std::size_t>(n) != content.size() ? EIO : 0);
    if (::fsync(fd) != 0 && error == 0)
        error = errno;
    if (::close(fd) != 0 && error == 0)
        error = errno;
    if (error == 0 && ::rename(temporary.c_str(), host.c_str()) != 0)
        error = errno;
    if (error != 0) {
        ::unlink(temporary.c_str());
        outcome.errors.push_back(path + ": " + std::strerror(error));
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
            } catch (const ReadError&) {
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
        } catch (const ReadError&) {
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
