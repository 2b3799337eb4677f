// The daemon's Ranges for people, from the JSON it answers with (GetRanges, GetRange): the same
// table `srmctl simulate` prints, with the rule that decides each range and whether the range is
// what the rule wants, and one range in full for `srmctl show`.
#pragma once

#include <string>

#include "util/json.hpp"

namespace srmctl {

// One row per range of the JSON array, narrow enough for 80 columns; under each row its rule,
// window and kernel owner, then its problems. `colour`: status, convergence and problems in
// colour (cli/terminal.hpp decides when).
std::string ranges_table_from_json(const srmd::Json& ranges, bool colour = false);
// Every field of one range, one per line, then its claimants, dax devices, problems and the
// kernel log lines on it ("Kernel log:").
std::string range_details(const srmd::Json& range);

}  // namespace srmctl
