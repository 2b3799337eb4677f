#include "util/error.hpp"

#include <cstring>

namespace srmd {

SystemError::SystemError(std::string path, int err)
    : std::runtime_error(path + ": " + std::strerror(err)), path_(std::move(path)), errno_(err) {}

SystemError::SystemError(std::string path, const std::string& what)
    : std::runtime_error(path + ": " + what), path_(std::move(path)) {}

std::string errno_name(int error) {
    const char* name = strerrorname_np(error);
    return name ? name : std::to_string(error);
}

}  // namespace srmd
