#include "cli/options.hpp"

namespace srmctl {

namespace {

// getopt_long's code for the option at index i of the command's list; -h and --help are 'h'.
constexpr int kFirstOption = 256;

// "--root" and "--root=/x" spell --root; "--ro" does not.
bool spelled_in_full(const std::string& word, const char* name) {
    std::string full = std::string("--") + name;
    return word == full || word.rfind(full + "=", 0) == 0;
}

}  // namespace

OptionReader::OptionReader(const Args& args, const std::vector<OptionName>& options) {
    words_.push_back("srmctl");
    words_.insert(words_.end(), args.begin(), args.end());
    for (std::string& word : words_)
        argv_.push_back(word.data());
    argv_.push_back(nullptr);
    for (std::size_t i = 0; i < options.size(); ++i)
        options_.push_back({options[i].name,
                            options[i].takes_value ? required_argument : no_argument, nullptr,
                            kFirstOption + static_cast<int>(i)});
    options_.push_back({"help", no_argument, nullptr, 'h'});
    options_.push_back({nullptr, 0, nullptr, 0});
    optind = 0;  // start afresh
    opterr = 0;  // the commands say what is wrong
}

bool OptionReader::next(Found& found) {
    if (done_)
        return false;
    found = Found{};
    int argc = static_cast<int>(words_.size());
    // "-" first in the option string: every word in order, none moved, so the word getopt_long
    // reads now is the one at optind.
    int at = optind == 0 ? 1 : optind;
    int code = getopt_long(argc, argv_.data(), "-:h", options_.data(), nullptr);
    if (code == -1) {
        done_ = true;
        if (at >= argc || words_[at] != "--")
            return false;
        code = '?';  // "--": srmctl never took it
    }
    found.word = words_[at];
    found.index = static_cast<std::size_t>(at - 1);
    if (code == 1)
        return true;  // an argument
    const option* known = nullptr;
    if (code == 'h')
        known = &options_[options_.size() - 2];
    else if (code == ':' && optopt >= kFirstOption)
        known = &options_[static_cast<std::size_t>(optopt - kFirstOption)];
    else if (code >= kFirstOption)
        known = &options_[static_cast<std::size_t>(code - kFirstOption)];
    bool as_written =
        known && (spelled_in_full(found.word, known->name) || (code == 'h' && found.word == "-h"));
    if (!as_written) {
        found.kind = Found::kUnknown;
        done_ = true;
        return true;
    }
    found.kind = Found::kOption;
    found.name = known->name;
    if (known->has_arg == required_argument && code != ':') {
        found.value = optarg;
        found.separate = optind == at + 2;
    }
    return true;
}

bool value_given(const Found& found) {
    return found.value && !(found.separate && found.value->empty());
}

bool has_plain_value(const Found& found) {
    return found.value && !found.value->empty() && !(found.separate && (*found.value)[0] == '-');
}

bool names_option(const Args& args, const char* name) {
    for (const std::string& arg : args)
        if (spelled_in_full(arg, name))
            return true;
    return false;
}

}  // namespace srmctl
