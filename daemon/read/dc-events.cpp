// Dynamic Capacity release requests from the cxl_dynamic_capacity trace events
// (read/dc-events.hpp). EXPERIMENTAL, as the ABI it reads (read/dcd-abi.hpp).
#include "read/dc-events.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>

#include "read/in-root.hpp"
#include "read/root-reader.hpp"

namespace srmd {

namespace {

// The most one read takes: a device that floods events cannot make srmd read without end. What is
// left is read next time (the pipe keeps it; a tree's offset says where).
constexpr std::size_t kMaxRead = 4 << 20;

std::string trace_pipe_path() {
    return std::string(dcd_abi::kTraceInstance) + "/" + std::string(dcd_abi::kTracePipe);
}

void parse_lines(std::string_view text, std::vector<dcd_abi::DcTraceEvent>& events) {
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (std::optional<dcd_abi::DcTraceEvent> event = dcd_abi::parse_trace_line(line))
            events.push_back(std::move(*event));
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
}

// Reads from `fd` until it has nothing more (EAGAIN on the pipe, end of file on a tree's file),
// at most kMaxRead bytes.
std::string read_available(int fd) {
    std::string text;
    char buffer[65536];
    while (text.size() < kMaxRead) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  // EAGAIN: the pipe is empty; 0: end of a file; any other error: stop here
        text.append(buffer, static_cast<size_t>(n));
    }
    return text;
}

bool overlaps(const DcExtent& extent, std::uint64_t offset, std::uint64_t length) {
    return extent.offset < offset + length && offset < extent.offset + extent.length;
}

bool same_request(const DcReleaseRequest& a, const DcReleaseRequest& b) {
    return a.region == b.region && a.offset == b.offset && a.length == b.length && a.tag == b.tag;
}

}  // namespace

DcTraceRead read_dc_trace(const RootReader& reader, std::uint64_t offset) {
    DcTraceRead result;
    result.next_offset = offset;
    Fd fd(reader.open_stream(trace_pipe_path()));
    if (!fd)
        return result;  // no instance: a kernel without DCD, or not set up yet
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return result;
    if (reader.root().empty()) {
        // The machine: the kernel's trace_pipe, which a read consumes; no offset.
        parse_lines(read_available(fd.get()), result.events);
        return result;
    }
    // A tree: a plain file the simulated device appends to. Only whole lines are taken; a line
    // being written is read next time.
    if (offset >= static_cast<std::uint64_t>(st.st_size))
        return result;
    if (::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
        return result;
    std::string text = read_available(fd.get());
    size_t whole = text.rfind('\n');
    if (whole == std::string::npos)
        return result;
    text.resize(whole + 1);
    parse_lines(text, result.events);
    result.next_offset = offset + text.size();
    return result;
}

std::vector<DcReleaseRequest> update_release_requests(
    const Snapshot& snapshot, std::vector<DcReleaseRequest> requests,
    const std::vector<dcd_abi::DcTraceEvent>& events, std::uint64_t now) {
    using Type = dcd_abi::DcTraceEvent::Type;
    for (const dcd_abi::DcTraceEvent& event : events) {
        if (event.type != Type::Release && event.type != Type::ForcedRelease)
            continue;
        auto decoder = std::find_if(
            snapshot.endpoint_decoders.begin(), snapshot.endpoint_decoders.end(),
            [&](const CxlEndpointDecoder& d) {
                return d.memdev == event.memdev && !d.region.empty() && d.dpa_resource &&
                       *d.dpa_resource <= event.dpa && event.dpa - *d.dpa_resource < d.dpa_size;
            });
        if (decoder == snapshot.endpoint_decoders.end())
            continue;  // no region: the kernel answered the device itself
        DcReleaseRequest request{decoder->region, event.dpa - *decoder->dpa_resource, event.length,
                                 event.tag, now};
        bool known = std::any_of(requests.begin(), requests.end(), [&](const DcReleaseRequest& r) {
            return same_request(r, request);
        });
        if (!known)
            requests.push_back(std::move(request));
    }
    // A request is answered once none of its capacity is left under its region.
    std::erase_if(requests, [&](const DcReleaseRequest& request) {
        const CxlRegion* region = snapshot.region(request.region);
        return !region || std::none_of(region->extents.begin(), region->extents.end(),
                                       [&](const DcExtent& extent) {
                                           return overlaps(extent, request.offset, request.length);
                                       });
    });
    return requests;
}

}  // namespace srmd
