// Dynamic Capacity release requests (read/dc-events.hpp): the trace file of a tree read from an
// offset, and the requests the events make against the constructed dcd machine (mem0's
// dynamic_ram_1 decoder maps DPA 0x80000000 + 4 GiB to region0).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "read/dc-events.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"

namespace {

namespace fs = std::filesystem;

using srmd::DcExtent;
using srmd::DcReleaseRequest;
using srmd::RootReader;
using srmd::Snapshot;
using srmd::dcd_abi::DcTraceEvent;
using srmd::test::fixture;
using srmd::test::TempDir;
using srmd::test::TreeCopy;

const std::string kTag = "5be13bce-ae34-4a77-b6c3-16df975fcf1a";
constexpr std::uint64_t kDpaBase = 0x80000000;

std::string trace_line(const std::string& type, std::uint64_t dpa, std::uint64_t length,
                       const std::string& tag) {
    char numbers[64];
    std::snprintf(numbers, sizeof numbers, "starting_dpa=%llx length=%llx",
                  static_cast<unsigned long long>(dpa), static_cast<unsigned long long>(length));
    return "  kworker/u8:1-77 [000] ..... 12.5: cxl_dynamic_capacity: memdev=mem0 "
           "host=0000:0d:00.0 serial=1237 log=Informational : time=0 : event_type='" +
           type + "' host_id='0' updated_region_index='255' " + numbers + " tag=" + tag +
           " shared_extent_sequence=0\n";
}

void append(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::app);
    out << text;
}

std::string pipe_of(const std::string& root) {
    return root + "/sys/kernel/tracing/instances/srmd/trace_pipe";
}

TEST(DcEvents, NoInstanceIsNothing) {
    srmd::DcTraceRead read = srmd::read_dc_trace(RootReader(fixture("constructed/dcd")), 17);
    EXPECT_TRUE(read.events.empty());
    EXPECT_EQ(read.next_offset, 17u);
}

TEST(DcEvents, ATreeIsReadFromTheOffset) {
    TempDir tree;
    RootReader reader(tree.path());
    append(pipe_of(tree.path()), trace_line("Add capacity", kDpaBase, 0x200000, "") +
                                     "CPU:0 [LOST 3 EVENTS]\n" +
                                     trace_line("Release capacity", kDpaBase, 0x200000, kTag));
    srmd::DcTraceRead first = srmd::read_dc_trace(reader, 0);
    ASSERT_EQ(first.events.size(), 2u);
    EXPECT_EQ(first.events[0].type, DcTraceEvent::Type::Add);
    EXPECT_EQ(first.events[1].type, DcTraceEvent::Type::Release);
    EXPECT_EQ(first.events[1].tag, kTag);
    EXPECT_EQ(first.next_offset, fs::file_size(pipe_of(tree.path())));

    srmd::DcTraceRead again = srmd::read_dc_trace(reader, first.next_offset);
    EXPECT_TRUE(again.events.empty());
    EXPECT_EQ(again.next_offset, first.next_offset);

    // A line being written is left for the next read.
    std::string line = trace_line("Release capacity", kDpaBase + 0x200000, 0x200000, "");
    append(pipe_of(tree.path()), line.substr(0, 40));
    srmd::DcTraceRead partial = srmd::read_dc_trace(reader, first.next_offset);
    EXPECT_TRUE(partial.events.empty());
    EXPECT_EQ(partial.next_offset, first.next_offset);
    append(pipe_of(tree.path()), line.substr(40));
    srmd::DcTraceRead whole = srmd::read_dc_trace(reader, partial.next_offset);
    ASSERT_EQ(whole.events.size(), 1u);
    EXPECT_EQ(whole.events[0].dpa, kDpaBase + 0x200000);
    EXPECT_EQ(whole.next_offset, fs::file_size(pipe_of(tree.path())));
}

