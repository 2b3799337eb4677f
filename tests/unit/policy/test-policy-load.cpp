// Reading policy files: every class of mistake is reported at the line and column where it was
// written, a set with any error is refused whole, and files combine across directories the way
// srmd.policy(5) says.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "policy/policy-load.hpp"
#include "policy/policy-validate.hpp"
#include "policy/policy.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> formatted(const PolicyLoad& load) {
    std::vector<std::string> lines;
    for (const Diagnostic& diagnostic : load.diagnostics)
        lines.push_back(format_diagnostic(diagnostic));
    return lines;
}

// The one diagnostic a text produces; fails the test when there is not exactly one.
std::string only_diagnostic(const std::string& text) {
    PolicyLoad load = parse_policy_text(text, "p.yaml");
    std::vector<std::string> lines = formatted(load);
    EXPECT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
    return lines.empty() ? "" : lines.front();
}

// The text of a file with one rule whose body is `body` (indented by four spaces already).
std::string rule_file(const std::string& body) {
    return "version: 1\nrules:\n  - name: r\n" + body;
}

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path);
    out << text;
}

std::string source_dir(const std::string& relative) {
    const char* base = std::getenv("SRMD_POLICY");
    return std::string(base ? base : "policy") + "/" + relative;
}

TEST(PolicyLoad, VendorDefaultIsOneUnconditionalRule) {
    PolicyLoad load = load_policy_dirs({source_dir("vendor")});
    ASSERT_TRUE(load.policy) << ::testing::PrintToString(formatted(load));
    EXPECT_TRUE(load.diagnostics.empty()) << ::testing::PrintToString(formatted(load));
    ASSERT_EQ(load.policy->rules.size(), 1u);
    const PolicyRule& rule = load.policy->rules[0];
    EXPECT_EQ(rule.label(), "50-default.yaml:" + std::to_string(rule.position.line) + " default");
    EXPECT_TRUE(rule.match.unconditional());
    EXPECT_EQ(rule.owner, PolicyOwner::Kernel);
    EXPECT_EQ(rule.mode, PolicyMode::SystemRam);
    EXPECT_EQ(rule.zone, PolicyZone::Movable);
    EXPECT_FALSE(rule.allow_teardown);
    // It acts only on memory nobody can use: a healthy machine is converged under it.
    EXPECT_EQ(rule.when, PolicyWhen::Unusable);
    EXPECT_FALSE(load.policy->settings.exclusive_onlining);
}

TEST(PolicyLoad, EveryExampleIsCleanAloneAndBesideTheVendorDefault) {
    std::vector<std::string> examples;
    for (const fs::directory_entry& entry : fs::directory_iterator(source_dir("examples")))
        if (entry.path().extension() == ".yaml")
            examples.push_back(entry.path().string());
    ASSERT_GE(examples.size(), 5u);
    for (const std::string& example : examples) {
        PolicyLoad alone = load_policy_files({example});
        EXPECT_TRUE(alone.policy) << example;
        EXPECT_TRUE(alone.diagnostics.empty()) << ::testing::PrintToString(formatted(alone));
    }
    // All of them dropped into /etc beside the vendor file: still no error and no shadowing.
    PolicyLoad together = load_policy_dirs({source_dir("vendor"), source_dir("examples")});
    ASSERT_TRUE(together.policy) << ::testing::PrintToString(formatted(together));
    EXPECT_EQ(together.warnings(), 0) << ::testing::PrintToString(formatted(together));
    EXPECT_TRUE(together.policy->settings.exclusive_onlining);
    EXPECT_EQ(together.policy->rules.back().name, "default");
}

TEST(PolicyLoad, ReadsEveryKey) {
    PolicyLoad load = parse_policy_text(
        "version: 1\n"
        "settings:\n"
        "  exclusive_onlining: true\n"
        "rules:\n"
        "  - name: all-keys\n"
        "    match:\n"
        "      start: 0x2070000000\n"
        "      address: 0x2080000000\n"
        "      min_size: 64G\n"
        "      max_size: 1 TiB\n"
        "      window: \"decoder0.*\"\n"
        "      region: region*\n"
        "      serial: 0x1c2a0000000001\n"
        "      target_node: [2, 3]\n"
        "      kernel_owner: hmem\n"
        "      soft_reserved: true\n"
        "    owner: cxl\n"
        "    mode: system-ram\n"
        "    zone: normal\n"
        "    allow_teardown: true\n"
        "    when: unusable\n"
        "  - name: sizes\n"
        "    match: {min_size: 4096, max_size: 512M}\n"
        "    mode: \"offline\"\n",
        "/etc/srmd/policy.d/10-x.yaml");
    ASSERT_TRUE(load.policy) << ::testing::PrintToString(formatted(load));
    EXPECT_TRUE(load.diagnostics.empty()) << ::testing::PrintToString(formatted(load));
    EXPECT_TRUE(load.policy->settings.exclusive_onlining);
    ASSERT_EQ(load.policy->rules.size(), 2u);
    const PolicyRule& rule = load.policy->rules[0];
    EXPECT_EQ(rule.label(), "10-x.yaml:5 all-keys");
    EXPECT_EQ(rule.file, "/etc/srmd/policy.d/10-x.yaml");
    EXPECT_EQ(rule.position.column, 5);
    EXPECT_EQ(rule.match.start, 0x2070000000u);
    EXPECT_EQ(rule.match.address, 0x2080000000u);
    EXPECT_EQ(rule.match.min_size, 64ull << 30);
    EXPECT_EQ(rule.match.max_size, 1ull << 40);
    EXPECT_EQ(rule.match.window, "decoder0.*");
    EXPECT_EQ(rule.match.region, "region*");
    EXPECT_EQ(rule.match.serials, std::vector<std::uint64_t>{0x1c2a0000000001});
    EXPECT_EQ(rule.match.target_nodes, (std::vector<int>{2, 3}));
    EXPECT_EQ(rule.match.kernel_owner, Owner::Hmem);
    EXPECT_EQ(rule.match.soft_reserved, true);
    EXPECT_EQ(rule.owner, PolicyOwner::Cxl);
    EXPECT_EQ(rule.when, PolicyWhen::Unusable);
    EXPECT_EQ(load.policy->rules[1].when, PolicyWhen::Always);  // the default
    EXPECT_EQ(rule.mode, PolicyMode::SystemRam);
    EXPECT_EQ(rule.zone, PolicyZone::Normal);
    EXPECT_TRUE(rule.allow_teardown);
    const PolicyRule& sizes = load.policy->rules[1];
    EXPECT_EQ(sizes.match.min_size, 4096u);
    EXPECT_EQ(sizes.match.max_size, 512ull << 20);
    EXPECT_EQ(sizes.mode, PolicyMode::Offline);
    EXPECT_EQ(sizes.owner, PolicyOwner::Kernel);  // the default
}

