// System failures, the one way srmd carries them: the errno the kernel gave, the file (or object)
// it concerns so that an operator can go and look, and what was being done, in words.
//
// - SystemFailure is that triple as a value: every step outcome, worker report and sysfs write
//   result carries one (act/actuator.hpp, act/killable-worker.hpp, kernel/sysfs-writer.hpp).
// - SystemError is the exception thrown when reading or writing cannot go on; it carries the
//   same path and errno.
#pragma once

#include <stdexcept>
#include <string>

namespace srmd {

struct SystemFailure {
    int error = 0;        // errno of the failing call; 0 when the file was there but malformed
    std::string path;     // the file (or device, or object) it concerns
    std::string message;  // what failed, in words
};

class SystemError : public std::runtime_error {
  public:
    // A failed system call on `path`.
    SystemError(std::string path, int err);
    // A file that was read but holds something we cannot make sense of.
    SystemError(std::string path, const std::string& what);

    const std::string& path() const { return path_; }
    // 0 when the file was readable but malformed.
    int error_number() const { return errno_; }

  private:
    std::string path_;
    int errno_ = 0;
};

// The errno's name ("EBUSY"), or its number when it has none.
std::string errno_name(int error);

}  // namespace srmd
