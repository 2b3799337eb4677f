// libFuzzer entry point for the policy loader: any byte string, read as a policy file, must
// either load or be refused with diagnostics, consistently (an accepted set has no error, a
// refused one has at least one). Exceptions escape to libFuzzer, which reports them as it does
// crashes and sanitizer findings. An accepted policy is also matched and explained against a
// range, so that whatever the loader lets through is safe to use.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    srmd::PolicyLoad load = srmd::parse_policy_text(text, "fuzz.yaml");
    if (load.policy.has_value() != (load.errors() == 0)) {
        std::fprintf(stderr, "policy %s with %d errors\n", load.policy ? "accepted" : "refused",
                     load.errors());
        std::abort();
    }
    for (const srmd::Diagnostic& diagnostic : load.diagnostics) {
        if (diagnostic.file != "fuzz.yaml" || diagnostic.message.empty()) {
            std::fprintf(stderr, "malformed diagnostic: %s\n",
                         srmd::format_diagnostic(diagnostic).c_str());
            std::abort();
        }
    }
    if (load.policy) {
        srmd::Snapshot snapshot;
        srmd::Range range;
        range.id = "r100000000";
        range.start = 0x100000000;
        range.size = 1ull << 30;
        range.window = "decoder0.0";
        range.kernel_owner = srmd::Owner::Hmem;
        range.owner = srmd::Owner::Hmem;
        range.dax = {{"dax0.0", "kmem", 1ull << 30, 1, {8, 8, srmd::Zone::Movable}}};
        range.mode = srmd::RangeMode::SystemRam;
        srmd::explain(*load.policy, range, snapshot);
        srmd::PolicyMatch match = srmd::match_policy(*load.policy, range, snapshot);
        if (match.rule)
            srmd::policy_to_json(match.rule).dump();
    }
    return 0;
}
