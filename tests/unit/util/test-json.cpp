#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "util/json.hpp"

using srmd::Json;

namespace {

// The message of the error parse() raises for `text`, or "" if it parses.
std::string parse_error(std::string_view text) {
    try {
        Json::parse(text);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(JsonDump, ScalarsCompact) {
    EXPECT_EQ(Json().dump(), "null");
    EXPECT_EQ(Json(true).dump(), "true");
    EXPECT_EQ(Json(false).dump(), "false");
    EXPECT_EQ(Json(0).dump(), "0");
    EXPECT_EQ(Json(-42).dump(), "-42");
    EXPECT_EQ(Json(1.5).dump(), "1.5");
    EXPECT_EQ(Json("text").dump(), "\"text\"");
    EXPECT_EQ(Json::array().dump(), "[]");
    EXPECT_EQ(Json::object().dump(), "{}");
}

TEST(JsonDump, IntegersAreExactOverTheFull64BitRange) {
    EXPECT_EQ(Json(std::numeric_limits<std::uint64_t>::max()).dump(), "18446744073709551615");
    EXPECT_EQ(Json(std::numeric_limits<std::int64_t>::min()).dump(), "-9223372036854775808");
    // 2^53 + 1 is the first integer a double cannot hold.
    EXPECT_EQ(Json(9007199254740993ULL).dump(), "9007199254740993");
    EXPECT_EQ(Json(0x24fffffffULL).dump(), "9932111871");
}

TEST(JsonDump, NonFiniteDoublesAreNull) {
    EXPECT_EQ(Json(std::numeric_limits<double>::infinity()).dump(), "null");
    EXPECT_EQ(Json(std::numeric_limits<double>::quiet_NaN()).dump(), "null");
}

TEST(JsonDump, ObjectsKeepInsertionOrder) {
    Json o = Json::object();
    o.set("zeta", 1);
    o.set("alpha", 2);
    o.set("mid", Json::array());
    EXPECT_EQ(o.dump(), R"({"zeta":1,"alpha":2,"mid":[]})");
    // Replacing keeps the key where it was.
    o.set("zeta", "again");
    EXPECT_EQ(o.dump(), R"({"zeta":"again","alpha":2,"mid":[]})");
}

TEST(JsonDump, Pretty) {
    Json o = Json::object();
    o.set("a", 1);
    Json list = Json::array();
    list.push(true);
    list.push(nullptr);
    o.set("b", list);
    o.set("c", Json::object());
    o.set("d", Json::array());
    EXPECT_EQ(o.dump(2),
              "{\n"
              "  \"a\": 1,\n"
              "  \"b\": [\n"
              "    true,\n"
              "    null\n"
              "  ],\n"
              "  \"c\": {},\n"
              "  \"d\": []\n"
              "}");
    EXPECT_EQ(Json(3).dump(4), "3");
}

TEST(JsonDump, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(Json("a\"b\\c").dump(), R"("a\"b\\c")");
    EXPECT_EQ(Json("\b\f\n\r\t").dump(), R"("\b\f\n\r\t")");
    EXPECT_EQ(Json(std::string("\x01\x1f", 2)).dump(), R"("\u0001\u001f")");
    EXPECT_EQ(Json(std::string("nul\0byte", 8)).dump(), R"("nul\u0000byte")");
    // '/' and DEL need no escape.
    EXPECT_EQ(Json("a/b\x7f").dump(), "\"a/b\x7f\"");
}

TEST(JsonDump, ValidUtf8PassesThrough) {
    EXPECT_EQ(Json("caf\xc3\xa9").dump(), "\"caf\xc3\xa9\"");            // é
    EXPECT_EQ(Json("\xe2\x82\xac").dump(), "\"\xe2\x82\xac\"");          // €
    EXPECT_EQ(Json("\xf0\x9f\x98\x80").dump(), "\"\xf0\x9f\x98\x80\"");  // U+1F600
    EXPECT_EQ(Json("\xe2\x80\xa8").dump(), "\"\xe2\x80\xa8\"");          // U+2028 is legal JSON
}

TEST(JsonDump, InvalidUtf8BecomesReplacementCharacter) {
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(Json("a\xff"
                   "b")
                  .dump(),
              "\"a" + fffd + "b\"");
    // A truncated sequence, an overlong '/', and an encoded surrogate.
    EXPECT_EQ(Json("\xc3").dump(), "\"" + fffd + "\"");
    EXPECT_EQ(Json("\xc0\xaf").dump(), "\"" + fffd + fffd + "\"");
    EXPECT_EQ(Json("\xed\xa0\x80").dump(), "\"" + fffd + fffd + fffd + "\"");
    // The output is always readable again.
    EXPECT_NO_THROW(Json::parse(Json("x\x80\xfey").dump()));
}

// Since nlohmann-json writes: a truncated sequence is one U+FFFD (Unicode's "maximal subpart"),
// where srmd's own writer gave one per byte. Valid text and the cases above are unchanged.
TEST(JsonDump, TruncatedUtf8SequenceBecomesOneReplacementCharacter) {
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(Json("\xe2\x82").dump(), "\"" + fffd + "\"");
    EXPECT_EQ(Json("\xe2\x82x").dump(), "\"" + fffd + "x\"");
    EXPECT_EQ(Json("\xf0\x9f\x98!").dump(), "\"" + fffd + "!\"");
    // In keys too, and pretty-printed: dump never throws on bad bytes.
    Json o = Json::object();
    o.set("k\xff", "v\xc3");
    EXPECT_EQ(o.dump(1), "{\n \"k" + fffd + "\": \"v" + fffd + "\"\n}");
    EXPECT_NO_THROW(Json::parse(o.dump(2)));
}

// Doubles are written as std::to_chars writes them, the shortest text that reads back the same,
// as srmd always wrote them; nlohmann alone would write "100.0" or "0.0001".
TEST(JsonDump, DoublesKeepTheirShortestText) {
    const std::pair<double, const char*> cases[] = {
        {100.0, "100"},
        {1e5, "1e+05"},
        {123456.0, "123456"},
        {1e15, "1e+15"},
        {1.5e10, "1.5e+10"},
        {0.0001, "1e-04"},
        {0.00012, "0.00012"},
        {-0.0, "0"},  // "-0" would read back as the integer 0 and write as "0"
        {1.0 / 3.0, "0.3333333333333333"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {1.2345678901234567e20, "123456789012345667584"},
        {18446744073709551616.0, "18446744073709551616"},
    };
    for (const auto& [value, text] : cases) {
        EXPECT_EQ(Json(value).dump(), text);
        EXPECT_EQ(Json::parse(text), Json(value)) << text;
    }
    // Among strings that look like the placeholder the writer uses for them, and pretty-printed.
    Json o = Json::object();
    o.set("<discarded>", 1e5);
    o.set("s", "<discarded>\"<");
    Json list = Json::array();
    list.push(100.0);
    list.push("\\");
    list.push(0.5);
    list.push(1e-4);
    o.set("list", list);
    EXPECT_EQ(o.dump(),
              R"({"<discarded>":1e+05,"s":"<discarded>\"<","list":[100,"\\",0.5,1e-04]})");
    EXPECT_EQ(o.dump(2),
              "{\n"
              "  \"<discarded>\": 1e+05,\n"
              "  \"s\": \"<discarded>\\\"<\",\n"
              "  \"list\": [\n"
              "    100,\n"
              "    \"\\\\\",\n"
              "    0.5,\n"
              "    1e-04\n"
              "  ]\n"
              "}");
}

TEST(JsonParse, Scalars) {
    EXPECT_TRUE(Json::parse("null").is_null());
    EXPECT_EQ(Json::parse("true"), Json(true));
    EXPECT_EQ(Json::parse(" false "), Json(false));
    EXPECT_EQ(Json::parse("\"x\"").as_string(), "x");
    EXPECT_EQ(Json::parse("-0").as_int(), 0);
    EXPECT_EQ(Json::parse("1e3").as_double(), 1000.0);
    EXPECT_EQ(Json::parse("-2.5E-1").as_double(), -0.25);
    EXPECT_EQ(Json::parse("\t\r\n 7 \n").as_uint(), 7u);
}

TEST(JsonParse, IntegersAreExact) {
    EXPECT_EQ(Json::parse("18446744073709551615").as_uint(),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(Json::parse("-9223372036854775808").as_int(),
              std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(Json::parse("9007199254740993").as_uint(), 9007199254740993ULL);
    // Beyond 64 bits JSON still allows the number; it becomes a double.
    EXPECT_DOUBLE_EQ(Json::parse("18446744073709551616").as_double(), 18446744073709551616.0);
    EXPECT_THROW(Json::parse("18446744073709551616").as_uint(), std::runtime_error);
}

TEST(JsonParse, Escapes) {
    EXPECT_EQ(Json::parse(R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
    EXPECT_EQ(Json::parse(R"("\u0041\u00e9\u20AC")").as_string(), "A\xc3\xa9\xe2\x82\xac");
    EXPECT_EQ(Json::parse(R"("\ud83d\ude00")").as_string(), "\xf0\x9f\x98\x80");
    EXPECT_EQ(Json::parse(R"("\u0000")").as_string(), std::string(1, '\0'));
    EXPECT_EQ(Json::parse("\"caf\xc3\xa9\"").as_string(), "caf\xc3\xa9");
}

TEST(JsonParse, ObjectsKeepOrderAndFindKeys) {
    Json o = Json::parse(R"( { "b" : 1 , "a" : [ 1 , { } ] } )");
    ASSERT_TRUE(o.is_object());
    ASSERT_EQ(o.as_object().size(), 2u);
    EXPECT_EQ(o.as_object()[0].first, "b");
    EXPECT_EQ(o.as_object()[1].first, "a");
    ASSERT_NE(o.find("a"), nullptr);
    EXPECT_EQ(o.find("a")->as_array().size(), 2u);
    EXPECT_EQ(o.find("missing"), nullptr);
    EXPECT_EQ(Json(1).find("a"), nullptr);
}

TEST(JsonParse, ErrorsGiveTheByteOffset) {
    EXPECT_EQ(parse_error(""), "JSON: expected a value, found end of text at byte 0");
    EXPECT_EQ(parse_error("[1,]"), "JSON: expected a value at byte 3");
    EXPECT_EQ(parse_error("{\"a\":1,}"), "JSON: expected a string key at byte 7");
    EXPECT_EQ(parse_error("{\"a\" 1}"), "JSON: expected ':' at byte 5");
    EXPECT_EQ(parse_error("[1 2]"), "JSON: expected ',' or ']' at byte 3");
    EXPECT_EQ(parse_error("{\"a\":1"), "JSON: expected ',' or '}', found end of text at byte 6");
    EXPECT_EQ(parse_error("1 2"), "JSON: unexpected text after the JSON value at byte 2");
    EXPECT_EQ(parse_error("tru"), "JSON: invalid literal at byte 0");
    EXPECT_EQ(parse_error("[nul]"), "JSON: invalid literal at byte 1");
    EXPECT_EQ(parse_error("\"abc"), "JSON: unterminated string at byte 4");
    EXPECT_EQ(parse_error("\"a\nb\""), "JSON: control character in string at byte 2");
    EXPECT_EQ(parse_error("\"\\x\""), "JSON: invalid escape at byte 1");
    EXPECT_EQ(parse_error("\"\\u12g4\""), "JSON: invalid hex digit in \\u escape at byte 5");
    EXPECT_EQ(parse_error("\"\\ud800\""), "JSON: unpaired high surrogate at byte 1");
    EXPECT_EQ(parse_error("\"\\udc00\""), "JSON: unpaired low surrogate at byte 1");
    EXPECT_EQ(parse_error("\"\xff\""), "JSON: invalid UTF-8 at byte 1");
    EXPECT_EQ(parse_error("{\"k\":1,\"k\":2}"), "JSON: duplicate key \"k\" at byte 7");
    EXPECT_EQ(parse_error("1e999"), "JSON: number out of range at byte 0");
}

// The same messages wherever the problem is, and whichever token nlohmann's lexer was reading.
TEST(JsonParse, ErrorsInContext) {
    EXPECT_EQ(parse_error("[1e-999]"), "JSON: number out of range at byte 1");
    EXPECT_EQ(parse_error("[0e-999, -1e-400]"), "JSON: number out of range at byte 9");
    EXPECT_EQ(parse_error("[01]"), "JSON: leading zero in number at byte 1");
    EXPECT_EQ(parse_error("-01"), "JSON: leading zero in number at byte 0");
    EXPECT_EQ(parse_error("-"), "JSON: expected a digit at byte 1");
    EXPECT_EQ(parse_error("[1.x]"), "JSON: expected a digit after '.' at byte 3");
    EXPECT_EQ(parse_error("1e+"), "JSON: expected a digit in exponent at byte 3");
    EXPECT_EQ(parse_error("[1 tru]"), "JSON: expected ',' or ']' at byte 3");
    EXPECT_EQ(parse_error("{\"k\":1\":}"), "JSON: expected ',' or '}' at byte 6");
    EXPECT_EQ(parse_error("{\"k\" -1}"), "JSON: expected ':' at byte 5");
    EXPECT_EQ(parse_error("{\"k\""), "JSON: expected ':', found end of text at byte 4");
    EXPECT_EQ(parse_error("{\"k\": }"), "JSON: expected a value at byte 6");
    EXPECT_EQ(parse_error("{1:2}"), "JSON: expected a string key at byte 1");
    EXPECT_EQ(parse_error("[\n  1,\n  ]"), "JSON: expected a value at byte 9");
    EXPECT_EQ(parse_error("\"x\" \"y"), "JSON: unexpected text after the JSON value at byte 4");
    EXPECT_EQ(parse_error("\"\\"), "JSON: unterminated string at byte 2");
    EXPECT_EQ(parse_error("\"\\u12\""), "JSON: truncated \\u escape at byte 3");
    EXPECT_EQ(parse_error("\"\\u12\"  "), "JSON: invalid hex digit in \\u escape at byte 5");
    EXPECT_EQ(parse_error("[\"\\ud800\\u0041\"]"), "JSON: unpaired high surrogate at byte 2");
    EXPECT_EQ(parse_error("\"\\ud800\\x\""), "JSON: unpaired high surrogate at byte 1");
    EXPECT_EQ(parse_error("\"\\ud800"), "JSON: unpaired high surrogate at byte 1");
    EXPECT_EQ(parse_error("\"ab\xe2\x82x\""), "JSON: invalid UTF-8 at byte 3");
    EXPECT_EQ(parse_error("\"\xc3\xa9\x80\""), "JSON: invalid UTF-8 at byte 3");
    EXPECT_EQ(parse_error("\"\xed\xa0\x80\""), "JSON: invalid UTF-8 at byte 1");
    EXPECT_EQ(parse_error("{\"\xff\":1}"), "JSON: invalid UTF-8 at byte 2");
    // A byte order mark is not JSON text (nlohmann would skip it).
    EXPECT_EQ(parse_error("\xef\xbb\xbf"
                          "1"),
              "JSON: expected a value at byte 0");
}

// Duplicates are found by a hash set once an object is large, with the offset of the key.
TEST(JsonParse, DuplicateKeysAnywhere) {
    EXPECT_EQ(parse_error(R"({"a":{"b":1,"b":2}})"), "JSON: duplicate key \"b\" at byte 12");
    // The key as JSON writes it.
    EXPECT_EQ(parse_error(R"({"a\"b":1,"a\u0022b":2})"),
              R"(JSON: duplicate key "a\"b" at byte 10)");
    // The same key in different objects is fine.
    EXPECT_NO_THROW(Json::parse(R"([{"a":1},{"a":2,"b":{"a":3}}])"));
    std::string large = "{";
    for (int i = 0; i < 1000; ++i)
        large += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    EXPECT_EQ(Json::parse(large + "\"z\":0}").as_object().size(), 1001u);
    std::size_t offset = large.size();
    EXPECT_EQ(parse_error(large + "\"k999\":0}"),
              "JSON: duplicate key \"k999\" at byte " + std::to_string(offset));
    EXPECT_EQ(parse_error(large + "\"k3\":0}"),
              "JSON: duplicate key \"k3\" at byte " + std::to_string(offset));
}

// A state file with 80k ranges, as service/state-store.cpp writes it: one key per range. Parsing
// is linear (it took 44 s when each key was compared with all before it); the time is printed,
// not asserted.
TEST(JsonParse, LargeStateShapedDocument) {
    constexpr int ranges = 80000;
    std::string text =
        "{\n  \"version\": 1,\n  \"boot_id\": \"7d1c9a0e\",\n  \"passes\": 12,\n"
        "  \"in_progress\": null,\n  \"ranges\": {";
    for (int i = 0; i < ranges; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "r%llx", 0x100000000ULL + 0x10000000ULL * i);
        text += i ? ",\n    \"" : "\n    \"";
        text += id;
        text += "\": {\n      \"failures\": " + std::to_string(i % 3) +
                ",\n      \"retry_after\": 0,\n      \"steps\": [";
        // One range in 16 has a step: enough of the shape, and the test stays quick at -O0.
        if (i % 16 == 15)
            text += "\n        {\"time\": " + std::to_string(1700000000 + i) +
                    ", \"pass\": 3, \"action\": \"online-memory\", \"target\": \"dax" +
                    std::to_string(i) + ".0\", \"reason\": \"rule\", \"result\": \"ok\"}\n      ";
        text += "]\n    }";
    }
    text += "\n  }\n}\n";

    auto start = std::chrono::steady_clock::now();
    Json j = Json::parse(text);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("parsed %d ranges (%zu bytes) in %.3f s\n", ranges, text.size(), took.count());

    ASSERT_TRUE(j.is_object());
    ASSERT_EQ(j.as_object().size(), 5u);
    const Json& all = *j.find("ranges");
    ASSERT_EQ(all.as_object().size(), static_cast<std::size_t>(ranges));
    EXPECT_EQ(all.as_object().front().first, "r100000000");
    EXPECT_EQ(all.as_object().back().first, "r1388f0000000");
    const Json& last = all.as_object().back().second;
    EXPECT_EQ(last.find("failures")->as_int(), (ranges - 1) % 3);
    EXPECT_TRUE(all.as_object().front().second.find("steps")->as_array().empty());
    const Json& step = last.find("steps")->as_array().at(0);
    EXPECT_EQ(step.find("target")->as_string(), "dax79999.0");
    EXPECT_EQ(step.find("time")->as_uint(), 1700000000u + ranges - 1);
    // A duplicate range at the very end is still found.
    std::string twice = text.substr(0, text.size() - 5) + ",\n    \"r100000000\": {}\n  }\n}\n";
    EXPECT_NE(parse_error(twice).find("duplicate key \"r100000000\""), std::string::npos);
}

// append() adds a key without looking for it, for keys known to be new.
TEST(JsonAccess, AppendDoesNotSearch) {
    Json o = Json::object();
    for (int i = 0; i < 3; ++i)
        o.append("k" + std::to_string(i), i);
    EXPECT_EQ(o.dump(), R"({"k0":0,"k1":1,"k2":2})");
    EXPECT_THROW(Json::array().append("k", 1), std::runtime_error);
    o.append("k0", 9);  // the caller's promise broken: written twice, and refused when read
    EXPECT_EQ(parse_error(o.dump()), "JSON: duplicate key \"k0\" at byte 22");
}

TEST(JsonParse, RejectsWhatRfc8259DoesNotAllow) {
    for (const char* text : {"01", "-", "+1", ".5", "1.", "1e", "1e+", "0x10", "NaN", "Infinity",
                             "'a'", "[1,2", "{a:1}", "/* c */ 1",
                             "\xef\xbb\xbf"
                             "1",
                             "\v1", "[1]]", "True"}) {
        EXPECT_NE(parse_error(text), "") << text;
    }
}

TEST(JsonParse, DeepNestingIsAnErrorNotACrash) {
    std::string deep(100000, '[');
    EXPECT_NE(parse_error(deep).find("nesting too deep"), std::string::npos);
    std::string fine = std::string(200, '[') + std::string(200, ']');
    EXPECT_NO_THROW(Json::parse(fine));
}

TEST(JsonRoundTrip, DumpThenParseGivesTheSameValue) {
    Json o = Json::object();
    o.set("max", std::numeric_limits<std::uint64_t>::max());
    o.set("min", std::numeric_limits<std::int64_t>::min());
    o.set("half", 0.5);
    o.set("third", 1.0 / 3.0);
    o.set("text", "tab\there \"quoted\" \x01 caf\xc3\xa9 \xf0\x9f\x98\x80");
    o.set("empty", "");
    Json list = Json::array();
    list.push(nullptr);
    list.push(false);
    list.push(Json::object());
    list.push(Json::array());
    o.set("list", list);
    for (int indent : {-1, 0, 2, 4}) {
        Json back = Json::parse(o.dump(indent));
        EXPECT_EQ(back, o) << o.dump(indent);
        EXPECT_EQ(back.dump(), o.dump());
    }
}

TEST(JsonEquality, NumbersCompareByValue) {
    EXPECT_EQ(Json(5), Json::parse("5"));  // int64 against uint64
    EXPECT_EQ(Json(5), Json(5.0));
    EXPECT_EQ(Json(5u), Json(5LL));
    EXPECT_NE(Json(-1), Json(std::numeric_limits<std::uint64_t>::max()));
    EXPECT_NE(Json(5), Json(5.5));
    // No rounding through double: 2^53 + 1 is not equal to the double 2^53.
    EXPECT_NE(Json(9007199254740993ULL), Json(9007199254740992.0));
    EXPECT_EQ(Json(9007199254740992ULL), Json(9007199254740992.0));
    EXPECT_NE(Json(std::numeric_limits<std::uint64_t>::max()), Json(18446744073709551616.0));
}

TEST(JsonEquality, StructuresAndTypes) {
    EXPECT_NE(Json(1), Json(true));
    EXPECT_NE(Json("1"), Json(1));
    EXPECT_NE(Json(), Json(false));
    EXPECT_EQ(Json::parse("[1,[2,{\"a\":null}]]"), Json::parse("[1, [2, {\"a\": null}]]"));
    EXPECT_NE(Json::parse("[1,2]"), Json::parse("[2,1]"));
    // Key order is part of srmd's contracts, so objects compare in order.
    EXPECT_NE(Json::parse(R"({"a":1,"b":2})"), Json::parse(R"({"b":2,"a":1})"));
    EXPECT_EQ(Json::parse(R"({"a":1,"b":2.0})"), Json::parse(R"({"a":1.0,"b":2})"));
}

TEST(JsonAccess, ConversionsCheckRange) {
    EXPECT_EQ(Json(7).as_uint(), 7u);
    EXPECT_THROW(Json(-7).as_uint(), std::runtime_error);
    EXPECT_THROW(Json(std::numeric_limits<std::uint64_t>::max()).as_int(), std::runtime_error);
    EXPECT_THROW(Json(1.5).as_int(), std::runtime_error);
    EXPECT_EQ(Json(2.0).as_int(), 2);
    EXPECT_THROW(Json("7").as_int(), std::runtime_error);
    EXPECT_THROW(Json(1).set("a", 1), std::runtime_error);
    EXPECT_THROW(Json::object().push(1), std::runtime_error);
    EXPECT_TRUE(Json(1.5).is_number());
    EXPECT_FALSE(Json("1").is_number());
}

namespace srmd {
namespace {

// Found by fuzz-state: -0.0 written as "-0" read back as the integer 0 and was written "0" the
// second time. It is written "0" at once, and equals 0 either way.
TEST(Json, NegativeZeroIsWrittenAsZero) {
    EXPECT_EQ(Json(-0.0).dump(), "0");
    Json parsed = Json::parse("-0.0");
    EXPECT_EQ(parsed.dump(), "0");
    EXPECT_EQ(Json::parse(parsed.dump()).dump(), "0");
    EXPECT_TRUE(parsed == Json(0));
}

}  // namespace
}  // namespace srmd

namespace srmd {
namespace {

// Found by fuzz-state: a duplicate key holding "\u0000" cut the error message at the NUL, and with
// it the byte offset. The key is quoted as JSON writes it.
TEST(Json, ADuplicateKeyWithANulIsQuotedWhole) {
    try {
        Json::parse(R"({"a\u0000b": 1, "a\u0000b": 2})");
        FAIL() << "a duplicate key was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), R"(JSON: duplicate key "a\u0000b" at byte 16)");
    }
}

}  // namespace
}  // namespace srmd
