#include "read/capture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "read/kmsg.hpp"
#include "read/root-reader.hpp"
#include "util/error.hpp"
#include "util/file-handles.hpp"

namespace srmd {

namespace {

// The /proc files srmd reads.
const char* const kProcFiles[] = {
    "/proc/iomem",   "/proc/meminfo", "/proc/zoneinfo",
    "/proc/cmdline", "/proc/modules", "/proc/sys/kernel/osrelease",
};

// Directories taken whole. The bus directories hold the links that tell us which device
// directories matter; those are captured afterwards.
const char* const kWholeTrees[] = {
    "/sys/devices/system/memory",
    "/sys/devices/system/node",
    "/sys/devices/virtual/memory_tiering",
    "/sys/firmware/memmap",
    "/sys/bus/cxl",
    "/sys/bus/dax",
    "/sys/bus/nd",
    "/sys/bus/memory",
    "/sys/bus/node",
    // The memory hotplug parameters: memmap_on_memory decides whether a dax device may use it.
    "/sys/module/memory_hotplug/parameters",
};

const std::string kDevices = "/sys/devices/";

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::string parent_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

// Only the platform devices and drivers of memory that firmware set aside: HMEM and the CXL root.
bool is_capturable_platform_device(const std::string& name) {
    return starts_with(name, "hmem") || starts_with(name, "ACPI0017");
}

bool is_capturable_platform_driver(const std::string& name) {
    return starts_with(name, "hmem") || name == "cxl_acpi";
}

// "0000:0d:00.0"
bool is_pci_address(std::string_view name) {
    static const std::string_view shape = "hhhh:hh:hh.h";
    if (name.size() != shape.size())
        return false;
    for (size_t i = 0; i < name.size(); ++i) {
        bool hex_digit = (name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f');
        if (shape[i] == 'h' ? !hex_digit : name[i] != shape[i])
            return false;
    }
    return true;
}

// Binary attributes: device memory and config space, not text, and reading some of them has side
// effects on the device. srmd never reads them.
bool is_binary_attribute(const std::string& dir, const std::string& name) {
    if (name == "CDAT")
        return true;
    if (!is_pci_address(base_name(dir)))
        return false;
    if (name == "config" || name == "rom" || name == "vpd")
        return true;
    if (!starts_with(name, "resource") || name.size() == 8)
        return false;  // plain "resource" is the text table of BARs
    std::string_view rest = std::string_view(name).substr(8);
    if (rest.size() > 3 && rest.substr(rest.size() - 3) == "_wc")
        rest.remove_suffix(3);
    return !rest.empty() &&
           std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void write_all(const std::string& path, std::string_view data, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw SystemError(path, errno);
    FdCloser closer{fd};
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw SystemError(path, errno);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    // The mode is set last so that a read-only (0400) or write-only (0200) attribute can still be
    // written by a capture that does not run as root.
    if (::fchmod(fd, mode) != 0)
        throw SystemError(path, errno);
}

void make_directory(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw SystemError(path, errno);
}

// The destination must be new or empty: merging into an old capture would mix two machines.
void prepare_destination(const std::string& destination) {
    struct stat st;
    if (::stat(destination.c_str(), &st) != 0) {
        if (errno != ENOENT)
            throw SystemError(destination, errno);
        std::string partial;
        for (size_t pos = 0; pos != std::string::npos;) {
            size_t slash = destination.find('/', pos + 1);
            partial = destination.substr(0, slash);
            pos = slash;
            if (!partial.empty())
                make_directory(partial);
        }
        return;
    }
    if (!S_ISDIR(st.st_mode))
        throw SystemError(destination, ENOTDIR);
    DIR* dir = ::opendir(destination.c_str());
    if (!dir)
        throw SystemError(destination, errno);
    DirCloser closer{dir};
    while (struct dirent* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..")
            throw SystemError(destination, "is not empty; capture needs a new or empty directory");
    }
}

class Capturer {
  public:
    Capturer(const RootReader& source, std::string destination)
        : source_(source), destination_(std::move(destination)) {}

    CaptureStats run() {
        for (const char* path : kProcFiles) {
            if (source_.kind(path) == RootReader::Kind::File) {
                ensure_directory(parent_of(path));
                copy_file(path);
            }
        }

        for (const char* path : kWholeTrees)
            capture_top(path);

        for (const std::string& name : source_.list_optional("/sys/bus/platform/devices")) {
            if (is_capturable_platform_device(name))
                capture_top("/sys/bus/platform/devices/" + name);
        }
        for (const std::string& name : source_.list_optional("/sys/bus/platform/drivers")) {
            if (is_capturable_platform_driver(name))
                capture_top("/sys/bus/platform/drivers/" + name);
        }

        capture_device_directories();
        capture_kernel_log();
        write_notes();
        return stats_;
    }

  private:
    enum class Depth { Shallow, Recursive };

    std::string dest(const std::string& path) const { return destination_ + path; }

    // A top-level entry of the capture list, whatever it turns out to be on this kernel.
    void capture_top(const std::string& path) {
        RootReader::Kind kind = source_.kind(path);
        if (kind == RootReader::Kind::Missing)
            return;  // an absent subsystem (no CXL here) is a fact worth capturing by omission
        ensure_directory(parent_of(path));
        // Only bus and driver links lead to the device directories to capture; the links inside
        // device trees (node -> cpuN, firmware_node, subsystem) would pull in half of sysfs.
        bool note_link_targets = starts_with(path, "/sys/bus/");
        if (kind == RootReader::Kind::Directory)
            walk(path, Depth::Recursive, note_link_targets);
        else if (kind == RootReader::Kind::Symlink)
            copy_link(path, note_link_targets);
        else if (kind == RootReader::Kind::File)
            copy_file(path);
    }

    // Links are copied, never followed, so sysfs's subsystem/driver/node links cannot loop.
    void walk(const std::string& path, Depth depth, bool note_link_targets) {
        ensure_directory(path);
        std::vector<std::string> names;
        try {
            names = source_.list(path);
        } catch (const SystemError&) {
            unreadable_.push_back(path + "/");
            ++stats_.unreadable;
            return;
        }
        for (const std::string& name : names) {
            std::string child = path + "/" + name;
            switch (source_.kind(child)) {
                case RootReader::Kind::Directory:
                    // power/ is runtime PM state of every device: noise for srmd, and so
                    // common that listing each one in skipped.txt would be noise too.
                    if (name == "power")
                        break;
                    if (depth == Depth::Recursive)
                        walk(child, depth, note_link_targets);
                    break;
                case RootReader::Kind::Symlink:
                    copy_link(child, note_link_targets);
                    break;
                case RootReader::Kind::File:
                    if (is_binary_attribute(path, name))
                        skipped_.push_back(child);
                    else
                        copy_file(child);
                    break;
                case RootReader::Kind::Other:
                    skipped_.push_back(child);
                    break;
                case RootReader::Kind::Missing:
                    break;  // gone between listing and looking: a device went away
            }
        }
    }

    void ensure_directory(const std::string& path) {
        if (path == "/" || made_.count(path))
            return;
        ensure_directory(parent_of(path));
        make_directory(dest(path));
        made_.insert(path);
        ++stats_.dirs;
    }

    void copy_file(const std::string& path) {
        std::optional<mode_t> mode = source_mode(path);
        std::string data;
        bool readable = mode.has_value();
        if (readable) {
            try {
                data = source_.read(path);
            } catch (const SystemError&) {
                readable = false;
            }
        }
        if (!readable) {
            unreadable_.push_back(path);
            ++stats_.unreadable;
            data.clear();
        }
        write_all(dest(path), data, mode.value_or(0444));
        ++stats_.files;
    }

    void copy_link(const std::string& path, bool note_target) {
        std::optional<std::string> target = source_.read_link(path);
        if (!target)
            return;  // replaced or removed since it was listed
        if (::symlink(target->c_str(), dest(path).c_str()) != 0)
            throw SystemError(dest(path), errno);
        ++stats_.links;
        if (!note_target)
            return;
        try {
            std::string resolved = source_.canonical(path);
            if (starts_with(resolved, kDevices) &&
                source_.kind(resolved) == RootReader::Kind::Directory)
                device_roots_.insert(resolved);
        } catch (const SystemError&) {
            // A dangling link (module -> /sys/module, ...) leads to nothing we capture.
        }
    }

    // The mode is the one fact about a file that is not in its contents.
    std::optional<mode_t> source_mode(const std::string& path) const {
        std::optional<unsigned> mode = source_.permissions(path);
        if (!mode)
            return std::nullopt;
        return static_cast<mode_t>(*mode);
    }

    // The device directories the bus and driver links point to, each taken whole once (a
    // directory inside one already taken is skipped), then their ancestors without subdirectories,
    // so that a reader can tell a device's parent by its path.
    void capture_device_directories() {
        std::vector<std::string> whole;
        for (const char* path : kWholeTrees) {
            if (starts_with(path, kDevices) && source_.kind(path) == RootReader::Kind::Directory)
                whole.emplace_back(path);
        }
        auto inside_whole = [&whole](const std::string& path) {
            return std::any_of(whole.begin(), whole.end(), [&path](const std::string& top) {
                return path == top || starts_with(path, top + "/");
            });
        };
        // Sorted, so a parent comes before its children and absorbs them.
        for (const std::string& root : device_roots_) {
            if (inside_whole(root))
                continue;
            walk(root, Depth::Recursive, false);
            whole.push_back(root);
        }

        std::set<std::string> ancestors;
        for (const std::string& top : whole) {
            for (std::string up = parent_of(top); starts_with(up + "/", kDevices);
                 up = parent_of(up))
                ancestors.insert(up);
        }
        for (const std::string& dir : ancestors)
            walk(dir, Depth::Shallow, false);
    }

    // The kernel log lines srmd uses (read/kmsg.hpp), in /dev/kmsg's record format, so that a
    // captured tree explains itself: on 7.x some of what the kernel decided is nowhere else.
    void capture_kernel_log() {
        KernelLogRead log = read_kernel_log(source_);
        std::vector<KernelLogLine> lines;
        append_kernel_log(lines, std::move(log.lines));
        if (lines.empty())
            return;
        std::string text;
        for (const KernelLogLine& line : lines)
            text += kmsg_record_text(line);
        make_directory(dest("/dev"));
        write_all(dest("/dev/kmsg"), text, 0644);
        ++stats_.files;
    }

    void write_notes() {
        make_directory(dest("/.capture"));
        auto write_list = [this](const char* name, const std::vector<std::string>& paths) {
            std::string text;
            for (const std::string& path : paths)
                text += path + "\n";
            write_all(dest(std::string("/.capture/") + name), text, 0644);
        };
        write_list("unreadable.txt", unreadable_);
        write_list("skipped.txt", skipped_);
    }

    const RootReader& source_;
    std::string destination_;
    CaptureStats stats_;
    std::set<std::string> made_;
    std::set<std::string> device_roots_;
    std::vector<std::string> unreadable_;
    std::vector<std::string> skipped_;
};

}  // namespace

CaptureStats capture_tree(const RootReader& source, const std::string& destination) {
    std::string dest = destination;
    while (dest.size() > 1 && dest.back() == '/')
        dest.pop_back();
    prepare_destination(dest);
    return Capturer(source, dest).run();
}

}  // namespace srmd
