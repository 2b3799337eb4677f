// `srmctl status`: how the daemon is doing — its state, the policy in force, who else onlines
// memory, and the last reconcile pass. The Manager's properties, read in one GetAll.
#include <ctime>
#include <string>

#include "cli/bus-command.hpp"
#include "cli/commands.hpp"

namespace srmctl {

namespace {

const char status_usage[] =
    "Usage: srmctl status [--json] [--address ADDR]\n"
    "\n"
    "Show srmd's state (converged, not-converged, degraded, unreadable or starting), the policy\n"
    "files in force, the kernel's auto_online_blocks and the other actors that online memory,\n"
    "and the last reconcile pass. With --json, the org.srmd1.Manager properties as an object.\n";

// CompetingActors is a(sssb); as objects, so that a script need not know the struct's order.
srmd::Json actors_as_objects(const srmd::Json& actors) {
    srmd::Json out = srmd::Json::array();
    if (!actors.is_array())
        return out;
    for (const srmd::Json& actor : actors.as_array()) {
        if (!actor.is_array() || actor.as_array().size() != 4)
            continue;
        const auto& a = actor.as_array();
        srmd::Json o = srmd::Json::object();
        o.set("kind", a[0]);
        o.set("where", a[1]);
        o.set("what", a[2]);
        o.set("can_take_over", a[3]);
        out.push(std::move(o));
    }
    return out;
}

std::string local_time(std::uint64_t unix_usec) {
    std::time_t seconds = static_cast<std::time_t>(unix_usec / 1000000);
    std::tm tm{};
    char text[64] = "";
    if (localtime_r(&seconds, &tm))
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z", &tm);
    return text;
}

std::string last_pass_words(const srmd::Json& last) {
    if (!last.is_object() || last.as_object().empty())
        return "none yet";
    std::string words = "pass " + std::to_string(field_uint(last, "number")) + " (" +
                        field_text(last, "trigger") + ") at " +
                        local_time(field_uint(last, "started")) + ", " +
                        std::to_string(field_uint(last, "duration_us") / 1000) + " ms, " +
                        std::to_string(field_uint(last, "events")) + " events, " +
                        std::to_string(field_uint(last, "files")) + " files read\n    " +
                        std::to_string(field_uint(last, "steps")) + " steps, " +
                        std::to_string(field_uint(last, "failed")) + " failed";
    if (field_uint(last, "waiting"))
        words += ", " + std::to_string(field_uint(last, "waiting")) + " ranges waiting to retry";
    if (field_bool(last, "stopped"))
        words += ", stopped between steps";
    words += field_bool(last, "converged") ? "; converged" : "; not converged";
    if (field_text(last, "error") != "-")
        words += "\n    error: " + field_text(last, "error");
    return words;
}

// The BootHook property in words (srmd(8), BOOT HOOK).
std::string boot_hook_words(const std::string& state) {
    if (state == "installed")
        return "installed (/etc/modprobe.d/srmd-kmem.conf: from the next boot on, kmem's memory "
               "comes up offline and srmd onlines it)";
    if (state == "off")
        return "off";
    if (state == "foreign")
        return "/etc/modprobe.d/srmd-kmem.conf is not srmd's (written or edited by someone "
               "else): left as it is";
    if (state == "failed")
        return "failed (/etc/modprobe.d/srmd-kmem.conf could not be changed; see the journal)";
    return state;
}

std::string status_text(const srmd::Json& p) {
    std::string out = "srmd " + field_text(p, "Version");
    if (field_text(p, "Root") != "/" && field_text(p, "Root") != "-")
        out += " on the tree " + field_text(p, "Root") + " (simulated kernel)";
    if (field_bool(p, "DryRun"))
        out += ", dry run: nothing is changed";
    out += "\n";
    out += "State: " + field_text(p, "State") + "\n";

    const srmd::Json* files = p.find("PolicyFiles");
    std::size_t count = files && files->is_array() ? files->as_array().size() : 0;
    out += "Policy: " + std::to_string(count) + (count == 1 ? " file" : " files");
    if (!field_bool(p, "PolicyValid"))
        out += "; the last reload was refused, the previous policy stays";
    out += "\n";
    if (files && files->is_array())
        for (const srmd::Json& file : files->as_array())
            out += "    " + (file.is_string() ? file.as_string() : file.dump()) + "\n";
    out += std::string("Exclusive onlining: ") +
           (field_bool(p, "ExclusiveOnlining") ? "yes (srmd alone onlines memory)" : "no") + "\n";
    out += "auto_online_blocks: " + field_text(p, "AutoOnlineBlocks") + "\n";
    if (p.find("BootHook"))
        out += "Boot hook: " + boot_hook_words(field_text(p, "BootHook")) + "\n";

    srmd::Json actors =
        actors_as_objects(p.find("CompetingActors") ? *p.find("CompetingActors") : srmd::Json());
    out += "Competing actors:" + std::string(actors.as_array().empty() ? " none\n" : "\n");
    for (const srmd::Json& actor : actors.as_array()) {
        out += "    " + field_text(actor, "kind") + " " + field_text(actor, "where") + ": " +
               field_text(actor, "what");
        if (field_bool(actor, "can_take_over"))
            out += " (srmd can take it over)";
        out += "\n";
    }
    const srmd::Json* last = p.find("LastReconcile");
    out += "Last reconcile: " + last_pass_words(last ? *last : srmd::Json()) + "\n";
    return out;
}

}  // namespace

int cmd_status(const Args& args) {
    CommandLine line;
    if (auto done = parse_command_line(args, "status", status_usage, 0, line))
        return *done;
    return run_on_bus(line.bus, "status", [&](const BusClient& client) {
        srmd::Json properties =
            client.get_all(srmd::bus::kManagerPath, srmd::bus::kManagerInterface);
        if (line.bus.json) {
            if (const srmd::Json* actors = properties.find("CompetingActors"))
                properties.set("CompetingActors", actors_as_objects(*actors));
            print_json(properties);
        } else {
            std::fputs(status_text(properties).c_str(), stdout);
        }
        return kExitOk;
    });
}

}  // namespace srmctl
