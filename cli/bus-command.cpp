#include "cli/bus-command.hpp"

#include <cstdio>
#include <exception>

namespace srmctl {

std::optional<int> parse_command_line(const Args& args, const std::string& command,
                                      const char* usage, std::size_t max_positional,
                                      CommandLine& line, const OwnOption& own) {
    // --json may come after the mistake: look for it first so that every usage error is JSON.
    for (const std::string& arg : args)
        if (arg == "--json")
            line.bus.json = true;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        std::string error;
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return kExitOk;
        }
        if (take_bus_option(args, i, line.bus, error) || (own && own(args, i, error))) {
            if (!error.empty())
                return report_usage(line.bus, command, error, usage);
            continue;
        }
        if (arg.size() > 1 && arg[0] == '-')
            return report_usage(line.bus, command, "unknown option '" + arg + "'", usage);
        if (line.positional.size() >= max_positional)
            return report_usage(line.bus, command, "unexpected argument '" + arg + "'", usage);
        line.positional.push_back(arg);
    }
    return std::nullopt;
}

int run_on_bus(const BusOptions& options, const std::string& command,
               const std::function<int(const BusClient&)>& body) {
    try {
        BusClient client(options);
        return body(client);
    } catch (const BusFailure& failure) {
        return report_error(options, command, failure.error);
    }
}

std::string field_text(const srmd::Json& object, const char* key) {
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    if (!value || value->is_null())
        return "-";
    if (value->is_string())
        return value->as_string().empty() ? "-" : value->as_string();
    return value->dump();
}

std::uint64_t field_uint(const srmd::Json& object, const char* key) {
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    if (!value || !value->is_number())
        return 0;
    try {
        return value->as_uint();
    } catch (const std::exception&) {
        return 0;  // negative: not a count
    }
}

bool field_bool(const srmd::Json& object, const char* key) {
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    return value && value->is_bool() && value->as_bool();
}

}  // namespace srmctl
