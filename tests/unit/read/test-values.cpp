// The sysfs value parsers (strict, naming the file) and the formats srmd prints for people.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "read/sysfs-values.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace {

using srmd::SystemError;

const std::string attr = "/sys/bus/cxl/devices/region0/size";

// The message of the SystemError `parse` throws, or "" when it does not throw one.
template <typename Parse>
std::string error_of(Parse parse) {
    try {
        parse();
    } catch (const SystemError& e) {
        EXPECT_EQ(e.path(), attr);
        EXPECT_EQ(e.error_number(), 0);
        return e.what();
    }
    return "";
}

TEST(ParseHex, WithAndWithoutPrefix) {
    EXPECT_EQ(srmd::parse_hex("8000000", attr), 0x8000000u);        // block_size_bytes
    EXPECT_EQ(srmd::parse_hex("8000000\n", attr), 0x8000000u);      // as read from sysfs
    EXPECT_EQ(srmd::parse_hex("0x150000000", attr), 0x150000000u);  // resource
    EXPECT_EQ(srmd::parse_hex("0X150000000\n", attr), 0x150000000u);
    EXPECT_EQ(srmd::parse_hex("00000207", attr), 0x207u);  // phys_index
    EXPECT_EQ(srmd::parse_hex("0", attr), 0u);
    EXPECT_EQ(srmd::parse_hex("ffffffffffffffff", attr), UINT64_MAX);
    EXPECT_EQ(srmd::parse_hex("0xABCdef", attr), 0xabcdefu);
}

TEST(ParseHex, RejectsWhatIsNotOneHexNumber) {
    EXPECT_EQ(error_of([] { srmd::parse_hex("", attr); }), attr + ": malformed hex number ''");
    EXPECT_EQ(error_of([] { srmd::parse_hex("\n", attr); }), attr + ": malformed hex number ''");
    EXPECT_EQ(error_of([] { srmd::parse_hex("0x", attr); }), attr + ": malformed hex number '0x'");
    EXPECT_EQ(error_of([] { srmd::parse_hex("0x12g", attr); }),
              attr + ": malformed hex number '0x12g'");
    EXPECT_EQ(error_of([] { srmd::parse_hex("10000000000000000", attr); }),
              attr + ": malformed hex number '10000000000000000'");
    EXPECT_EQ(error_of([] { srmd::parse_hex(" 10", attr); }),
              attr + ": malformed hex number ' 10'");
    EXPECT_EQ(error_of([] { srmd::parse_hex("-1", attr); }), attr + ": malformed hex number '-1'");
    EXPECT_EQ(error_of([] { srmd::parse_hex("10\n\n", attr); }),
              attr + ": malformed hex number '10\\n'");
}

TEST(ParseNumber, DecimalHexAndOctalAsStrtoullBase0) {
    EXPECT_EQ(srmd::parse_number("536870912", attr), 536870912u);
    EXPECT_EQ(srmd::parse_number("536870912\n", attr), 536870912u);
    EXPECT_EQ(srmd::parse_number("0x10000000", attr), 0x10000000u);
    EXPECT_EQ(srmd::parse_number("0", attr), 0u);
    EXPECT_EQ(srmd::parse_number("0\n", attr), 0u);
    EXPECT_EQ(srmd::parse_number("18446744073709551615", attr), UINT64_MAX);
    EXPECT_EQ(srmd::parse_number("0xffffffffffffffff", attr), UINT64_MAX);
    EXPECT_EQ(srmd::parse_number("4096 ", attr), 4096u);  // one trailing blank, like a newline
    EXPECT_EQ(srmd::parse_number("010", attr), 8u);  // strtoull's base 0 reads a leading 0 as octal
}

TEST(ParseNumber, StrictAboutEverythingStrtoullWouldForgive) {
    for (const char* text : {"", "12abc", "12  ", " 12", "+12", "-1", "0x", "0xg", "1.5", "08",
                             "18446744073709551616", "0x10000000000000000", "12\n\n"}) {
        SCOPED_TRACE(text);
        std::string what = error_of([&] { srmd::parse_number(text, attr); });
        EXPECT_EQ(what.rfind(attr + ": malformed number '", 0), 0u) << what;
    }
    EXPECT_EQ(error_of([] { srmd::parse_number("12abc\n", attr); }),
              attr + ": malformed number '12abc'");
}

TEST(ParseSigned, NegativeAndPositive) {
    EXPECT_EQ(srmd::parse_signed("-1", attr), -1);
    EXPECT_EQ(srmd::parse_signed("-1\n", attr), -1);
    EXPECT_EQ(srmd::parse_signed("2\n", attr), 2);
    EXPECT_EQ(srmd::parse_signed("-9223372036854775808", attr), INT64_MIN);
    for (const char* text : {"", "-", "+1", "1x", "0x10", "9223372036854775808", " -1"}) {
        SCOPED_TRACE(text);
        std::string what = error_of([&] { srmd::parse_signed(text, attr); });
        EXPECT_EQ(what, attr + ": malformed signed number '" + text + "'");
    }
}

TEST(ParseBool, OnlyZeroOrOne) {
    EXPECT_FALSE(srmd::parse_bool("0", attr));
    EXPECT_TRUE(srmd::parse_bool("1", attr));
    EXPECT_TRUE(srmd::parse_bool("1\n", attr));
    for (const char* text : {"", "2", "true", "Y", "01", "1 1"}) {
        SCOPED_TRACE(text);
        std::string what = error_of([&] { srmd::parse_bool(text, attr); });
        EXPECT_EQ(what, attr + ": malformed boolean (expected 0 or 1) '" + text + "'");
    }
}

