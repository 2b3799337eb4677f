// The Prometheus text-format file srmd writes after every pass for node_exporter's textfile
// collector (srmd(8), METRICS): per range its size, online bytes and whether it is what its rule
// wants, labelled with who owns it and what is wrong; per pass its duration and steps; and totals
// since srmd started. No tool exports CXL or Soft Reserved state per range otherwise, so this is
// what a fleet's dashboards and alerts are built on.
//
// Pure: the text is made from the pass's picture; the service stage writes it (atomically).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/policy.hpp"
#include "publish/pass-json.hpp"
#include "read/snapshot.hpp"

namespace srmd {

// What srmd counts from start: the counters of the file (names ending in _total).
struct MetricsTotals {
    std::uint64_t passes = 0;
    std::uint64_t read_errors = 0;   // passes that could not read the machine
    std::uint64_t failed_steps = 0;  // steps that did not succeed, rollbacks included
    std::uint64_t degraded = 0;      // range executions that left a range degraded
    std::map<std::pair<std::string, std::string>, std::uint64_t> steps;  // (action, result)
};

// Adds a pass to the totals: its steps, by action and result, and its failures.
void count_pass(MetricsTotals& totals, const PassSummary& pass);

// A label value as the exposition format wants it between double quotes: backslash, double quote
// and line feed escaped (\\, \", \n); every other byte as it is.
std::string escape_label_value(std::string_view value);

// The whole file. `ranges` are the pass's Ranges (the last ones read when the pass could not
// read the machine), `snapshot` the picture they come from (for the block size and the policy
// match) or nullptr when there is none yet. Ranges appear in the order given; a range no rule
// matches counts as converged, as on the bus.
std::string metrics_text(const std::vector<Range>& ranges, const Snapshot* snapshot,
                         const Policy& policy, const PassSummary& pass,
                         const MetricsTotals& totals);

}  // namespace srmd
