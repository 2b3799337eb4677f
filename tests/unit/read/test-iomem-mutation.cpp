// A bounded, deterministic stand-in for the libFuzzer target (tests/fuzz) that runs in every CI
// build: real /proc/iomem texts, mutated in the ways a corrupt or hostile file could differ, must
// either parse into a tree that keeps every structural promise or be refused with a SystemError.
// Nothing else may happen: no other exception, no crash (the ASan+UBSan build runs this too).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "iomem-invariants.hpp"
#include "read/iomem.hpp"
#include "util/error.hpp"

namespace {

constexpr int mutants_per_seed = 3000;

// The listing as a reader without CAP_SYS_ADMIN gets it: every address printed as zeros.
std::string zero_addresses(const std::string& text) {
    std::string zeroed = text;
    std::size_t pos = 0;
    while (pos < zeroed.size()) {
        std::size_t newline = zeroed.find('\n', pos);
        if (newline == std::string::npos)
            newline = zeroed.size();
        std::size_t first = zeroed.find_first_not_of(' ', pos);
        std::size_t colon = zeroed.find(" : ", pos);
        if (first < newline && colon < newline) {
            for (std::size_t i = first; i < colon; ++i) {
                if (zeroed[i] != '-')
                    zeroed[i] = '0';
            }
        }
        pos = newline + 1;
    }
    return zeroed;
}

std::vector<std::string> seed_texts() {
    std::vector<std::string> seeds;
    const char* fixtures = std::getenv("SRMD_FIXTURES");
    if (!fixtures) {
        ADD_FAILURE() << "SRMD_FIXTURES is not set; run through meson test";
        return seeds;
    }
    for (const char* tree : {"both", "cxl-no-region", "cxl-pmem-region", "hmem-devdax",
                             "hmem-high-kmem-normal", "hmem-kmem-movable"}) {
        std::string path = std::string(fixtures) + "/kernel-6.1/" + tree + "/proc/iomem";
        std::ifstream in(path);
        if (!in) {
            ADD_FAILURE() << "cannot read " << path;
            continue;
        }
        std::ostringstream text;
        text << in.rdbuf();
        seeds.push_back(text.str());
    }
    // Deeper than the kernel indents, and equal ranges in the order hmem-after-CXL prints them.
    seeds.push_back(
        "850000000-284fffffff : Soft Reserved\n"
        "  850000000-284fffffff : CXL Window 0\n"
        "    850000000-284fffffff : region0\n"
        "      850000000-284fffffff : dax6.0\n"
        "        850000000-284fffffff : System RAM (kmem)\n"
        "2a00000000-2fffffffff : L0\n"
        "  2a10000000-2effffffff : L1\n"
        "    2a20000000-2edfffffff : L2\n"
        "      2a30000000-2ecfffffff : L3\n"
        "        2a40000000-2ebfffffff : L4\n"
        "          2a50000000-2eafffffff : L5\n"
        "          2a60000000-2e9fffffff : L6\n"
        "          2a70000000-2e8fffffff : L7\n");
    return seeds;
}

// Every mutation draws from this engine; std::mt19937_64's output sequence is fixed by the
// standard, and only the raw output is used (distributions differ between libraries), so a
// failure reproduces everywhere.
class Mutator {
  public:
    explicit Mutator(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }

    std::string mutate(std::string text) {
        int steps = 1 + static_cast<int>(below(3));
        for (int i = 0; i < steps; ++i)
            text = mutate_once(std::move(text));
        return text;
    }

  private:
    std::vector<std::string> split(const std::string& text) {
        std::vector<std::string> lines;
        std::size_t pos = 0;
        while (pos <= text.size()) {
            std::size_t newline = text.find('\n', pos);
            if (newline == std::string::npos) {
                lines.push_back(text.substr(pos));
                break;
            }
            lines.push_back(text.substr(pos, newline - pos));
            pos = newline + 1;
        }
        return lines;
    }

    static std::string join(const std::vector<std::string>& lines) {
        std::string text;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            text += lines[i];
            if (i + 1 < lines.size())
                text += '\n';
        }
        return text;
    }

    // Start of a random hex run, or npos.
    std::size_t random_hex_run(const std::string& text) {
        if (text.empty())
            return std::string::npos;
        std::size_t pos = below(text.size());
        std::size_t found = text.find_first_of("0123456789abcdef", pos);
        if (found == std::string::npos)
            found = text.find_first_of("0123456789abcdef");
        while (found != std::string::npos && found > 0 &&
               std::isxdigit(static_cast<unsigned char>(text[found - 1])))
            --found;
        return found;
    }