TEST(PolicyLoad, UnknownKeysAtEveryLevel) {
    EXPECT_EQ(only_diagnostic("version: 1\nrule:\n  - name: x\n"),
              "p.yaml:2:1: error: unknown key 'rule' in a policy file (did you mean 'rules'?); "
              "expected version, settings or rules");
    EXPECT_EQ(only_diagnostic("version: 1\nsettings:\n  exclusive: true\n"),
              "p.yaml:3:3: error: unknown key 'exclusive' in settings; expected "
              "exclusive_onlining");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    zones: movable\n")),
              "p.yaml:5:5: error: unknown key 'zones' in a rule (did you mean 'zone'?); expected "
              "name, match, owner, mode, zone, allow_teardown, memmap_on_memory or when");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match:\n      adress: 5\n")),
              "p.yaml:6:7: error: unknown key 'adress' in match (did you mean 'address'?); "
              "expected start, address, min_size, max_size, window, region, serial, "
              "target_node, kernel_owner, soft_reserved or tag");
    // A condition beside the rule's settings, and a setting under match.
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    window: decoder0.0\n")),
              "p.yaml:5:5: error: unknown key 'window' in a rule: 'window' is a condition and "
              "belongs under 'match:'");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {zone: normal}\n")),
              "p.yaml:5:13: error: unknown key 'zone' in match: 'zone' belongs to the rule, not "
              "under 'match:'");
}

TEST(PolicyLoad, DuplicateKeysThatYamlCppWouldSwallow) {
    EXPECT_EQ(only_diagnostic("version: 1\nversion: 1\n"),
              "p.yaml:2:1: error: duplicate key 'version' (first given at 1:1)");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    mode: devdax\n")),
              "p.yaml:5:5: error: duplicate key 'mode' (first given at 4:5)");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {start: 1, start: 2}\n")),
              "p.yaml:5:23: error: duplicate key 'start' (first given at 5:13)");
}

TEST(PolicyLoad, YesNoWhereABooleanIsWanted) {
    EXPECT_EQ(only_diagnostic("version: 1\nsettings:\n  exclusive_onlining: yes\n"),
              "p.yaml:3:23: error: 'exclusive_onlining' is 'yes': write true or false");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    allow_teardown: off\n")),
              "p.yaml:5:21: error: 'allow_teardown' is 'off': write true or false");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    allow_teardown: True\n")),
              "p.yaml:5:21: error: 'allow_teardown' is 'True': write true or false");
    EXPECT_EQ(
        only_diagnostic(
            rule_file("    mode: offline\n    match:\n      soft_reserved: \"true\"\n")),
        "p.yaml:6:22: error: 'soft_reserved' wants true or false without quotes, not the quoted "
        "string \"true\"");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    allow_teardown: 1\n")),
              "p.yaml:5:21: error: 'allow_teardown' wants true or false, not '1'");
}

TEST(PolicyLoad, BooleanWordsWhereAnEnumIsWanted) {
    EXPECT_EQ(only_diagnostic(rule_file("    mode: system-ram\n    zone: no\n")),
              "p.yaml:5:11: error: 'zone' is 'no'; expected movable, normal or auto (YAML 1.1 "
              "reads a plain 'no' as a boolean, so it never names a zone)");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: off\n")),
              "p.yaml:4:11: error: 'mode' is 'off'; expected system-ram, devdax, offline or "
              "ignore (YAML 1.1 reads a plain 'off' as a boolean, so it never names a mode)");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {kernel_owner: yes}\n")),
              "p.yaml:5:27: error: 'kernel_owner' is 'yes'; expected cxl, hmem or none (YAML 1.1 "
              "reads a plain 'yes' as a boolean, so it never names a kernel_owner)");
    // Plain none is a word, not YAML's null: it is kernel_owner's third value.
    PolicyLoad none = parse_policy_text(
        rule_file("    mode: offline\n    match: {kernel_owner: none}\n"), "p.yaml");
    ASSERT_TRUE(none.policy) << ::testing::PrintToString(formatted(none));
    EXPECT_EQ(none.policy->rules[0].match.kernel_owner, Owner::None);
    // Misspelt values get a suggestion; quoted values are fine when they are right.
    EXPECT_EQ(only_diagnostic(rule_file("    mode: \"systemram\"\n")),
              "p.yaml:4:11: error: 'mode' is the quoted string \"systemram\"; expected "
              "system-ram, devdax, offline or ignore (did you mean 'system-ram'?)");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    owner: none\n")),
              "p.yaml:5:12: error: 'owner' is 'none'; expected cxl, hmem or kernel; to leave the "
              "range to no driver, write mode: offline");
}

