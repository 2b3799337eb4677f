#include "kernel/sysfs-writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace srmd {

SysfsWriter::SysfsWriter(std::string root) : root_(std::move(root)) {
    while (!root_.empty() && root_.back() == '/')
        root_.pop_back();
}

std::string SysfsWriter::host_path(std::string_view path) const {
    return root_ + std::string(path);
}

WriteResult SysfsWriter::write(std::string_view path, std::string_view value) const {
    WriteResult result;
    result.path = host_path(path);
    int fd = ::open(result.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        result.ok = false;
        result.error = errno;
        return result;
    }
    ssize_t written = ::write(fd, value.data(), value.size());
    int saved = errno;
    ::close(fd);
    if (written < 0) {
        result.ok = false;
        result.error = saved;
    } else if (static_cast<std::size_t>(written) != value.size()) {
        // sysfs takes an attribute in one store call; a partial write means it was not taken.
        result.ok = false;
        result.error = EIO;
    }
    return result;
}

}  // namespace srmd
