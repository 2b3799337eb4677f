#include "cli/bus-command.hpp"

#include <cstdio>
#include <exception>

namespace srmctl {

namespace {

// Returns false when `found` is no bus option.
bool take_bus_option(const Found& found, BusOptions& options, std::string& error) {
    if (found.is("json")) {
        options.json = true;
    } else if (found.is("no-ask-password")) {
        options.ask_password = false;
    } else if (found.is("address")) {
        if (has_plain_value(found))
            options.address = *found.value;
        else
            error = "--address needs a D-Bus address (unix:path=/run/dbus/system_bus_socket)";
    } else {
        return false;
    }
    return true;
}

}  // namespace

const std::vector<OptionName> kBusOptionNames = {
    {"json", false},
    {"no-ask-password", false},
    {"address", true},
};

std::optional<int> parse_command_line(const Args& args, const std::string& command,
                                      const char* usage, std::size_t max_positional,
                                      CommandLine& line, const OwnOptions& own) {
    // --json may come after the mistake: look for it first so that every usage error is JSON.
    for (const std::string& arg : args)
        if (arg == "--json")
            line.bus.json = true;
    std::vector<OptionName> names = kBusOptionNames;
    names.insert(names.end(), own.names.begin(), own.names.end());
    OptionReader reader(args, names);
    for (Found found; reader.next(found);) {
        std::string error;
        if (found.is("help")) {
            std::fputs(usage, stdout);
            return kExitOk;
        }
        if (found.kind == Found::kUnknown)
            return report_usage(line.bus, command, "unknown option '" + found.word + "'", usage);
        if (found.kind == Found::kArgument) {
            if (line.positional.size() >= max_positional)
                return report_usage(line.bus, command, "unexpected argument '" + found.word + "'",
                                    usage);
            line.positional.push_back(found.word);
            continue;
        }
        if (!take_bus_option(found, line.bus, error))
            own.take(found, error);
        if (!error.empty())
            return report_usage(line.bus, command, error, usage);
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