TEST(TrailingNumber, NumberAfterTheLastNonDigit) {
    EXPECT_EQ(srmd::trailing_number("memory12"), 12);
    EXPECT_EQ(srmd::trailing_number("memory0"), 0);
    EXPECT_EQ(srmd::trailing_number("hmem.0"), 0);
    EXPECT_EQ(srmd::trailing_number("hmem.17"), 17);
    EXPECT_EQ(srmd::trailing_number("dax1.0"), 0);
    EXPECT_EQ(srmd::trailing_number("decoder0.3"), 3);
    EXPECT_EQ(srmd::trailing_number("region10"), 10);
    EXPECT_EQ(srmd::trailing_number("decoder"), -1);
    EXPECT_EQ(srmd::trailing_number("dax1."), -1);
    EXPECT_EQ(srmd::trailing_number(""), -1);
    EXPECT_EQ(srmd::trailing_number("42"), 42);
    EXPECT_EQ(srmd::trailing_number("memory99999999999999999999999"), -1);  // beyond a long
}

TEST(Format, Hex) {
    EXPECT_EQ(srmd::hex(0x100000000), "0x100000000");
    EXPECT_EQ(srmd::hex(0x2070000000), "0x2070000000");
    EXPECT_EQ(srmd::hex(0), "0x0");
    EXPECT_EQ(srmd::hex(0xabcdef), "0xabcdef");
    EXPECT_EQ(srmd::hex(UINT64_MAX), "0xffffffffffffffff");
}

TEST(Format, HumanSizeExact) {
    EXPECT_EQ(srmd::human_size(0), "0 B");
    EXPECT_EQ(srmd::human_size(512), "512 B");
    EXPECT_EQ(srmd::human_size(1023), "1023 B");
    EXPECT_EQ(srmd::human_size(1024), "1 KiB");
    EXPECT_EQ(srmd::human_size(4096), "4 KiB");
    EXPECT_EQ(srmd::human_size(1536), "1.5 KiB");
    EXPECT_EQ(srmd::human_size(262144000), "250 MiB");
    EXPECT_EQ(srmd::human_size(268435456), "256 MiB");
    EXPECT_EQ(srmd::human_size(1073741824), "1 GiB");
    EXPECT_EQ(srmd::human_size(1610612736), "1.5 GiB");
    EXPECT_EQ(srmd::human_size(1342177280), "1.25 GiB");
    EXPECT_EQ(srmd::human_size(0x4000000000), "256 GiB");
    EXPECT_EQ(srmd::human_size(0x140000000), "5 GiB");
    EXPECT_EQ(srmd::human_size(1ull << 40), "1 TiB");
    EXPECT_EQ(srmd::human_size(1ull << 60), "1 EiB");
}

TEST(Format, HumanSizeRoundsToTwoDecimals) {
    EXPECT_EQ(srmd::human_size(1073741824 + 4096), "1 GiB");  // 1.0000038 GiB
    EXPECT_EQ(srmd::human_size(1431655765), "1.33 GiB");      // 1.3333 GiB
    EXPECT_EQ(srmd::human_size(1789569706), "1.67 GiB");      // 1.6667 GiB
    EXPECT_EQ(srmd::human_size(1073741824ull * 1023 + 1063004406), "1023.99 GiB");
    EXPECT_EQ(srmd::human_size((1ull << 40) - 1), "1 TiB");  // 1023.999... GiB
    EXPECT_EQ(srmd::human_size(UINT64_MAX), "16 EiB");
}

// A value read from a hostile tree reaches the operator's terminal neither raw nor whole.
TEST(Format, QuoteValueEscapesEveryByteThatIsNotPlainText) {
    using srmd::quote_value;
    EXPECT_EQ(quote_value(""), "''");
    EXPECT_EQ(quote_value("online"), "'online'");
    EXPECT_EQ(quote_value("a b~"), "'a b~'");
    EXPECT_EQ(quote_value("10\n"), "'10\\n'");
    EXPECT_EQ(quote_value("\t\r"), "'\\t\\r'");
    EXPECT_EQ(quote_value("\x1b[2J\x1b]0;owned\x07"), "'\\x1b[2J\\x1b]0;owned\\x07'");
    EXPECT_EQ(quote_value(std::string("a\0b", 3)), "'a\\x00b'");
    EXPECT_EQ(quote_value("\x7f\x80\x9b\xff"), "'\\x7f\\x80\\x9b\\xff'");
    EXPECT_EQ(quote_value("it's a \\"), "'it\\'s a \\\\'");
    // UTF-8 is bytes like any other: "é" is two escapes.
    EXPECT_EQ(quote_value("\xc3\xa9"), "'\\xc3\\xa9'");
}

TEST(Format, QuoteValueCutsLongValuesAndSaysHowLong) {
    using srmd::quote_value;
    EXPECT_EQ(quote_value(std::string(200, 'x')), "'" + std::string(200, 'x') + "'");
    EXPECT_EQ(quote_value(std::string(201, 'x')), "'" + std::string(200, 'x') + "'... (201 bytes)");
    std::string huge(50 << 20, '\x1b');
    std::string quoted = quote_value(huge);
    EXPECT_EQ(
        quoted, "'" + [] {
            std::string escapes;
            for (int i = 0; i < 200; ++i)
                escapes += "\\x1b";
            return escapes;
        }() + "'... (52428800 bytes)");
    EXPECT_EQ(quote_value("abcdef", 3), "'abc'... (6 bytes)");
    EXPECT_EQ(quote_value("abc", 0), "''... (3 bytes)");
}

}  // namespace
