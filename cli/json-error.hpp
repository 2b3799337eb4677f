// How srmctl reports a failure: on stderr in words, and with --json also as the one JSON document
// on stdout, {"error": {"name", "message"}}, so that scripts never parse words.
#pragma once

#include <exception>
#include <string>

namespace srmctl {

void print_json_error(const std::string& name, const std::string& message);

// A command that reads a tree failed (a file that cannot be read, data that makes no sense):
// "srmctl: message" on stderr, the JSON error named "srmctl.Failed" too with --json. Returns 1.
int report_offline_failure(bool json, const std::exception& error);

}  // namespace srmctl
