#include "dbus/bus-options.hpp"

#include <cstring>

#include "dbus/bus-errors.hpp"

namespace srmd::bus {

namespace {

std::string known_names(std::initializer_list<OptionSpec> known) {
    if (known.size() == 0)
        return "this method takes no options";
    std::string names;
    for (const OptionSpec& spec : known)
        names += std::string(names.empty() ? "" : ", ") + spec.name + " (" + spec.type + ")";
    return "this method takes " + names;
}

std::vector<std::string> read_string_array(sd_bus_message* m) {
    std::vector<std::string> out;
    check_bus(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s"), "options");
    const char* s = nullptr;
    int r;
    while ((r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &s)) > 0)
        out.emplace_back(s);
    check_bus(r, "options");
    check_bus(sd_bus_message_exit_container(m), "options");
    return out;
}

}  // namespace

std::optional<bool> Options::flag(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::nullopt : std::optional<bool>(it->second);
}

std::optional<std::vector<std::string>> Options::list(const std::string& name) const {
    auto it = lists.find(name);
    return it == lists.end() ? std::nullopt : std::optional<std::vector<std::string>>(it->second);
}

Options read_options(sd_bus_message* m, std::initializer_list<OptionSpec> known) {
    Options options;
    check_bus(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}"), "options");
    int r;
    while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
        const char* key = nullptr;
        check_bus(sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &key), "option name");
        const OptionSpec* spec = nullptr;
        for (const OptionSpec& candidate : known)
            if (std::strcmp(candidate.name, key) == 0)
                spec = &candidate;
        if (!spec)
            throw BusError(kErrorInvalidArgs,
                           std::string("unknown option '") + key + "': " + known_names(known));
        if (options.flags.count(key) || options.lists.count(key))
            throw BusError(kErrorInvalidArgs, std::string("option '") + key + "' given twice");

        const char* contents = nullptr;
        check_bus(sd_bus_message_peek_type(m, nullptr, &contents), "option value");
        if (!contents || std::strcmp(contents, spec->type) != 0)
            throw BusError(kErrorInvalidArgs, std::string("option '") + key + "' must be of type " +
                                                  spec->type + ", not " +
                                                  (contents ? contents : "?"));
        check_bus(sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents), "option");
        if (std::strcmp(spec->type, "b") == 0) {
            int value = 0;
            check_bus(sd_bus_message_read_basic(m, SD_BUS_TYPE_BOOLEAN, &value), "option");
            options.flags[key] = value != 0;
        } else {
            options.lists[key] = read_string_array(m);
        }
        check_bus(sd_bus_message_exit_container(m), "option");
        check_bus(sd_bus_message_exit_container(m), "option");
    }
    check_bus(r, "options");
    check_bus(sd_bus_message_exit_container(m), "options");
    return options;
}

}  // namespace srmd::bus