TEST(PolicyLoad, WrongTypes) {
    EXPECT_EQ(only_diagnostic("version: 1\nrules:\n  name: x\n"),
              "p.yaml:3:3: error: 'rules' is a list of rules (each starting with '- name:'), not "
              "a map");
    EXPECT_EQ(only_diagnostic("version: 1\nrules:\n  - just-a-name\n"),
              "p.yaml:3:5: error: a rule is a map with name, match, owner, mode, ...; not "
              "'just-a-name'");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: [1]\n")),
              "p.yaml:5:12: error: 'match' is a map of conditions, not a list");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {start: \"0x1000\"}\n")),
              "p.yaml:5:20: error: 'start' wants a number without quotes, not the quoted string "
              "\"0x1000\"");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {start: 0x12g4}\n")),
              "p.yaml:5:20: error: 'start' wants a number (decimal or 0x hex), not '0x12g4'");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {start: 010}\n")),
              "p.yaml:5:20: error: 'start' is '010': a leading 0 reads as octal in YAML 1.1; "
              "write it without the 0, or in hex with 0x");
    EXPECT_EQ(
        only_diagnostic(rule_file("    mode: ignore\n    match: {address: 0x10000000000000000}\n")),
        "p.yaml:5:22: error: 'address' is '0x10000000000000000', which does not fit in 64 bits");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {min_size: 64GB}\n")),
              "p.yaml:5:23: error: 'min_size' is '64GB': a size is a number of bytes, or a "
              "number with K, M, G or T (or KiB, MiB, GiB, TiB), all binary units");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {max_size: 17179869184T}\n")),
              "p.yaml:5:23: error: 'max_size' is '17179869184T', which does not fit in 64 bits");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {target_node: [1, -2]}\n")),
              "p.yaml:5:30: error: 'target_node' must not be negative");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {serial: []}\n")),
              "p.yaml:5:21: error: 'serial' is an empty list, which matches no range");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {region: [a, b]}\n")),
              "p.yaml:5:21: error: 'region' wants a region name or glob, not a list");
    // A key with no value points at the key, not at whatever follows.
    EXPECT_EQ(only_diagnostic(rule_file("    mode:\n")),
              "p.yaml:4:5: error: 'mode' wants one of system-ram, devdax, offline or ignore, not "
              "nothing");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    name: [x]\n")),
              "p.yaml:5:5: error: duplicate key 'name' (first given at 3:5)");
    EXPECT_EQ(only_diagnostic("version: 1\nrules:\n  - name: two words\n    mode: ignore\n"),
              "p.yaml:3:11: error: rule name 'two words' has spaces or control characters; use "
              "letters, digits and dashes");
}

TEST(PolicyLoad, RequiredKeysAndTheFileAsAWhole) {
    EXPECT_EQ(only_diagnostic("rules: []\n"),
              "p.yaml:1:1: error: missing 'version: 1': every policy file says which format it "
              "is written in");
    EXPECT_EQ(only_diagnostic("version: 2\nrules: {}\n"),
              "p.yaml:1:10: error: unsupported policy version 2: this srmd reads version 1");
    EXPECT_EQ(only_diagnostic("version: \"1\"\n"),
              "p.yaml:1:10: error: 'version' wants a number without quotes, not the quoted "
              "string \"1\"");
    EXPECT_EQ(only_diagnostic("# only a comment\n"),
              "p.yaml:1:1: error: the file holds no policy: start it with 'version: 1'");
    EXPECT_EQ(only_diagnostic("- version: 1\n"),
              "p.yaml:1:1: error: a policy file is a map with version, settings and rules, not "
              "a list");
    EXPECT_EQ(only_diagnostic("version: 1\nrules:\n  - mode: ignore\n"),
              "p.yaml:3:5: error: this rule has no 'name': every rule needs one, unique in the "
              "set");
    EXPECT_EQ(only_diagnostic("version: 1\nrules:\n  - name: x\n"),
              "p.yaml:3:5: error: rule 'x' has no 'mode': say what the range should become "
              "(system-ram, devdax, offline or ignore)");
    // Settings alone and an empty rule list are fine.
    EXPECT_TRUE(parse_policy_text("version: 1\nrules: []\n", "p.yaml").diagnostics.empty());
}

