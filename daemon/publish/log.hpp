// The daemon's log: structured records to the journal when srmd runs under systemd, plain lines
// on stderr otherwise. Every record may carry fields (SRMD_RANGE, SRMD_DEVICE, SRMD_ACTION, ...)
// so that `journalctl SRMD_RANGE=r140000000` follows one range through passes and restarts.
//
// The level can be changed while running: SIGRTMIN+22 sets debug and SIGRTMIN+23 info, as
// systemd's own daemons do, and the bus's LogControl1 sets any level.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace srmd {

// syslog priorities, so that they go to the journal unchanged.
enum class LogLevel { Err = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

enum class LogTarget {
    Auto,     // the journal when stderr is connected to it (JOURNAL_STREAM), else the console
    Journal,  // sd_journal_send
    Console,  // stderr
};

struct LogField {
    const char* name;  // "SRMD_RANGE": upper case, as the journal wants field names
    std::string value;
};

void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_target(LogTarget target);
LogTarget log_target();  // Auto resolved to what it chose

// "err", "warning", "notice", "info", "debug"; nullopt-like false for anything else.
bool parse_log_level(std::string_view text, LogLevel& level);
const char* to_string(LogLevel level);
bool parse_log_target(std::string_view text, LogTarget& target);
const char* to_string(LogTarget target);

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::Err, m, f);
}
inline void log_warning(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::Warning, m, f);
}
inline void log_notice(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::Notice, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::Info, m, f);
}
inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::Debug, m, f);
}

}  // namespace srmd
