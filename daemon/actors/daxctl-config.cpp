#include "actors/daxctl-config.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

namespace {

// systemd 252's unit directories, highest precedence first: the first that holds a unit is the
// one systemd runs.
const char* const kUnitDirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                 "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                 "/lib/systemd/system"};
const std::string kDaxctlConfDir = "/etc/daxctl.conf.d";
const std::string kDaxctlService = "daxdev-reconfigure@.service";

}  // namespace

void find_daxctl_config(const RootReader& reader, std::vector<CompetingActor>& actors) {
    for (const std::string& name : reader.list_optional(kDaxctlConfDir)) {
        if (!name.ends_with(".conf"))
            continue;
        const std::string path = kDaxctlConfDir + "/" + name;
        std::string text;
        try {
            text = reader.read(reader.canonical(path));
        } catch (const SystemError&) {
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

}  // namespace srmd
