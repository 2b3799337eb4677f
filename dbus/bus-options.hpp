// The a{sv} options argument every srmd method takes. Each method names the keys it knows and
// their types; an unknown key, a key given twice or a value of another type is InvalidArgs, so a
// typo in a script is an error instead of an option silently ignored.
#pragma once

#include <systemd/sd-bus.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace srmd::bus {

struct OptionSpec {
    const char* name;
    const char* type;  // "b" or "as"
};

struct Options {
    std::map<std::string, bool> flags;
    std::map<std::string, std::vector<std::string>> lists;

    std::optional<bool> flag(const std::string& name) const;
    std::optional<std::vector<std::string>> list(const std::string& name) const;
};

// Reads the a{sv} at the message's read position. Throws BusError (InvalidArgs).
Options read_options(sd_bus_message* m, std::initializer_list<OptionSpec> known);

}  // namespace srmd::bus
