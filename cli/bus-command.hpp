// The frame every bus command shares: its command line (the bus options anywhere, its own
// options, positional arguments), a connection, and one place where a failure becomes a report
// and an exit status.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/bus-client.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"

namespace srmctl {

struct CommandLine {
    BusOptions bus;
    std::vector<std::string> positional;
};

// The options every bus command takes (BusOptions), as srmctl's own command line has them too.
extern const std::vector<OptionName> kBusOptionNames;

// A command's own options, and what to do with each one found (set `error` when it is
// malformed).
struct OwnOptions {
    std::vector<OptionName> names;
    std::function<void(const Found& found, std::string& error)> take;
};

// Parses `args` for `command`. Returns an exit status when the command should not go on (0 after
// --help, 2 on a usage error, already reported), nullopt otherwise. `max_positional` positional
// arguments are accepted at most.
std::optional<int> parse_command_line(const Args& args, const std::string& command,
                                      const char* usage, std::size_t max_positional,
                                      CommandLine& line, const OwnOptions& own = {});

// Connects and runs `body`; a BusFailure thrown on the way is reported (report_error) and its
// exit status returned.
int run_on_bus(const BusOptions& options, const std::string& command,
               const std::function<int(const BusClient&)>& body);

// A JSON field as text for people: strings as they are, null as "-", others as JSON.
std::string field_text(const srmd::Json& object, const char* key);
// A JSON number field (0 when absent or not a number).
std::uint64_t field_uint(const srmd::Json& object, const char* key);
bool field_bool(const srmd::Json& object, const char* key);

}  // namespace srmctl
