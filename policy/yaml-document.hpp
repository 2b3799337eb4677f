// A YAML document as the policy loader needs it: every node with the position it was written at,
// map entries in the order written, and whether a scalar was quoted. yaml-cpp's Node API forgets
// all three (it keeps the last of two equal keys without a word), so the tree is built here from
// yaml-cpp's parser events.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.hpp"

namespace srmd {

struct YamlEntry;

struct YamlNode {
    enum class Kind { Null, Scalar, Sequence, Map };

    Kind kind = Kind::Null;
    SourcePosition position;
    std::string value;  // Scalar
    // Written without quotes. YAML 1.1 gives plain scalars a type (yes is a boolean, 010 octal),
    // so only plain scalars may be read as numbers or booleans, and a plain "no" where a word is
    // wanted is a mistake worth naming.
    bool plain = false;
    std::vector<YamlNode> items;     // Sequence
    std::vector<YamlEntry> entries;  // Map, in document order; keys are unique scalars

    bool is_null() const { return kind == Kind::Null; }
    bool is_scalar() const { return kind == Kind::Scalar; }
    bool is_sequence() const { return kind == Kind::Sequence; }
    bool is_map() const { return kind == Kind::Map; }
};

struct YamlEntry {
    YamlNode key;
    YamlNode value;
};

// Parses `text`, the contents of `file`, as a single YAML document. Problems are added to
// `diagnostics`: syntax errors, a second document, duplicate keys, keys that are not scalars,
// anchors, aliases and explicit tags (none has a use in a policy, and each makes a file harder to
// read). Returns the document, a Null node at 1:1 when the text holds none, or nullopt when a
// syntax error left nothing trustworthy. A returned tree may still come with errors.
//
// Linear in the size of the text: duplicate keys are found through a hash of each map's keys.
// Aliases are never expanded. After kMaxYamlErrors errors in one file the tree is no longer
// built (the rest is only counted) and nullopt is returned: a file of aliases or duplicates
// costs no memory beyond its text.
inline constexpr std::size_t kMaxYamlErrors = 50;
std::optional<YamlNode> parse_yaml_document(std::string_view text, const std::string& file,
                                            DiagnosticList& diagnostics);

// "a map", "a list", "a quoted string", "the plain word 'yes'": what the operator wrote, in words.
std::string describe_node(const YamlNode& node);

}  // namespace srmd