TEST(PolicyLoad, YamlFeaturesAPolicyHasNoUseFor) {
    EXPECT_EQ(
        only_diagnostic("version: 1\nrules:\n  - name: x\n    mode: ignore\n---\nversion: 1\n"),
        "p.yaml:5:1: error: a policy file holds one YAML document; this is a second one "
        "(after '---')");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: &m ignore\n")),
              "p.yaml:4:11: error: anchors (&m) are not supported in policy files: write each "
              "rule out");
    std::vector<std::string> alias = formatted(parse_policy_text(
        "version: 1\nrules:\n  - name: x\n    mode: &m ignore\n  - name: y\n    mode: *m\n",
        "p.yaml"));
    ASSERT_EQ(alias.size(), 3u) << ::testing::PrintToString(alias);
    // The alias stands for nothing, so the key it was given to has no value either.
    EXPECT_EQ(alias[1],
              "p.yaml:6:5: error: 'mode' wants one of system-ram, devdax, offline or "
              "ignore, not nothing");
    EXPECT_EQ(alias[2], "p.yaml:6:11: error: aliases (*name) are not supported in policy files");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: !!str ignore\n")),
              "p.yaml:4:11: error: tags (tag:yaml.org,2002:str) are not supported in policy "
              "files");
    // An unquoted glob starting with '*' is an alias to YAML: the message says what to do.
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {window: *}\n")),
              "p.yaml:5:22: error: alias not found after * (a value that starts with '*' must be "
              "quoted: \"*\")");
    // yaml-cpp's own syntax errors, at yaml-cpp's position.
    EXPECT_EQ(only_diagnostic("version: 1\nrules: [\n"),
              "p.yaml:3:1: error: end of sequence flow not found");
    EXPECT_EQ(only_diagnostic("version: 1\n  rules: []\n"), "p.yaml:2:8: error: illegal map value");
}

TEST(PolicyLoad, ImpossibleCombinations) {
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    when: unusable\n")),
              "p.yaml:5:5: error: 'when: unusable' applies only to modes system-ram and devdax "
              "(it makes memory usable and leaves usable memory alone), and rule 'r' has mode "
              "offline");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: devdax\n    when: sometimes\n")),
              "p.yaml:5:11: error: 'when' is 'sometimes'; expected always or unusable");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: devdax\n    zone: movable\n")),
              "p.yaml:5:5: error: 'zone' applies only to mode system-ram, and rule 'r' has mode "
              "devdax");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    match:\n      min_size: 2G\n"
                                        "      max_size: 1G\n")),
              "p.yaml:7:7: error: max_size 1 GiB is smaller than min_size 2 GiB: no range fits "
              "both");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    match:\n      start: 0x2000\n"
                                        "      address: 0x1000\n")),
              "p.yaml:7:7: error: address 0x1000 lies below start 0x2000: no range starting there "
              "contains it");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: offline\n    match:\n      start: 0x0\n"
                                        "      address: 0x40000000\n      max_size: 1G\n")),
              "p.yaml:7:7: error: address 0x40000000 is 1 GiB past start 0x0, beyond max_size 1 "
              "GiB: no range contains both");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: system-ram\n    match: {kernel_owner: none}\n")),
              "p.yaml:4:5: error: rule 'r' matches ranges the kernel gives to no driver "
              "(kernel_owner: none) and keeps the kernel's choice (owner: kernel), so they can "
              "never become system-ram; write owner: cxl or owner: hmem");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    allow_teardown: true\n")),
              "p.yaml:5:5: warning: 'allow_teardown' has no effect with mode ignore: srmd leaves "
              "the range alone");
    EXPECT_EQ(only_diagnostic(rule_file("    mode: ignore\n    match: {max_size: 0}\n")),
              "p.yaml:5:13: warning: max_size 0 matches no range: every range has a size");
    // Taking a range from hmem to CXL is what owner is for: no complaint.
    EXPECT_TRUE(parse_policy_text(rule_file("    match: {kernel_owner: hmem}\n    owner: cxl\n"
                                            "    mode: system-ram\n    allow_teardown: true\n"),
                                  "p.yaml")
                    .diagnostics.empty());
}

// The warning for `later` after `earlier`, or "" when there is none.
std::string shadowing(const std::string& earlier, const std::string& later) {
    std::string text = "version: 1\nrules:\n  - name: first\n    mode: ignore\n" + earlier +
                       "  - name: second\n    mode: ignore\n" + later;
    PolicyLoad load = parse_policy_text(text, "p.yaml");
    EXPECT_EQ(load.errors(), 0) << ::testing::PrintToString(formatted(load));
    std::vector<std::string> lines = formatted(load);
    return lines.empty() ? "" : lines.front();
}

TEST(PolicyLoad, RulesShadowedByAnEarlierRule) {
    EXPECT_EQ(shadowing("", "    match: {window: decoder0.0}\n"),
              "p.yaml:5:5: warning: rule 'second' can never match: rule 'first' at p.yaml:3 "
              "matches every range");
    EXPECT_EQ(shadowing("    match: {}\n", ""),
              "p.yaml:6:5: warning: rule 'second' can never match: rule 'first' at p.yaml:3 "
              "matches every range");
    const std::string narrower =
        "p.yaml:6:5: warning: rule 'second' can never match: rule 'first' at p.yaml:3 matches "
        "every range it does";
    EXPECT_EQ(shadowing("    match: {window: \"*\"}\n", "    match: {window: decoder1.0}\n"),
              narrower);
    EXPECT_EQ(shadowing("    match: {region: \"region*\"}\n",
                        "    match: {region: \"region*\", min_size: 1G}\n"),
              narrower);
    EXPECT_EQ(shadowing("    match: {min_size: 1G, max_size: 1T}\n",
                        "    match: {min_size: 2G, max_size: 512G}\n"),
              narrower);
    EXPECT_EQ(shadowing("    match: {serial: [1, 2, 3]}\n", "    match: {serial: [3, 1]}\n"),
              narrower);
    EXPECT_EQ(shadowing("    match: {target_node: [1, 2]}\n", "    match: {target_node: 2}\n"),
              narrower);
    EXPECT_EQ(shadowing("    match: {kernel_owner: hmem, soft_reserved: true}\n",
                        "    match: {soft_reserved: true, kernel_owner: hmem, window: x}\n"),
              narrower);
    // A range that starts at an address contains it.
    EXPECT_EQ(shadowing("    match: {address: 0x1000}\n", "    match: {start: 0x1000}\n"),
              narrower);
}

