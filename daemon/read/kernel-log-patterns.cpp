// The kernel log lines srmd recognises, in the formats of 6.1 and 7.x (drivers/dax/hmem/hmem.c,
// drivers/dax/bus.c, drivers/dax/kmem.c, drivers/dax/device.c, drivers/cxl/core/region.c,
// drivers/base/dd.c), and what each names: a device and an address range. A line is matched by
// a phrase that every version prints the same; the rest of the line is read around it, so that a
// dynamic-debug prefix ("alloc_dax_region: ") or a changed address format does not hide it.
#include <cctype>
#include <cstdlib>

#include "read/kmsg.hpp"

namespace srmd {

namespace {

struct Pattern {
    const char* phrase;
    KernelLogMeaning meaning;
};

// In order: the first phrase found decides.
constexpr Pattern kPatterns[] = {
    {"CXL claims resource, dropping", KernelLogMeaning::CxlClaims},
    {"CXL did not claim resource, registering", KernelLogMeaning::HmemRegisters},
    {"await CXL initial probe", KernelLogMeaning::HmemAwaitsCxl},
    {"deferring range to CXL", KernelLogMeaning::HmemDefersToCxl},
    {"dax_region resource conflict", KernelLogMeaning::DaxRegionConflict},
    {"could not reserve region", KernelLogMeaning::KmemReserveFailed},
    {"could not reserve range", KernelLogMeaning::DaxReserveFailed},
    {"cannot be hotremoved until the next reboot", KernelLogMeaning::HotremoveFailed},
    {"memregion allocation failure for", KernelLogMeaning::HmemFailed},
    {"device allocation failure for", KernelLogMeaning::HmemFailed},
    {"memregion_info allocation failure for", KernelLogMeaning::HmemFailed},
    {" add failed for ", KernelLogMeaning::HmemFailed},
    {"failed with error", KernelLogMeaning::ProbeFailed},
    {"failed to attach ", KernelLogMeaning::RegionFailed},
    {"Failed to synchronize CPU cache state", KernelLogMeaning::RegionFailed},
    {"failed to find decoder mapping", KernelLogMeaning::RegionFailed},
    {"Failed to attach region", KernelLogMeaning::RegionFailed},
    {"Failed to add region", KernelLogMeaning::RegionFailed},
};

bool is_hex_digit(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// "0x1a2b" at the front of `text`: its value and length; nullopt when there is none.
std::optional<std::uint64_t> hex_at(std::string_view text, std::size_t& length) {
    if (text.size() < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') ||
        !is_hex_digit(text[2]))
        return std::nullopt;
    std::size_t n = 2;
    while (n < text.size() && is_hex_digit(text[n]))
        ++n;
    if (n - 2 > 16)
        return std::nullopt;
    length = n;
    return std::strtoull(std::string(text.substr(2, n - 2)).c_str(), nullptr, 16);
}

// The first "0xA-0xB" (or "0xA - 0xB") in `text`: the forms %pr, %pR, "[%#llx-%#llx]" and
// "%#llx-%#llx" all print.
bool find_address_range(std::string_view text, std::uint64_t& start, std::uint64_t& end) {
    for (std::size_t at = text.find("0x"); at != std::string_view::npos;
         at = text.find("0x", at + 1)) {
        if (at > 0 && std::isalnum(static_cast<unsigned char>(text[at - 1])))
            continue;
        std::size_t first = 0;
        std::optional<std::uint64_t> a = hex_at(text.substr(at), first);
        if (!a)
            continue;
        std::size_t pos = at + first;
        while (pos < text.size() && text[pos] == ' ')
            ++pos;
        if (pos >= text.size() || text[pos] != '-')
            continue;
        ++pos;
        while (pos < text.size() && text[pos] == ' ')
            ++pos;
        std::size_t second = 0;
        std::optional<std::uint64_t> b = hex_at(text.substr(pos), second);
        if (!b || *b < *a)
            continue;
        start = *a;
        end = *b;
        return true;
    }
    return false;
}

bool device_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == ':';
}

// The device of a dev_printk() line, "driver device: message": the second word of the first
// "a b: " before `limit`. A dynamic-debug prefix ("func: driver device: ") is skipped. "" when
// the line has no such prefix.
std::string printk_device(std::string_view message, std::size_t limit) {
    std::size_t from = 0;
    while (from < limit) {
        std::size_t colon = message.find(": ", from);
        if (colon == std::string_view::npos || colon >= limit)
            break;
        std::string_view head = message.substr(from, colon - from);
        std::size_t space = head.find(' ');
        if (space != std::string_view::npos &&
            head.find(' ', space + 1) == std::string_view::npos && space > 0 &&
            space + 1 < head.size())
            return std::string(head.substr(space + 1));
        from = colon + 2;
    }
    return {};
}

// The first word of `message` that is "regionN".
std::string region_named(std::string_view message) {
    for (std::size_t at = message.find("region"); at != std::string_view::npos;
         at = message.find("region", at + 1)) {
        if (at > 0 && device_char(message[at - 1]))
            continue;
        std::size_t n = at + 6;
        while (n < message.size() && std::isdigit(static_cast<unsigned char>(message[n])))
            ++n;
        if (n == at + 6 || (n < message.size() && device_char(message[n]) && message[n] != ':'))
            continue;
        return std::string(message.substr(at, n - at));
    }
    return {};
}

// The errno at the end of "... failed with error -16".
int error_after(std::string_view message, std::string_view phrase) {
    std::size_t at = message.find(phrase);
    if (at == std::string_view::npos)
        return 0;
    std::string rest(message.substr(at + phrase.size()));
    return static_cast<int>(std::strtol(rest.c_str(), nullptr, 10));
}

}  // namespace

std::optional<KernelLogLine> recognise_kernel_line(std::string_view message) {
    const Pattern* found = nullptr;
    std::size_t at = std::string_view::npos;
    for (const Pattern& pattern : kPatterns) {
        at = message.find(pattern.phrase);
        if (at != std::string_view::npos) {
            found = &pattern;
            break;
        }
    }
    if (!found)
        return std::nullopt;

    KernelLogLine line;
    line.message = std::string(message);
    line.meaning = found->meaning;
    std::uint64_t start = 0, end = 0;
    if (find_address_range(message, start, end)) {
        line.start = start;
        line.end = end;
    }
    switch (found->meaning) {
        case KernelLogMeaning::ProbeFailed: {
            // 7.x: "hmem hmem.6: probe with driver hmem failed with error -12"
            // 6.1: "kmem: probe of dax2.0 failed with error -16" (no device prefix)
            std::size_t of = message.find("probe of ");
            if (message.find("probe with driver ") != std::string_view::npos) {
                line.device = printk_device(message, at);
            } else if (of != std::string_view::npos && of < at) {
                std::size_t name = of + 9;
                std::size_t stop = message.find(' ', name);
                line.device = std::string(message.substr(name, stop - name));
            } else {
                return std::nullopt;  // some other failure
            }
            line.error = error_after(message, "failed with error ");
            break;
        }
        case KernelLogMeaning::RegionFailed:
            line.device = region_named(message);
            if (line.device.empty())
                return std::nullopt;
            // "failed to attach decoder5.0 to region0: -6": the errno after the last ": ".
            if (message.find("failed to attach ") != std::string_view::npos &&
                message.rfind(": ") != std::string_view::npos)
                line.error = error_after(message.substr(message.rfind(": ")), ": ");
            break;
        default:
            line.device = printk_device(message, at);
            break;
    }
    return line;
}

const char* to_string(KernelLogMeaning meaning) {
    switch (meaning) {
        case KernelLogMeaning::CxlClaims:
            return "cxl-claims";
        case KernelLogMeaning::HmemRegisters:
            return "hmem-registers";
        case KernelLogMeaning::HmemAwaitsCxl:
            return "hmem-awaits-cxl";
        case KernelLogMeaning::HmemDefersToCxl:
            return "hmem-defers-to-cxl";
        case KernelLogMeaning::DaxRegionConflict:
            return "dax-region-conflict";
        case KernelLogMeaning::KmemReserveFailed:
            return "kmem-reserve-failed";
        case KernelLogMeaning::DaxReserveFailed:
            return "device-dax-reserve-failed";
        case KernelLogMeaning::ProbeFailed:
            return "probe-failed";
        case KernelLogMeaning::HotremoveFailed:
            return "hotremove-failed";
        case KernelLogMeaning::RegionFailed:
            return "region-failed";
        case KernelLogMeaning::HmemFailed:
            return "hmem-failed";
    }
    return "unknown";
}

const char* describe(KernelLogMeaning meaning) {
    switch (meaning) {
        case KernelLogMeaning::CxlClaims:
            return "a CXL region covers the range, so hmem left it to CXL";
        case KernelLogMeaning::HmemRegisters:
            return "no CXL region covers the whole range, so hmem registered it";
        case KernelLogMeaning::HmemAwaitsCxl:
            return "hmem waited for CXL's first probe before deciding";
        case KernelLogMeaning::HmemDefersToCxl:
            return "hmem left the range to CXL";
        case KernelLogMeaning::DaxRegionConflict:
            return "a dax region could not take the address: another holds it";
        case KernelLogMeaning::KmemReserveFailed:
            return "kmem could not reserve the address: something else holds it";
        case KernelLogMeaning::DaxReserveFailed:
            return "device_dax could not reserve the address: something else holds it";
        case KernelLogMeaning::ProbeFailed:
            return "a driver failed to take the device";
        case KernelLogMeaning::HotremoveFailed:
            return "memory stays in use until the next reboot";
        case KernelLogMeaning::RegionFailed:
            return "a CXL region failed to assemble or commit";
        case KernelLogMeaning::HmemFailed:
            return "hmem failed to create its device";
    }
    return "";
}

}  // namespace srmd
