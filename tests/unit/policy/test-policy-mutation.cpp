// A bounded, deterministic stand-in for the libFuzzer target (tests/fuzz/fuzz-policy.cpp) that
// runs in every CI build: real policy files, mutated the ways a hand-edited file goes wrong, must
// either load or be refused with diagnostics. No exception may escape, nothing may crash (the
// ASan+UBSan build runs this too), and what is said must hold together: a refused set has an
// error, an accepted one has none, and every position lies inside the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "policy/policy-load.hpp"
#include "policy/policy-match.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

constexpr int mutants_per_seed = 2500;

std::vector<std::string> seed_texts() {
    std::vector<std::string> seeds;
    const char* base = std::getenv("SRMD_POLICY");
    std::string root = base ? base : "policy";
    for (const char* dir : {"/vendor", "/examples"}) {
        std::vector<fs::path> paths;
        for (const fs::directory_entry& entry : fs::directory_iterator(root + dir))
            paths.push_back(entry.path());
        std::sort(paths.begin(), paths.end());
        for (const fs::path& path : paths) {
            std::ifstream in(path);
            std::ostringstream text;
            text << in.rdbuf();
            seeds.push_back(text.str());
        }
    }
    // Every key at once, in flow and block style.
    seeds.push_back(
        "version: 1\nsettings: {exclusive_onlining: true}\nrules:\n"
        "  - {name: a, match: {start: 0x10, address: 0x20, min_size: 1K, max_size: 2T, "
        "window: \"d*\", region: r1, serial: [1, 2], target_node: 3, kernel_owner: none, "
        "soft_reserved: false}, owner: hmem, mode: offline, allow_teardown: true}\n"
        "  - name: b\n    match:\n      kernel_owner: hmem\n    owner: cxl\n    mode: system-ram\n"
        "    zone: auto\n");
    return seeds;
}

// Fragments that hit the loader's corners: YAML syntax, booleans, numbers, sizes, anchors.
const std::string fragments[] = {
    ":",
    "- ",
    " ",
    "\n",
    "\t",
    "{",
    "}",
    "[",
    "]",
    ",",
    "*",
    "&a ",
    "*a",
    "!!",
    "!x ",
    "'",
    "\"",
    "#",
    "---\n",
    "...\n",
    "~",
    "? ",
    "yes",
    "no",
    "off",
    "true",
    "0x",
    "-1",
    "010",
    "1G",
    "GiB",
    "99999999999999999999",
    "null",
    "|\n",
    ">\n",
    "%YAML 1.2\n",
    "\xff",
    std::string("\0", 1),
    "name: x\n",
    "mode: ignore\n",
    "match: {}\n",
    "zone: normal\n",
    "version: 1\n",
};

std::string mutate(const std::string& seed, std::mt19937& random) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < edits; ++i) {
        std::size_t at = text.empty() ? 0 : random() % (text.size() + 1);
        switch (random() % 7) {
            case 0:  // flip a byte
                if (!text.empty())
                    text[at % text.size()] = static_cast<char>(random() % 256);
                break;
            case 1:  // delete a run
                if (!text.empty())
                    text.erase(at % text.size(), 1 + random() % 8);
                break;
            case 2: {  // insert a fragment
                const std::string& fragment = fragments[random() % std::size(fragments)];
                text.insert(at, fragment);
                break;
            }
            case 3: {  // duplicate a line, as a careless paste does
                std::size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
                begin = begin == std::string::npos ? 0 : begin + 1;
                std::size_t end = text.find('\n', begin);
                end = end == std::string::npos ? text.size() : end + 1;
                text.insert(end, text.substr(begin, end - begin));
                break;
            }
            case 4:  // truncate
                text.resize(at);
                break;
            case 5:  // change indentation
                text.insert(at, random() % 2 ? "  " : " ");
                break;
            case 6:  // swap two bytes
                if (text.size() > 1)
                    std::swap(text[at % text.size()], text[random() % text.size()]);
                break;
        }
    }
    return text;
}

int line_count(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// A range for the accepted policies to be matched against.
Range some_range() {
    Range range;
    range.id = "r20";
    range.start = 0x20;
    range.size = 1 << 20;
    range.window = "d0";
    range.kernel_owner = Owner::Hmem;
    range.owner = Owner::Hmem;
    range.dax = {{"dax0.0", "kmem", 1 << 20, 3, {1, 1, Zone::Normal}}};
    range.mode = RangeMode::SystemRam;
    return range;
}

TEST(PolicyMutation, LoaderNeverFailsOtherThanWithDiagnostics) {
    std::vector<std::string> seeds = seed_texts();
    ASSERT_GE(seeds.size(), 7u);
    std::mt19937 random(20261121);
    Snapshot snapshot;
    Range range = some_range();
    int accepted = 0;
    int refused = 0;
    for (const std::string& seed : seeds) {
        // Each seed as it is loads cleanly.
        ASSERT_TRUE(parse_policy_text(seed, "m.yaml").policy) << seed;
        for (int i = 0; i < mutants_per_seed; ++i) {
            std::string text = mutate(seed, random);
            PolicyLoad load;
            try {
                load = parse_policy_text(text, "m.yaml");
            } catch (const std::exception& e) {
                FAIL() << "exception " << e.what() << " on:\n" << text;
            }
            EXPECT_EQ(load.policy.has_value(), load.errors() == 0) << text;
            int lines = line_count(text);
            for (const Diagnostic& diagnostic : load.diagnostics) {
                EXPECT_EQ(diagnostic.file, "m.yaml");
                EXPECT_FALSE(diagnostic.message.empty());
                EXPECT_GE(diagnostic.position.line, 0);
                EXPECT_LE(diagnostic.position.line, lines + 1)
                    << format_diagnostic(diagnostic) << " in:\n"
                    << text;
            }
            if (load.policy) {
                ++accepted;
                for (const PolicyRule& rule : load.policy->rules) {
                    EXPECT_FALSE(rule.name.empty());
                    EXPECT_GE(rule.position.line, 1);
                }
                explain(*load.policy, range, snapshot);
            } else {
                ++refused;
            }
        }
    }
    // Both outcomes were exercised, or the mutations are not doing their job.
    EXPECT_GT(accepted, 100);
    EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace srmd