TEST(PolicyLoad, RulesThatOnlyLookShadowed) {
    // Each later rule can match a range the earlier one does not.
    EXPECT_EQ(
        shadowing("    match: {window: \"decoder0.*\"}\n", "    match: {window: decoder0.0}\n"),
        "");  // not provable without reasoning about globs: never guessed
    EXPECT_EQ(shadowing("    match: {window: decoder0.0}\n", ""), "");
    EXPECT_EQ(shadowing("    match: {min_size: 2G}\n", "    match: {min_size: 1G}\n"), "");
    EXPECT_EQ(shadowing("    match: {max_size: 1G}\n", "    match: {max_size: 2G}\n"), "");
    EXPECT_EQ(shadowing("    match: {max_size: 1G}\n", "    match: {min_size: 512M}\n"), "");
    EXPECT_EQ(shadowing("    match: {serial: [1, 2]}\n", "    match: {serial: [2, 3]}\n"), "");
    EXPECT_EQ(shadowing("    match: {target_node: 1}\n", "    match: {target_node: [1, 2]}\n"), "");
    EXPECT_EQ(shadowing("    match: {kernel_owner: cxl}\n", "    match: {kernel_owner: hmem}\n"),
              "");
    EXPECT_EQ(
        shadowing("    match: {soft_reserved: true}\n", "    match: {soft_reserved: false}\n"), "");
    EXPECT_EQ(shadowing("    match: {start: 0x1000}\n", "    match: {address: 0x1000}\n"), "");
    EXPECT_EQ(shadowing("    match: {region: region1}\n", "    match: {window: decoder0.0}\n"), "");
}

TEST(PolicyLoad, ShadowingAndNamesAcrossFiles) {
    PolicyLoad load = load_policy_sources({
        {"/usr/lib/srmd/policy.d/50-default.yaml",
         "version: 1\nrules:\n  - name: default\n    mode: system-ram\n"},
        {"/etc/srmd/policy.d/60-late.yaml",
         "version: 1\nrules:\n  - name: late\n    match: {kernel_owner: cxl}\n    mode: devdax\n"
         "  - name: default\n    mode: offline\n"},
    });
    EXPECT_FALSE(load.policy);
    EXPECT_EQ(formatted(load),
              (std::vector<std::string>{
                  "/etc/srmd/policy.d/60-late.yaml:3:5: warning: rule 'late' can never match: "
                  "rule 'default' at 50-default.yaml:3 matches every range",
                  "/etc/srmd/policy.d/60-late.yaml:6:5: error: rule name 'default' is already "
                  "used by the rule at 50-default.yaml:3",
                  "/etc/srmd/policy.d/60-late.yaml:6:5: warning: rule 'default' can never match: "
                  "rule 'default' at 50-default.yaml:3 matches every range",
              }));
}

TEST(PolicyLoad, ASetWithAnErrorIsRefusedWhole) {
    PolicyLoad load = load_policy_sources({
        {"a.yaml", "version: 1\nrules:\n  - name: fine\n    mode: system-ram\n"},
        {"b.yaml", "version: 1\nrules:\n  - name: broken\n    mode: sytem-ram\n"},
    });
    EXPECT_FALSE(load.policy);
    EXPECT_EQ(load.errors(), 1);
    EXPECT_EQ(load.files, (std::vector<std::string>{"a.yaml", "b.yaml"}));
    // Warnings alone do not refuse it.
    PolicyLoad warned = parse_policy_text(
        "version: 1\nrules:\n  - name: a\n    mode: ignore\n  - name: b\n    mode: ignore\n",
        "w.yaml");
    EXPECT_TRUE(warned.policy);
    EXPECT_EQ(warned.warnings(), 1);
}

TEST(PolicyLoad, LaterFilesOverrideSettingsAndSaySo) {
    PolicyLoad load = load_policy_sources({
        {"/usr/lib/srmd/policy.d/50-default.yaml",
         "version: 1\nsettings:\n  exclusive_onlining: false\n"},
        {"/etc/srmd/policy.d/60-exclusive.yaml",
         "version: 1\nsettings:\n  exclusive_onlining: true\n"},
    });
    ASSERT_TRUE(load.policy);
    EXPECT_TRUE(load.policy->settings.exclusive_onlining);
    EXPECT_EQ(formatted(load),
              std::vector<std::string>{
                  "/etc/srmd/policy.d/60-exclusive.yaml:3:3: note: exclusive_onlining overrides "
                  "the value false set at 50-default.yaml:3:3"});
}

