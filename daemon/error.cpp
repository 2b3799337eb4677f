#include "error.hpp"

#include <cstring>

namespace srmd {

ReadError::ReadError(std::string path, int err)
    : std::runtime_error(path + ": " + std::strerror(err)), path_(std::move(path)), errno_(err) {}

ReadError::ReadError(std::string path, const std::string& what)
    : std::runtime_error(path + ": " + what), path_(std::move(path)) {}

}  // namespace srmd
