#include "policy/yaml-document.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <exception>
#include <sstream>
#include <unordered_map>

namespace srmd {

namespace {

SourcePosition position_of(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0 || mark.column < 0)
        return {};
    return {mark.line + 1, mark.column + 1};
}

std::string where(SourcePosition position) {
    return std::to_string(position.line) + ":" + std::to_string(position.column);
}

// Builds the tree from yaml-cpp's events. Collections being filled sit on a stack; a finished
// node is attached to the collection below it, as the next item or as a map's key or value.
class TreeBuilder : public YAML::EventHandler {
  public:
    TreeBuilder(const std::string& file, DiagnosticList& diagnostics)
        : file_(file), diagnostics_(diagnostics) {}

    int documents() const { return documents_; }
    // Too many errors: the tree was given up.
    bool abandoned() const { return errors_ > kMaxYamlErrors; }
    std::optional<YamlNode>& root() { return root_; }

    void OnDocumentStart(const YAML::Mark& mark) override {
        ++documents_;
        if (documents_ == 2)
            error(position_of(mark),
                  "a policy file holds one YAML document; this is a second one (after '---')");
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
        YamlNode node;
        node.position = position_of(mark);
        attach(std::move(node));
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        error(position_of(mark), "aliases (*name) are not supported in policy files");
        YamlNode node;
        node.position = position_of(mark);
        attach(std::move(node));
    }

    void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
        error(position_of(mark),
              "anchors (&" + name + ") are not supported in policy files: write each rule out");
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                  const std::string& value) override {
        YamlNode node;
        node.kind = YamlNode::Kind::Scalar;
        node.position = position_of(mark);
        node.value = value;
        node.plain = tag == "?";
        check_tag(mark, tag);
        attach(std::move(node));
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        check_tag(mark, tag);
        open(YamlNode::Kind::Sequence, mark);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        check_tag(mark, tag);
        open(YamlNode::Kind::Map, mark);
    }
    void OnMapEnd() override { close(); }

  private:
    struct Frame {
        YamlNode node;
        std::optional<YamlNode> key;  // a map's key waiting for its value
        // A map's keys so far, each with its index in node.entries.
        std::unordered_map<std::string, std::size_t> keys;
    };

    void error(SourcePosition position, std::string message) {
        ++errors_;
        diagnostics_.add(file_, position, Severity::Error, std::move(message));
        if (errors_ == kMaxYamlErrors + 1) {
            // Given up: free what was built, keep the frames that the ends still close.
            root_.reset();
            for (Frame& frame : stack_) {
                frame.node.items = {};
                frame.node.entries = {};
                frame.key.reset();
                frame.keys = {};
            }
        }
    }

    void check_tag(const YAML::Mark& mark, const std::string& tag) {
        // "?" is yaml-cpp's mark for a plain node, "!" for a quoted one; anything else was written.
        if (tag != "?" && tag != "!" && !tag.empty())
            error(position_of(mark), "tags (" + tag + ") are not supported in policy files");
    }

    void open(YamlNode::Kind kind, const YAML::Mark& mark) {
        Frame frame;
        frame.node.kind = kind;
        frame.node.position = position_of(mark);
        stack_.push_back(std::move(frame));
    }

    void close() {
        if (stack_.empty())
            return;
        YamlNode node = std::move(stack_.back().node);
        stack_.pop_back();
        attach(std::move(node));
    }

    void attach(YamlNode node) {
        // Only the first document is kept: the second one is already an error. A tree given up
        // keeps nothing either.
        if (documents_ > 1 || abandoned())
            return;
        if (stack_.empty()) {
            root_ = std::move(node);
            return;
        }
        Frame& top = stack_.back();
        if (top.node.kind == YamlNode::Kind::Sequence) {
            top.node.items.push_back(std::move(node));
            return;
        }
        if (!top.key) {
            top.key = std::move(node);
            return;
        }
        YamlNode key = std::move(*top.key);
        top.key.reset();
        if (!key.is_scalar()) {
            error(key.position, "a key must be a plain name, not " + describe_node(key));
            return;
        }
        auto [existing, added] = top.keys.try_emplace(key.value, top.node.entries.size());
        if (!added) {
            // yaml-cpp would silently keep one of the two; which one the operator meant is
            // theirs to say.
            error(key.position, "duplicate key '" + key.value + "' (first given at " +
                                    where(top.node.entries[existing->second].key.position) + ")");
            return;
        }
        top.node.entries.push_back(YamlEntry{std::move(key), std::move(node)});
    }

    const std::string& file_;
    DiagnosticList& diagnostics_;
    std::vector<Frame> stack_;
    std::optional<YamlNode> root_;
    int documents_ = 0;
    std::size_t errors_ = 0;
};

}  // namespace

std::optional<YamlNode> parse_yaml_document(std::string_view text, const std::string& file,
                                            DiagnosticList& diagnostics) {
    std::istringstream in{std::string(text)};
    TreeBuilder builder(file, diagnostics);
    try {
        YAML::Parser parser(in);
        while (builder.documents() < 2 && parser.HandleNextDocument(builder)) {
        }
    } catch (const YAML::Exception& e) {
        std::string message = e.msg;
        // A glob such as `window: *` reads as an alias to YAML; say what to write instead.
        if (message.find("alias not found") != std::string::npos)
            message += " (a value that starts with '*' must be quoted: \"*\")";
        diagnostics.add(file, position_of(e.mark), Severity::Error, message);
        return std::nullopt;
    } catch (const std::exception& e) {
        diagnostics.add(file, {}, Severity::Error, std::string("cannot parse: ") + e.what());
        return std::nullopt;
    }
    if (builder.abandoned())
        return std::nullopt;
    if (!builder.root()) {
        YamlNode empty;
        empty.position = {1, 1};
        return empty;
    }
    return std::move(builder.root());
}

std::string describe_node(const YamlNode& node) {
    switch (node.kind) {
        case YamlNode::Kind::Null:
            return "nothing";
        case YamlNode::Kind::Sequence:
            return "a list";
        case YamlNode::Kind::Map:
            return "a map";
        case YamlNode::Kind::Scalar:
            break;
    }
    if (node.plain)
        return "'" + node.value + "'";
    return "the quoted string \"" + node.value + "\"";
}

}  // namespace srmd
