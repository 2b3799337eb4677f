// The Dynamic Capacity ABI adapter (read/dcd-abi.hpp): dynamic region modes, the tag as srmd keeps
// it, and the cxl_dynamic_capacity trace line as the tracepoint prints it.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "read/dcd-abi.hpp"

namespace {

using srmd::dcd_abi::DcTraceEvent;
using srmd::dcd_abi::is_dynamic_mode;
using srmd::dcd_abi::normal_tag;
using srmd::dcd_abi::parse_trace_line;

const std::string kTag = "5be13bce-ae34-4a77-b6c3-16df975fcf1a";

// What the tracepoint prints after its name, for one event.
std::string fields(const std::string& type, const std::string& dpa, const std::string& length,
                   const std::string& tag) {
    return "memdev=mem0 host=0000:0d:00.0 serial=0 log=Informational : time=1234567 "
           "uuid=00000000-0000-0000-0000-000000000000 len=0 flags='' handle=0 related_handle=0 "
           "maint_op_class=0 maint_op_sub_class=0 : event_type='" +
           type + "' host_id='0' updated_region_index='255' starting_dpa=" + dpa +
           " length=" + length + " tag=" + tag + " shared_extent_sequence=0";
}

TEST(DcdAbi, DynamicModes) {
    EXPECT_TRUE(is_dynamic_mode("dynamic_ram_1"));
    EXPECT_TRUE(is_dynamic_mode("dynamic_ram_a"));  // v9, v10
    EXPECT_TRUE(is_dynamic_mode("dynamic_ram_1\n"));
    EXPECT_FALSE(is_dynamic_mode("ram"));
    EXPECT_FALSE(is_dynamic_mode("pmem"));
    EXPECT_FALSE(is_dynamic_mode(""));
    EXPECT_FALSE(is_dynamic_mode("dc0"));  // the 2023 RFCs, obsolete
    EXPECT_FALSE(is_dynamic_mode("dynamic_ram_10"));
}

TEST(DcdAbi, NormalTag) {
    EXPECT_EQ(normal_tag(kTag), kTag);
    EXPECT_EQ(normal_tag("5BE13BCE-AE34-4A77-B6C3-16DF975FCF1A\n"), kTag);
    EXPECT_EQ(normal_tag("00000000-0000-0000-0000-000000000000"), "");  // v11 untagged
    EXPECT_EQ(normal_tag("00000000-0000-0000-0000-000000000000\n"), "");
    EXPECT_EQ(normal_tag("0"), "");  // v10 untagged
    EXPECT_EQ(normal_tag("0\n"), "");
    EXPECT_EQ(normal_tag(""), "");
}

TEST(DcdAbi, TraceLineWithThePipePrefix) {
    std::optional<DcTraceEvent> event = parse_trace_line(
        "    kworker/u8:3-123     [001] .....   456.789012: cxl_dynamic_capacity: " +
        fields("Release capacity", "10000000", "8000000", kTag));
    ASSERT_TRUE(event);
    EXPECT_EQ(event->type, DcTraceEvent::Type::Release);
    EXPECT_EQ(event->memdev, "mem0");
    EXPECT_EQ(event->dpa, 0x10000000u);
    EXPECT_EQ(event->length, 0x8000000u);
    EXPECT_EQ(event->tag, kTag);
}

TEST(DcdAbi, TraceLineWithoutPrefix) {
    std::optional<DcTraceEvent> event = parse_trace_line(
        "cxl_dynamic_capacity: " +
        fields("Add capacity", "0", "20000000", "00000000-0000-0000-0000-000000000000") + "\n");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->type, DcTraceEvent::Type::Add);
    EXPECT_EQ(event->dpa, 0u);
    EXPECT_EQ(event->length, 0x20000000u);
    EXPECT_EQ(event->tag, "");
}

TEST(DcdAbi, EveryEventType) {
    auto type_of = [](const std::string& type) {
        return parse_trace_line("cxl_dynamic_capacity: " + fields(type, "0", "200000", kTag));
    };
    EXPECT_EQ(type_of("Add capacity")->type, DcTraceEvent::Type::Add);
    EXPECT_EQ(type_of("Release capacity")->type, DcTraceEvent::Type::Release);
    EXPECT_EQ(type_of("Forced capacity release")->type, DcTraceEvent::Type::ForcedRelease);
    EXPECT_EQ(type_of("Region Configuration Updated")->type, DcTraceEvent::Type::RegionUpdated);
    EXPECT_FALSE(type_of("Something else"));
}

TEST(DcdAbi, AbsentTagIsUntagged) {
    std::optional<DcTraceEvent> event = parse_trace_line(
        "cxl_dynamic_capacity: memdev=mem1 event_type='Release capacity' starting_dpa=ABC000 "
        "length=200000");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->memdev, "mem1");
    EXPECT_EQ(event->dpa, 0xabc000u);
    EXPECT_EQ(event->tag, "");
}

// The tag printed as uuid= after event_type (a spelling the series' notes use); the common
// header's uuid= (the record type) before it is not the tag.
TEST(DcdAbi, TagSpelledUuidAfterTheEventType) {
    std::optional<DcTraceEvent> event = parse_trace_line(
        "cxl_dynamic_capacity: memdev=mem0 uuid=ca95afa7-f183-4018-8c2f-95268e101a2a : "
        "event_type='Release capacity' dpa_start=200000 length=200000 uuid=" +
        kTag + " sh_extent_seq=0");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->tag, kTag);
    EXPECT_EQ(event->dpa, 0x200000u);
    std::optional<DcTraceEvent> untagged = parse_trace_line(
        "cxl_dynamic_capacity: memdev=mem0 uuid=ca95afa7-f183-4018-8c2f-95268e101a2a : "
        "event_type='Release capacity' starting_dpa=200000 length=200000");
    ASSERT_TRUE(untagged);
    EXPECT_EQ(untagged->tag, "");
}

TEST(DcdAbi, OtherLinesAreNotEvents) {
    EXPECT_FALSE(parse_trace_line(""));
    EXPECT_FALSE(parse_trace_line("CPU:1 [LOST 12 EVENTS]"));
    EXPECT_FALSE(
        parse_trace_line("  bash-1 [000] ..... 1.0: cxl_general_media: memdev=mem0 event_type='x' "
                         "starting_dpa=0 length=1"));
    // Another event whose name ends like ours.
    EXPECT_FALSE(
        parse_trace_line("xcxl_dynamic_capacity: " + fields("Add capacity", "0", "1", "")));
    // A field missing or malformed.
    EXPECT_FALSE(parse_trace_line(
        "cxl_dynamic_capacity: memdev=mem0 event_type='Add capacity' length=200000"));
    EXPECT_FALSE(parse_trace_line(
        "cxl_dynamic_capacity: event_type='Add capacity' starting_dpa=0 length=200000"));
    EXPECT_FALSE(parse_trace_line("cxl_dynamic_capacity: " +
                                  fields("Add capacity", "12g4", "200000", kTag)));
    EXPECT_FALSE(parse_trace_line("cxl_dynamic_capacity: " +
                                  fields("Add capacity", "0", "10000000000000000", kTag)));
    EXPECT_FALSE(
        parse_trace_line("cxl_dynamic_capacity: memdev=mem0 event_type='Add capacity "
                         "starting_dpa=0 length=200000"));
}

}  // namespace
