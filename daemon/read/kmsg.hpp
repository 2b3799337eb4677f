// The kernel's own words: the lines of the kernel log (/dev/kmsg) that say who took a range of
// Soft Reserved or CXL memory and why something failed. On 7.x /proc/iomem no longer lists Soft
// Reserved and a failed hmem probe leaves no device, so some decisions and failures exist only
// here ("CXL did not claim resource, registering", "dax_region resource conflict", ...).
//
// /dev/kmsg is read below the root, like everything else: on the machine it is the kernel's
// character device (1:11), read without blocking one record per read(2), by sequence number; in a
// captured tree it is a plain text file in the same record format, one record a line:
//     "prio,seq,usec,flags[,...];message"  then dictionary lines " KEY=value" that belong to it.
// Only the lines a pattern recognises (kernel-log-patterns.cpp) are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srmd {

class RootReader;

// What a recognised line says. Stable names (to_string) are part of the JSON contract.
enum class KernelLogMeaning {
    CxlClaims,          // dax_hmem: "CXL claims resource, dropping: [mem ...]"
    HmemRegisters,      // dax_hmem: "CXL did not claim resource, registering: [mem ...]"
    HmemAwaitsCxl,      // dax_hmem: "await CXL initial probe: [mem ...]"
    HmemDefersToCxl,    // dax_hmem: "deferring range to CXL: [mem ...]"
    DaxRegionConflict,  // dax bus: "dax_region resource conflict for [mem ...]"
    KmemReserveFailed,  // kmem: "could not reserve region [A-B]" (6.1: "mappingN: A-B could not
                        // ...")
    DaxReserveFailed,   // device_dax: "mappingN: A-B could not reserve range"
    ProbeFailed,  // driver core: "probe with driver D failed with error -N" (6.1: "D: probe of X
                  // failed ...")
    HotremoveFailed,  // kmem: "A-B cannot be hotremoved until the next reboot"
    RegionFailed,     // cxl region: assembly, commit or attach failures naming a region
    HmemFailed,  // dax_hmem: "... allocation failure for [mem ...]", "hmem.N add failed for ..."
};

const char* to_string(KernelLogMeaning meaning);
// What the meaning is, in words for an operator ("the kernel gave the range to CXL").
const char* describe(KernelLogMeaning meaning);

struct KernelLogLine {
    std::uint64_t seq = 0;   // the kernel's sequence number: stable while it runs
    std::uint64_t usec = 0;  // microseconds since boot
    int level = 6;           // syslog level, 0 (emerg) .. 7 (debug)
    std::string message;     // as the kernel wrote it, "hmem hmem.6: probe with driver ..."
    KernelLogMeaning meaning = KernelLogMeaning::CxlClaims;
    std::string device;  // the device it names ("hmem.6", "dax_region0", "dax2.0"), or ""
    // The physical address range it names, inclusive as the kernel prints it; nullopt when it
    // names none (a failed probe: then the last earlier line about the same device lends its).
    std::optional<std::uint64_t> start;
    std::uint64_t end = 0;
    int error = 0;  // the errno a failed probe returned (negative, as printed), else 0
};

// At most this many lines are kept, the newest.
constexpr std::size_t kMaxKernelLog = 256;

// One record of /dev/kmsg: "prio,seq,usec,flags[,more];message". nullopt when the line is not
// one (a dictionary line, garbage).
struct KmsgRecord {
    std::uint64_t seq = 0;
    std::uint64_t usec = 0;
    int level = 6;
    std::string_view message;
};
std::optional<KmsgRecord> parse_kmsg_record(std::string_view line);

// A line's meaning, device and address, when a pattern recognises its message (6.1 and 7.x
// formats); nullopt for every other line. seq, usec and level are left for the caller.
std::optional<KernelLogLine> recognise_kernel_line(std::string_view message);

struct KernelLogRead {
    std::vector<KernelLogLine> lines;  // the recognised lines read, oldest first
    std::uint64_t next_seq = 0;        // where the next incremental read starts
    bool overwritten = false;          // records were lost before they could be read (EPIPE)
};

// Reads the records of /dev/kmsg below the reader's root whose sequence number is at least
// `from_seq`, and keeps those a pattern recognises. Never throws for the log itself: a root
// without /dev/kmsg, a log srmd may not read (no CAP_SYSLOG under dmesg_restrict) or a file that
// is not the kernel log all read as no lines.
KernelLogRead read_kernel_log(const RootReader& reader, std::uint64_t from_seq = 0);

// The loop that reads the kernel's device, one record per call of `read_record`, which returns
// what read(2) returns and sets errno: EAGAIN ends it, EPIPE (records overwritten before they
// were read) is noted and reading goes on. read_kernel_log passes read(2) itself; tests pass
// their own.
using KmsgReadRecord = std::function<long(char* buffer, std::size_t size)>;
KernelLogRead read_kmsg_records(const KmsgReadRecord& read_record, std::uint64_t from_seq);

// Appends `more` to `log`: a line that names a device but no address takes the address of the
// last earlier line about the same device; the oldest lines go beyond kMaxKernelLog.
void append_kernel_log(std::vector<KernelLogLine>& log, std::vector<KernelLogLine> more);

// The record a captured tree keeps for a line: "level,seq,usec,-;message\n".
std::string kmsg_record_text(const KernelLogLine& line);

}  // namespace srmd