// The dcd machine with two extents in region0: a tagged one at 0x10000000 (128 MiB) and an
// untagged one at 0.
Snapshot machine() {
    Snapshot s = srmd::read_snapshot(RootReader(fixture("constructed/dcd")));
    s.regions.at(0).extents = {
        DcExtent{"extent0.0", "", 0, 0x200000, ""},
        DcExtent{"extent0.1", "", 0x10000000, 0x8000000, kTag},
    };
    return s;
}

DcTraceEvent event(DcTraceEvent::Type type, std::uint64_t dpa, std::uint64_t length,
                   const std::string& tag, const std::string& memdev = "mem0") {
    return DcTraceEvent{type, memdev, dpa, length, tag};
}

TEST(DcEvents, AReleaseBecomesARequestOnItsRegion) {
    Snapshot s = machine();
    std::vector<DcReleaseRequest> requests = srmd::update_release_requests(
        s, {}, {event(DcTraceEvent::Type::Release, kDpaBase + 0x10000000, 0x8000000, kTag)}, 100);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].region, "region0");
    EXPECT_EQ(requests[0].offset, 0x10000000u);
    EXPECT_EQ(requests[0].length, 0x8000000u);
    EXPECT_EQ(requests[0].tag, kTag);
    EXPECT_EQ(requests[0].since, 100u);

    // Asked again: one request, first seen at 100.
    requests = srmd::update_release_requests(
        s, requests,
        {event(DcTraceEvent::Type::Release, kDpaBase + 0x10000000, 0x8000000, kTag),
         event(DcTraceEvent::Type::ForcedRelease, kDpaBase, 0x200000, "")},
        200);
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].since, 100u);
    EXPECT_EQ(requests[1].offset, 0u);
    EXPECT_EQ(requests[1].tag, "");
    EXPECT_EQ(requests[1].since, 200u);
}

TEST(DcEvents, WhatMapsToNoRegionOrAddsIsNoRequest) {
    Snapshot s = machine();
    std::vector<DcReleaseRequest> requests = srmd::update_release_requests(
        s, {},
        {
            event(DcTraceEvent::Type::Add, kDpaBase, 0x200000, ""),
            event(DcTraceEvent::Type::RegionUpdated, kDpaBase, 0x200000, ""),
            event(DcTraceEvent::Type::Release, kDpaBase, 0x200000, "", "mem1"),
            event(DcTraceEvent::Type::Release, kDpaBase - 0x200000, 0x200000, ""),      // ram DPA
            event(DcTraceEvent::Type::Release, kDpaBase + (4ull << 30), 0x200000, ""),  // past
        },
        100);
    EXPECT_TRUE(requests.empty());
}

TEST(DcEvents, ARequestGoesWithItsExtents) {
    Snapshot s = machine();
    std::vector<DcReleaseRequest> requests = srmd::update_release_requests(
        s, {},
        {event(DcTraceEvent::Type::Release, kDpaBase + 0x10000000, 0x8000000, kTag),
         event(DcTraceEvent::Type::Release, kDpaBase, 0x200000, "")},
        100);
    ASSERT_EQ(requests.size(), 2u);

    // The kernel released the untagged extent: its request is answered; the other stays.
    s.regions[0].extents.erase(s.regions[0].extents.begin());
    requests = srmd::update_release_requests(s, requests, {}, 200);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].tag, kTag);
    EXPECT_EQ(requests[0].since, 100u);

    // A request for a part of an extent stays while the extent does.
    requests = srmd::update_release_requests(
        s, requests, {event(DcTraceEvent::Type::Release, kDpaBase + 0x14000000, 0x200000, kTag)},
        300);
    EXPECT_EQ(requests.size(), 2u);

    s.regions[0].extents.clear();
    EXPECT_TRUE(srmd::update_release_requests(s, requests, {}, 400).empty());

    // A release whose capacity the kernel gave back at once makes no request at all.
    EXPECT_TRUE(srmd::update_release_requests(
                    s, {}, {event(DcTraceEvent::Type::Release, kDpaBase, 0x200000, "")}, 500)
                    .empty());
}

}  // namespace
