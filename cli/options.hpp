// srmctl's command lines, read with getopt_long. Each command names its long options (--help and
// -h it always has) and takes what the reader finds, one thing at a time, in the order written,
// so that the first mistake on a line is the one reported.
//
// srmctl has only ever taken options spelled in full, as --name or --name=VALUE (a value may also
// be the next word), and -h; getopt_long also takes abbreviations ("--ro" for --root), bundled
// short options ("-hx") and "--" as the end of the options. The reader reports those as unknown
// options, so that every command line means what it meant before.
//
// getopt_long keeps its state in globals: one reader at a time.
#pragma once

#include <getopt.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace srmctl {

struct OptionName {
    const char* name;  // "root" for --root
    bool takes_value;
};

// One thing found on a command line.
struct Found {
    enum Kind {
        kOption,    // one of the command's options: `name`
        kArgument,  // a word that is no option: `word`
        kUnknown,   // an option the command does not have, or not as written: `word`
    };
    Kind kind = kArgument;
    std::string name;                  // kOption: "root" for --root, "help" for --help and -h
    std::string word;                  // as written: "--root=/x", "--root", "r40000000"
    std::size_t index = 0;             // where `word` is in the arguments
    std::optional<std::string> value;  // kOption that takes one: nullopt when the line ended first
    bool separate = false;             // the value was the next word, not --name=VALUE

    bool is(const char* option) const { return kind == kOption && name == option; }
};

class OptionReader {
  public:
    OptionReader(const Args& args, const std::vector<OptionName>& options);
    OptionReader(const OptionReader&) = delete;
    OptionReader& operator=(const OptionReader&) = delete;

    // The next thing on the command line. False after the last, and after an unknown option.
    bool next(Found& found);

  private:
    std::vector<std::string> words_;  // getopt's argv: "srmctl", then the arguments
    std::vector<char*> argv_;
    std::vector<option> options_;
    bool done_ = false;
};

// A value that is there and, as the next word, not empty ("--root ''" lacks its directory).
bool value_given(const Found& found);
// A value that is there and is no option: not missing, not empty, and not a next word that starts
// with '-' ("--range --full" lacks its ID).
bool has_plain_value(const Found& found);

// Whether `args` has --NAME or --NAME=VALUE anywhere, before any parsing.
bool names_option(const Args& args, const char* name);

}  // namespace srmctl
