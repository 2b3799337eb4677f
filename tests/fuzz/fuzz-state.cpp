// libFuzzer entry point for the state file (/var/lib/srmd/state.json). Any byte string goes
// through state_from_text, the path load_state takes, and must either give a state or be refused
// with std::runtime_error, which load_state turns into a warning and a fresh state. Beyond not
// crashing:
//   - a JSON error says "JSON: ... at byte N" with N inside the text;
//   - a document that parses writes back, compact or pretty, to text that parses to the same
//     value, and writing that again gives the same text;
//   - a state that loads, saved and loaded again, is the same state (the saved text is a fixed
//     point).
// A broken promise aborts, and libFuzzer reports it as it does crashes and sanitizer findings.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "service/state-store.hpp"
#include "util/json.hpp"

namespace {

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
    std::abort();
}

void check_json(std::string_view text) {
    srmd::Json json;
    try {
        json = srmd::Json::parse(text);
    } catch (const std::runtime_error& e) {
        std::string_view message = e.what();
        std::size_t at = message.rfind(" at byte ");
        if (message.substr(0, 6) != "JSON: " || at == std::string_view::npos ||
            std::stoull(std::string(message.substr(at + 9))) > text.size())
            broken("malformed JSON error", e.what());
        return;
    }
    for (int indent : {-1, 2}) {
        std::string written = json.dump(indent);
        srmd::Json back = srmd::Json::parse(written);
        if (!(back == json))
            broken("JSON changed through dump and parse", written);
        if (back.dump(indent) != written)
            broken("JSON written differently the second time", written);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    check_json(text);

    srmd::State state;
    try {
        state = srmd::state_from_text(text);
    } catch (const std::runtime_error&) {
        return 0;  // load_state moves the file aside and starts afresh
    }
    std::string saved = srmd::state_to_text(state);
    std::string again;
    try {
        again = srmd::state_to_text(srmd::state_from_text(saved));
    } catch (const std::exception& e) {
        broken("a saved state does not load", std::string(e.what()) + "\n" + saved);
    }
    if (again != saved)
        broken("a state changed through save and load", saved + "\n---\n" + again);
    return 0;
}
