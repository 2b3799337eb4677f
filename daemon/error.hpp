// Errors raised while reading the machine. Each names the file it concerns, so an operator can go
// and look at it, and carries errno where the kernel gave one.
#pragma once

#include <stdexcept>
#include <string>

namespace srmd {

class ReadError : public std::runtime_error {
  public:
    // A failed system call on `path`.
    ReadError(std::string path, int err);
    // A file that was read but holds something we cannot make sense of.
    ReadError(std::string path, const std::string& what);

    const std::string& path() const { return path_; }
    // 0 when the file was readable but malformed.
    int error_number() const { return errno_; }

  private:
    std::string path_;
    int errno_ = 0;
};

}  // namespace srmd
