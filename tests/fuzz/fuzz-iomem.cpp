// libFuzzer entry point for parse_iomem: any byte string must either parse into a tree that keeps
// every structural promise (tests/support/iomem-invariants.hpp) or be refused with a SystemError.
// Any other exception escapes and libFuzzer reports it, as it does crashes and sanitizer findings.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "iomem-invariants.hpp"
#include "read/iomem.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        srmd::IomemTree tree = srmd::parse_iomem(text, "/proc/iomem");
        std::string problem =
            srmd::testing::iomem_tree_problem(tree, srmd::testing::count_iomem_lines(text));
        if (!problem.empty()) {
            std::fprintf(stderr, "broken iomem tree: %s\n", problem.c_str());
            std::abort();
        }
    } catch (const srmd::SystemError& e) {
        if (std::string_view(e.path()).substr(0, 11) != "/proc/iomem") {
            std::fprintf(stderr, "SystemError without the file's path: %s\n", e.what());
            std::abort();
        }
    }
    return 0;
}