    std::string mutate_once(std::string text) {
        static const char* const huge[] = {"ffffffffffffffff",
                                           "10000000000000000",
                                           "fffffffffffffffffffffffffffffffffff",
                                           "0000000000000000000000000000000000001",
                                           "7fffffffffffffff",
                                           "0",
                                           ""};
        static const char interesting[] = {' ', ':', '-', '\n', '\0', '\t', '\r', 'f', '0', 'x'};
        switch (below(12)) {
            case 0:  // overwrite a byte with anything
                if (!text.empty())
                    text[below(text.size())] = static_cast<char>(below(256));
                return text;
            case 1:  // flip one bit
                if (!text.empty())
                    text[below(text.size())] ^= static_cast<char>(1u << below(8));
                return text;
            case 2: {  // drop a line
                std::vector<std::string> lines = split(text);
                lines.erase(lines.begin() + static_cast<long>(below(lines.size())));
                return join(lines);
            }
            case 3: {  // duplicate a line somewhere else
                std::vector<std::string> lines = split(text);
                std::string copy = lines[below(lines.size())];
                lines.insert(lines.begin() + static_cast<long>(below(lines.size() + 1)), copy);
                return join(lines);
            }
            case 4: {  // re-indent a line, or every line
                std::vector<std::string> lines = split(text);
                bool all = below(4) == 0;
                std::size_t one = below(lines.size());
                for (std::size_t i = 0; i < lines.size(); ++i) {
                    if (!all && i != one)
                        continue;
                    std::size_t first = lines[i].find_first_not_of(' ');
                    std::string body = first == std::string::npos ? "" : lines[i].substr(first);
                    lines[i] = std::string(below(13), ' ') + body;
                }
                return join(lines);
            }
            case 5:  // truncate
                return text.substr(0, below(text.size() + 1));
            case 6: {  // replace an address with a huge or degenerate number
                std::size_t run = random_hex_run(text);
                if (run == std::string::npos)
                    return text;
                std::size_t end = run;
                while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end])))
                    ++end;
                return text.substr(0, run) + huge[below(std::size(huge))] + text.substr(end);
            }
            case 7: {  // swap two lines
                std::vector<std::string> lines = split(text);
                std::swap(lines[below(lines.size())], lines[below(lines.size())]);
                return join(lines);
            }
            case 8:  // insert a separator-like byte
                text.insert(text.begin() + static_cast<long>(below(text.size() + 1)),
                            interesting[below(sizeof interesting)]);
                return text;
            case 9:  // zero every address, as an unprivileged reader sees them
                return zero_addresses(text);
            case 10: {  // swap start and end on a line
                std::vector<std::string> lines = split(text);
                std::string& line = lines[below(lines.size())];
                std::size_t first = line.find_first_not_of(' ');
                std::size_t dash = line.find('-');
                std::size_t colon = line.find(" : ");
                if (first != std::string::npos && dash != std::string::npos &&
                    colon != std::string::npos && first < dash && dash < colon) {
                    line = line.substr(0, first) + line.substr(dash + 1, colon - dash - 1) + "-" +
                           line.substr(first, dash - first) + line.substr(colon);
                }
                return join(lines);
            }
            default: {  // cut out a stretch of bytes
                if (text.empty())
                    return text;
                std::size_t from = below(text.size());
                return text.erase(from, 1 + below(64));
            }
        }
    }

    std::mt19937_64 engine_;
};

std::string shown(const std::string& text) {
    return text.size() > 2000 ? text.substr(0, 2000) + "\n[...]" : text;
}

TEST(IomemMutation, EveryMutantParsesSoundlyOrIsRefused) {
    const std::string path = "/mutant/proc/iomem";
    std::vector<std::string> seeds = seed_texts();
    ASSERT_EQ(seeds.size(), 7u);
    Mutator mutator(0x5eed10e3);
    int parsed = 0;
    int refused = 0;
    for (const std::string& seed : seeds) {
        for (int i = 0; i < mutants_per_seed; ++i) {
            std::string mutant = mutator.mutate(seed);
            try {
                srmd::IomemTree tree = srmd::parse_iomem(mutant, path);
                std::string problem = srmd::testing::iomem_tree_problem(
                    tree, srmd::testing::count_iomem_lines(mutant));
                ASSERT_EQ(problem, "") << "mutant:\n" << shown(mutant);
                ++parsed;
            } catch (const srmd::SystemError& e) {
                // The error must say where: the file, and the line when one is to blame.
                ASSERT_EQ(e.path().rfind(path, 0), 0u) << e.what();
                ASSERT_EQ(e.error_number(), 0) << e.what();
                ++refused;
            } catch (const std::exception& e) {
                FAIL() << "unexpected " << typeid(e).name() << ": " << e.what() << "\nmutant:\n"
                       << shown(mutant);
            }
        }
    }
    // Both outcomes must be exercised, or the mutations are too weak (or too strong) to test much.
    EXPECT_GT(parsed, static_cast<int>(seeds.size()) * mutants_per_seed / 10);
    EXPECT_GT(refused, static_cast<int>(seeds.size()) * mutants_per_seed / 10);
    std::printf("%d mutants parsed, %d refused\n", parsed, refused);
}

// The zeroing mutation must really produce the unprivileged view, and that view must be refused
// for every seed: it is the one refusal an operator is most likely to meet.
TEST(IomemMutation, ZeroedSeedsAreRefusedAsUnprivileged) {
    for (const std::string& seed : seed_texts()) {
        std::string zeroed = zero_addresses(seed);
        try {
            srmd::parse_iomem(zeroed, "/proc/iomem");
            FAIL() << "accepted:\n" << shown(zeroed);
        } catch (const srmd::SystemError& e) {
            EXPECT_NE(std::string(e.what()).find("CAP_SYS_ADMIN"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
