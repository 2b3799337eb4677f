#include "publish/log.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace srmd {

namespace {

LogLevel g_level = LogLevel::Info;
LogTarget g_target = LogTarget::Auto;
bool g_resolved = false;
LogTarget g_effective = LogTarget::Console;

// systemd sets JOURNAL_STREAM to "device:inode" of the stream it connected stderr to; if stderr
// still is that stream, records are better sent with their fields than as plain lines.
bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st {};
    if (fstat(2, &st) != 0)
        return false;
    return st.st_dev == dev && st.st_ino == ino;
}

LogTarget effective() {
    if (!g_resolved) {
        g_effective = g_target != LogTarget::Auto ? g_target
                      : stderr_is_journal()       ? LogTarget::Journal
                                                  : LogTarget::Console;
        g_resolved = true;
    }
    return g_effective;
}

void to_journal(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
    std::vector<std::string> items;
    items.reserve(fields.size() + 3);
    items.push_back("MESSAGE=" + std::string(message));
    items.push_back("PRIORITY=" + std::to_string(static_cast<int>(level)));
    items.push_back("SYSLOG_IDENTIFIER=srmd");
    for (const LogField& field : fields)
        if (!field.value.empty())
            items.push_back(std::string(field.name) + "=" + field.value);
    std::vector<iovec> iov;
    iov.reserve(items.size());
    for (std::string& item : items)
        iov.push_back({item.data(), item.size()});
    if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0)
        std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
}

void to_console(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
    std::string line = "srmd: ";
    if (level <= LogLevel::Warning)
        line += std::string(to_string(level)) + ": ";
    line += message;
    bool first = true;
    for (const LogField& field : fields) {
        if (field.value.empty())
            continue;
        line += first ? " [" : " ";
        line += std::string(field.name) + "=" + field.value;
        first = false;
    }
    if (!first)
        line += "]";
    line += "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void set_log_level(LogLevel level) {
    g_level = level;
}
LogLevel log_level() {
    return g_level;
}
void set_log_target(LogTarget target) {
    g_target = target;
    g_resolved = false;
}
LogTarget log_target() {
    return effective();
}

bool parse_log_level(std::string_view text, LogLevel& level) {
    static const std::pair<const char*, LogLevel> names[] = {
        {"err", LogLevel::Err},       {"error", LogLevel::Err}, {"warning", LogLevel::Warning},
        {"notice", LogLevel::Notice}, {"info", LogLevel::Info}, {"debug", LogLevel::Debug},
    };
    for (const auto& [name, value] : names)
        if (text == name) {
            level = value;
            return true;
        }
    return false;
}

const char* to_string(LogLevel level) {
    switch (level) {
        case LogLevel::Err:
            return "err";
        case LogLevel::Warning:
            return "warning";
        case LogLevel::Notice:
            return "notice";
        case LogLevel::Info:
            return "info";
        case LogLevel::Debug:
            return "debug";
    }
    return "info";
}

bool parse_log_target(std::string_view text, LogTarget& target) {
    if (text == "auto")
        target = LogTarget::Auto;
    else if (text == "journal")
        target = LogTarget::Journal;
    else if (text == "console")
        target = LogTarget::Console;
    else
        return false;
    return true;
}

const char* to_string(LogTarget target) {
    switch (target) {
        case LogTarget::Auto:
            return "auto";
        case LogTarget::Journal:
            return "journal";
        case LogTarget::Console:
            return "console";
    }
    return "auto";
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
    if (level > g_level)
        return;
    if (effective() == LogTarget::Journal)
        to_journal(level, message, fields);
    else
        to_console(level, message, fields);
}

}  // namespace srmd
