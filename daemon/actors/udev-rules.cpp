#include "actors/udev-rules.hpp"

#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// systemd 252's udev rule directories, highest precedence first. On a merged-/usr system /lib is
// a link to /usr/lib: the same directory is read once.
const char* const kRuleDirs[] = {"/etc/udev/rules.d", "/run/udev/rules.d",
                                 "/usr/local/lib/udev/rules.d", "/usr/lib/udev/rules.d",
                                 "/lib/udev/rules.d"};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool is_online_state(const std::string& value) {
    return value == "online" || value == "online_movable" || value == "online_kernel";
}

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
    for (const std::string& alternative : split(token.value, '|'))
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
    } catch (const SystemError&) {
        return std::nullopt;
    }
}

}  // namespace

bool is_srmd_mask(const std::string& text) {
    return text.rfind(kMaskMarker, 0) == 0;
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
            if (name.ends_with(".rules"))
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

}  // namespace srmd