TEST(PolicyLoad, DiagnosticsAreSortedByFileThenPosition) {
    PolicyLoad load = load_policy_sources({
        {"b.yaml", "version: 1\nrules:\n  - name: x\n    mode: no\n    zone: off\n"},
        {"a.yaml", "version: 1\nsettings: {exclusive_onlining: on, x: 1}\n"},
    });
    std::vector<std::string> lines = formatted(load);
    ASSERT_EQ(lines.size(), 4u) << ::testing::PrintToString(lines);
    EXPECT_EQ(lines[0].substr(0, 12), "a.yaml:2:32:");
    EXPECT_EQ(lines[1].substr(0, 12), "a.yaml:2:36:");
    EXPECT_EQ(lines[2].substr(0, 12), "b.yaml:4:11:");
    EXPECT_EQ(lines[3].substr(0, 12), "b.yaml:5:11:");
}

std::string rule_named(const std::string& name, const std::string& mode = "system-ram") {
    return "version: 1\nrules:\n  - name: " + name + "\n    mode: " + mode + "\n";
}

TEST(PolicyLoad, PrecedenceAcrossTwoDirectories) {
    test::TempDir temp;
    fs::path vendor = fs::path(temp.path()) / "usr-lib";
    fs::path local = fs::path(temp.path()) / "etc";
    write_file(vendor / "50-default.yaml", rule_named("vendor-default"));
    write_file(vendor / "20-vendor-only.yaml", rule_named("vendor-only", "devdax"));
    write_file(vendor / "60-masked-by-null.yaml", rule_named("never-1"));
    write_file(vendor / "70-masked-by-empty.yaml", rule_named("never-2"));
    write_file(vendor / "README", "not a policy");
    write_file(vendor / "80-not-yaml.yml", rule_named("never-3"));
    write_file(vendor / ".90-hidden.yaml", rule_named("never-4"));
    write_file(local / "50-default.yaml", rule_named("local-default", "offline"));
    write_file(local / "10-local.yaml", rule_named("local-first", "ignore"));
    write_file(local / "70-masked-by-empty.yaml", "");
    fs::create_symlink("/dev/null", local / "60-masked-by-null.yaml");
    // Masking a name the vendor does not ship is harmless.
    fs::create_symlink("/dev/null", local / "99-nothing.yaml");

    std::vector<Diagnostic> diagnostics;
    std::vector<std::string> files =
        list_policy_files({vendor.string(), local.string()}, {}, diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_EQ(files, (std::vector<std::string>{(local / "10-local.yaml").string(),
                                               (vendor / "20-vendor-only.yaml").string(),
                                               (local / "50-default.yaml").string()}));

    PolicyLoad load = load_policy_dirs({vendor.string(), local.string()});
    ASSERT_TRUE(load.policy) << ::testing::PrintToString(formatted(load));
    std::vector<std::string> names;
    for (const PolicyRule& rule : load.policy->rules)
        names.push_back(rule.name);
    // Sorted by file name across both directories, not directory by directory.
    EXPECT_EQ(names, (std::vector<std::string>{"local-first", "vendor-only", "local-default"}));
    // The unconditional first rule hides the others, and says so.
    EXPECT_EQ(load.warnings(), 2);

    // The directory order decides which one masks: reversed, the vendor file wins.
    PolicyLoad reversed = load_policy_dirs({local.string(), vendor.string()});
    ASSERT_TRUE(reversed.policy);
    EXPECT_EQ(reversed.policy->rules.back().name, "never-2");

    // A file named on the command line joins the set last, masking by name.
    fs::path candidate = fs::path(temp.path()) / "new" / "10-local.yaml";
    write_file(candidate, rule_named("candidate", "devdax"));
    PolicyLoad with_candidate =
        load_policy_dirs({vendor.string(), local.string()}, {candidate.string()});
    ASSERT_TRUE(with_candidate.policy);
    EXPECT_EQ(with_candidate.policy->rules.front().name, "candidate");
}

TEST(PolicyLoad, MissingDirectoriesHoldNothingUnreadableFilesAreErrors) {
    test::TempDir temp;
    PolicyLoad none = load_policy_dirs({temp.path() + "/absent"});
    ASSERT_TRUE(none.policy);
    EXPECT_TRUE(none.policy->rules.empty());
    EXPECT_TRUE(none.diagnostics.empty());

    fs::create_symlink(temp.path() + "/nowhere", fs::path(temp.path()) / "10-dangling.yaml");
    PolicyLoad dangling = load_policy_dirs({temp.path()});
    EXPECT_FALSE(dangling.policy);
    EXPECT_EQ(formatted(dangling),
              std::vector<std::string>{temp.path() + "/10-dangling.yaml: error: cannot "
                                                     "read: No such file or directory"});

    write_file(fs::path(temp.path()) / "file", "x");
    PolicyLoad not_dir = load_policy_dirs({temp.path() + "/file"});
    EXPECT_FALSE(not_dir.policy);
    EXPECT_EQ(formatted(not_dir),
              std::vector<std::string>{temp.path() + "/file: error: not a directory"});
}

// ---- Limits: what a huge or hostile file costs srmd, and what it is told ----

std::string repeated(const std::string& line, int count) {
    std::string text;
    for (int i = 0; i < count; ++i)
        text += line;
    return text;
}

// Rules named r0, r1, ... whose match is `match(i)`.
std::string numbered_rules(int count, const std::function<std::string(int)>& match) {
    std::string text = "version: 1\nrules:\n";
    for (int i = 0; i < count; ++i)
        text += "  - name: r" + std::to_string(i) + "\n    match: {" + match(i) +
                "}\n    mode: ignore\n";
    return text;
}

bool valid_utf8(const std::string& text) {
    for (std::size_t i = 0; i < text.size();) {
        auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 6 ? 2 : (byte >> 4) == 14 ? 3 : 4;
        if (i + length > text.size())
            return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
                return false;
        i += length;
    }
    return true;
}

TEST(PolicyLimits, OnlyTheFirstDiagnosticsAreListedAndTheRestCounted) {
    // One anchor and 5000 aliases to it: an error each. The tree is given up after
    // kMaxYamlErrors, so the aliases are not read as 5000 empty rules on top.
    PolicyLoad load = parse_policy_text(
        "version: 1\nrules:\n  - &a {name: a, mode: ignore}\n" + repeated("  - *a\n", 5000),
        "p.yaml");
    EXPECT_FALSE(load.policy);
    EXPECT_EQ(load.errors(), 5001);
    std::vector<std::string> lines = formatted(load);
    ASSERT_EQ(lines.size(), kDiagnosticsKept + 1);
    EXPECT_EQ(lines.front(),
              "p.yaml:3:5: error: anchors (&a) are not supported in policy files: write each rule "
              "out");
    EXPECT_EQ(lines[1], "p.yaml:4:5: error: aliases (*name) are not supported in policy files");
    EXPECT_EQ(lines.back(),
              "p.yaml: note: and 4951 more not shown (4951 errors, 0 warnings): only the first 50 "
              "diagnostics are listed");

    // Warnings are counted the same way, and do not refuse the set.
    PolicyLoad warned =
        parse_policy_text(numbered_rules(100, [](int) { return std::string(); }), "w.yaml");
    EXPECT_TRUE(warned.policy);
    EXPECT_EQ(warned.warnings(), 99);
    ASSERT_EQ(warned.diagnostics.size(), kDiagnosticsKept + 1);
    EXPECT_EQ(format_diagnostic(warned.diagnostics.back()),
              "w.yaml: note: and 49 more not shown (0 errors, 49 warnings): only the first 50 "
              "diagnostics are listed");
}

TEST(PolicyLimits, LongMessagesAreCutAtACharacterBoundary) {
    std::string mode;
    for (int i = 0; i < 100000; ++i)
        mode += "\xc3\xa9";  // é
    PolicyLoad load = parse_policy_text(rule_file("    mode: \"" + mode + "\"\n"), "p.yaml");
    ASSERT_EQ(load.diagnostics.size(), 1u);
    const std::string& message = load.diagnostics[0].message;
    EXPECT_LE(message.size(), kDiagnosticMessageMax);
    EXPECT_EQ(message.rfind("'mode' is the quoted string \"\xc3\xa9\xc3\xa9", 0), 0u) << message;
    EXPECT_EQ(message.substr(message.size() - 3), "...");
    EXPECT_TRUE(valid_utf8(message));
}

TEST(PolicyLimits, AFileLargerThanTheLimitIsNotRead) {
    test::TempDir temp;
    fs::path path = fs::path(temp.path()) / "10-huge.yaml";
    write_file(path, "version: 1\nrules: []\n" + std::string(kMaxPolicyFileSize, '#') + "\n");
    PolicyLoad load = load_policy_dirs({temp.path()});
    EXPECT_FALSE(load.policy);
    EXPECT_EQ(formatted(load),
              std::vector<std::string>{path.string() +
                                       ": error: larger than 1 MiB: a policy file is a few rules "
                                       "long, and srmd does not read one this large"});
}

TEST(PolicyLimits, ADuplicateAmongManyKeysIsFound) {
    // 20000 keys in one map, the first given again at the end: the duplicate check is a hash
    // lookup per key, not a walk over the keys before it.
    std::string text = "version: 1\nsettings:\n";
    for (int i = 0; i < 20000; ++i)
        text += "  k" + std::to_string(i) + ": true\n";
    text += "  k0: true\n";
    PolicyLoad load = parse_policy_text(text, "p.yaml");
    EXPECT_EQ(load.errors(), 20001);  // every key is unknown, and one is there twice
    ASSERT_FALSE(load.diagnostics.empty());
    EXPECT_EQ(format_diagnostic(load.diagnostics.front()),
              "p.yaml:3:3: error: unknown key 'k0' in settings; expected exclusive_onlining");
    EXPECT_EQ(format_diagnostic(load.diagnostics[kDiagnosticsKept - 1]),
              "p.yaml:20003:3: error: duplicate key 'k0' (first given at 3:3)");
}

TEST(PolicyLimits, ManyRulesWithDistinctStartsAreAllCompared) {
    // 5000 rules with their own start: each is compared with the earlier rules of its start
    // only, so the whole set is checked, and the names through a hash.
    std::string text =
        numbered_rules(5000, [](int i) { return "start: " + std::to_string(i * 4096); });
    text += "  - name: r0\n    match: {start: 4096}\n    mode: ignore\n";
    text += "  - name: late\n    match: {start: 8192, window: decoder0.0}\n    mode: ignore\n";
    PolicyLoad load = parse_policy_text(text, "p.yaml");
    EXPECT_EQ(formatted(load),
              (std::vector<std::string>{
                  "p.yaml:15003:5: error: rule name 'r0' is already used by the rule at p.yaml:3",
                  "p.yaml:15003:5: warning: rule 'r0' can never match: rule 'r1' at p.yaml:6 "
                  "matches every range it does",
                  "p.yaml:15006:5: warning: rule 'late' can never match: rule 'r2' at p.yaml:9 "
                  "matches every range it does",
              }));
}

TEST(PolicyLimits, UnrelatedRulesAreComparedWithinABudget) {
    // Rules that no index separates (each fits one size only) are compared pair by pair, until
    // kShadowCheckBudget is spent; the set is still loaded, and a note says where checking
    // stopped.
    PolicyLoad load =
        parse_policy_text(numbered_rules(1500,
                                         [](int i) {
                                             std::string size = std::to_string(i + 1);
                                             return "min_size: " + size + ", max_size: " + size;
                                         }),
                          "p.yaml");
    ASSERT_TRUE(load.policy);
    EXPECT_EQ(load.policy->rules.size(), 1500u);
    ASSERT_EQ(load.diagnostics.size(), 1u) << ::testing::PrintToString(formatted(load));
    const Diagnostic& note = load.diagnostics[0];
    EXPECT_EQ(note.severity, Severity::Note);
    EXPECT_NE(note.message.find("the set has 1500 rules, too many to compare them all: srmd did "
                                "not check whether rule 'r"),
              std::string::npos)
        << note.message;
}

TEST(PolicyLimits, IndexedShadowingFindsWhatComparingEveryPairFinds) {
    // Small random sets, checked against match_implies over every earlier rule.
    std::mt19937 random(20240611);
    auto pick = [&random](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    for (int round = 0; round < 200; ++round) {
        std::vector<PolicyRule> rules;
        for (int i = 0; i < 12; ++i) {
            PolicyRule rule;
            rule.name = "r" + std::to_string(i);
            rule.file = rule.file_name = "p.yaml";
            rule.position = {i + 1, 1};
            RuleMatch& m = rule.match;
            if (int v = pick(3))
                m.start = static_cast<std::uint64_t>(v) * 0x1000;
            if (int v = pick(4); v < 2)
                m.address = static_cast<std::uint64_t>(v + 1) * 0x1000;
            if (pick(3) == 0)
                m.min_size = static_cast<std::uint64_t>(pick(3));
            if (pick(3) == 0)
                m.window = pick(2) ? "*" : "decoder0.0";
            if (pick(3) == 0) {
                m.serials.emplace();
                for (int k = pick(3); k >= 0; --k)
                    m.serials->push_back(static_cast<std::uint64_t>(pick(4)));
            }
            if (pick(4) == 0)
                m.kernel_owner = pick(2) ? Owner::Cxl : Owner::Hmem;
            rules.push_back(rule);
        }
        std::vector<std::string> expected;
        for (std::size_t i = 0; i < rules.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (match_implies(rules[i].match, rules[j].match)) {
                    expected.push_back(rules[i].name + " by " + rules[j].name);
                    break;
                }
        DiagnosticList diagnostics;
        check_rule_set(rules, diagnostics);
        std::vector<std::string> found;
        for (const Diagnostic& d : diagnostics.release()) {
            std::size_t by = d.message.find("' can never match: rule '");
            ASSERT_NE(by, std::string::npos) << d.message;
            std::string later = d.message.substr(6, by - 6);
            std::string earlier = d.message.substr(by + 25);
            found.push_back(later + " by " + earlier.substr(0, earlier.find('\'')));
        }
        EXPECT_EQ(found, expected) << "round " << round;
    }
}

// A FIFO in a policy directory hung start-up and every reload for ever (open() waits for a
// writer; SIGTERM is blocked for sd-event). It is an error on that file, found at once; a link to
// /dev/null still masks, and a link to a regular file is still read.
TEST(PolicyLoad, AFifoIsAnErrorNotAWaitAndMasksStillWork) {
    test::TempDir temp;
    fs::path dir = fs::path(temp.path()) / "policy.d";
    write_file(dir / "50-default.yaml", rule_named("kept"));
    write_file(fs::path(temp.path()) / "elsewhere.yaml",
               "version: 1\nrules:\n  - name: linked\n    match:\n      window: decoder0.0\n"
               "    mode: devdax\n");
    fs::create_symlink(fs::path(temp.path()) / "elsewhere.yaml", dir / "40-linked.yaml");
    fs::create_symlink("/dev/null", dir / "60-masked.yaml");
    ASSERT_EQ(::mkfifo((dir / "30-fifo.yaml").c_str(), 0600), 0);

    PolicyLoad load = load_policy_dirs({dir.string()});
    EXPECT_FALSE(load.policy);
    EXPECT_EQ(formatted(load), std::vector<std::string>{(dir / "30-fifo.yaml").string() +
                                                        ": error: cannot read: not a regular "
                                                        "file (a FIFO)"});

    fs::remove(dir / "30-fifo.yaml");
    PolicyLoad good = load_policy_dirs({dir.string()});
    ASSERT_TRUE(good.policy) << ::testing::PrintToString(formatted(good));
    ASSERT_EQ(good.policy->rules.size(), 2u);
    EXPECT_EQ(good.policy->rules[0].name, "linked");
    EXPECT_EQ(good.policy->rules[1].name, "kept");
}

// A character device other than /dev/null (it might never end, or block) is refused unread.
TEST(PolicyLoad, ADeviceIsRefusedUnread) {
    test::TempDir temp;
    fs::create_symlink("/dev/zero", fs::path(temp.path()) / "10-zero.yaml");
    PolicyLoad load = load_policy_dirs({temp.path()});
    EXPECT_FALSE(load.policy);
    EXPECT_EQ(formatted(load),
              std::vector<std::string>{temp.path() + "/10-zero.yaml: error: cannot read: not a "
                                                     "regular file (a character device)"});
}

}  // namespace
}  // namespace srmd
