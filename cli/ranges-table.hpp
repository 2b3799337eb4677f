// The readable form of `srmctl simulate`: a short machine header, one row per Range, and each
// Range's problems in words under its row.
#pragma once

#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "read/snapshot.hpp"

namespace srmctl {

std::string ranges_table(const srmd::Snapshot& snapshot, const std::vector<srmd::Range>& ranges);

// Shared with the daemon's table (`srmctl ranges`):
// Columns padded to their widest cell, two spaces apart; after_row[i], if any, printed under row i.
std::string aligned_rows(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<std::string>& after_row = {});
// "  ! code: message", the message wrapped to 100 columns and indented under itself.
std::string problem_lines(const std::string& code, const std::string& message);

}  // namespace srmctl
