// libFuzzer entry point for the bounded, confined reader and the quoting of what it reads. The
// first byte picks one of three checks, the rest is the input:
//   0  quote_value: the quoted text is printable ASCII, bounded by the cut, and its escapes decode
//      back to exactly the bytes shown;
//   1  an attribute (and /proc/iomem) with fuzzed content and length, read through RootReader on a
//      temporary tree and parsed as srmd parses sysfs values: the read gives the file back whole
//      or refuses it as too large, and every SystemError message is printable ASCII;
//   2  a fuzzed path, resolved in a tree full of tricky symlinks by openat2 and by the walk used
//      where openat2 is missing: both must agree (same file, or same errno), in both
//      confinements, and nothing outside the tree is ever opened.
// Anything else that goes wrong aborts, and libFuzzer reports it as it does crashes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "read/in-root.hpp"
#include "read/iomem.hpp"
#include "read/root-reader.hpp"
#include "read/sysfs-values.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "%s\n", what.c_str());
    std::abort();
}

bool printable(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return false;
    return true;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// The bytes a quote_value() escape sequence stands for, or abort.
std::string unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            if (text[i] == '\'')
                fail("an unescaped quote inside the quotes");
            out += text[i];
            continue;
        }
        if (++i >= text.size())
            fail("a backslash at the end");
        switch (text[i]) {
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case '\\':
            case '\'':
                out += text[i];
                break;
            case 'x': {
                if (i + 2 >= text.size() || hex_digit(text[i + 1]) < 0 ||
                    hex_digit(text[i + 2]) < 0)
                    fail("a bad \\x escape");
                out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
                i += 2;
                break;
            }
            default:
                fail("an unknown escape");
        }
    }
    return out;
}

void check_quote(std::string_view input) {
    std::size_t max = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
    std::string_view value = input.empty() ? input : input.substr(1);
    std::string quoted = srmd::quote_value(value, max);
    if (!printable(quoted))
        fail("quote_value left an unprintable byte");
    if (quoted.size() > 4 * std::min(max, value.size()) + 2 + 32)
        fail("quote_value is longer than its cut allows");
    if (quoted.empty() || quoted[0] != '\'')
        fail("quote_value does not start with a quote");
    std::size_t close = quoted.rfind('\'');
    // The suffix "... (N bytes)" has no quote; the closing one is the last.
    if (close == 0)
        fail("quote_value has no closing quote");
    std::string shown = unescape(std::string_view(quoted).substr(1, close - 1));
    if (shown != value.substr(0, max))
        fail("quote_value's escapes do not decode to the value");
    std::string suffix = quoted.substr(close + 1);
    bool cut = value.size() > max;
    if (cut != !suffix.empty())
        fail("quote_value says it cut when it did not, or the reverse");
    if (cut && suffix != "... (" + std::to_string(value.size()) + " bytes)")
        fail("quote_value's cut says the wrong length: " + suffix);
}

// A temporary tree, made once: the attribute files the reads use, a tree of tricky links for the
// path resolution, and a file outside it that nothing may open.
struct Scene {
    std::string dir;
    std::string root;
    int root_fd = -1;
    struct stat secret {};

    Scene() {
        std::string pattern = "/dev/shm/srmd-fuzz-reader-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            fail("mkdtemp");
        dir = pattern;
        root = dir + "/tree";
        fs::create_directories(root + "/sys/a/b");
        fs::create_directories(root + "/proc");
        fs::create_directories(root + "/inside");
        std::ofstream(root + "/inside/file") << "inside\n";
        std::ofstream(dir + "/secret") << "secret\n";
        std::ofstream(root + "/secret") << "tree's own\n";
        ::stat((dir + "/secret").c_str(), &secret);
        auto link = [&](const char* at, const std::string& to) {
            fs::create_symlink(to, root + "/" + at);
        };
        link("abs", dir + "/secret");
        link("up", "../../../secret");
        link("sys/a/b/up", "../../../../../secret");
        link("sys/a/b/in", "../../../inside");
        link("sys/a/out", "/..");
        link("dirlink", "inside");
        link("chain", "dirlink/../abs");
        link("loop", "loop");
        link("dangling", "nothing");
        link("rootlink", "/");
        root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
            fail("open root");
    }
    ~Scene() {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
};

Scene& scene() {
    static Scene s;
    return s;
}

void write_sized(const std::string& path, std::string_view content, std::size_t size) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, content.data(), content.size()) < 0 ||
        ::ftruncate(fd, static_cast<off_t>(size)) != 0)
        fail("cannot write " + path);
    ::close(fd);
}

void check_message(const srmd::SystemError& error) {
    if (!printable(error.what()))
        fail(std::string("a SystemError with an unprintable byte: ") + error.what());
}

void check_read(std::string_view input) {
    Scene& s = scene();
    // Two bytes of length: small files of exactly the input, or one that reaches past the bound
    // (sparse: its tail reads as zeros).
    std::size_t size = input.size();
    std::string_view content = input;
    if (input.size() >= 2) {
        unsigned pick = static_cast<unsigned char>(input[0]) | static_cast<unsigned char>(input[1])
                                                                   << 8;
        content = input.substr(2);
        size = content.size();
        if (pick >= 0xfff0)
            size = srmd::RootReader::kMaxFile + (pick - 0xfff0) - 8;
    }
    srmd::RootReader reader(s.root);
    for (const char* path : {"/sys/a/attr", "/proc/iomem"}) {
        const std::size_t bound =
            path[1] == 'p' ? srmd::RootReader::kMaxProcFile : srmd::RootReader::kMaxFile;
        write_sized(s.root + path, content, size);
        try {
            std::string text = reader.read(path);
            if (text.size() != size || text.compare(0, content.size(), content) != 0)
                fail("read() did not give the file back whole");
            if (size > bound)
                fail("read() took a file over its bound");
            std::string attr = reader.read_attr(path);
            for (auto parse :
                 {+[](std::string_view t, const std::string&p) { srmd::parse_hex(t, p); },
                  +[](std::string_view t, const std::string&p) { srmd::parse_number(t, p); },
                  +[](std::string_view t, const std::string&p) { srmd::parse_signed(t, p); },
                  +[](std::string_view t, const std::string&p) { srmd::parse_bool(t, p); }}) {
                try {
                    parse(attr, reader.host_path(path));
                } catch (const srmd::SystemError& error) {
                    check_message(error);
                    if (std::string(error.what()).size() > 1200)
                        fail("a parse error longer than its quote allows");
                }
            }
            if (path[1] == 'p') {
                try {
                    srmd::parse_iomem(text, reader.host_path(path));
                } catch (const srmd::SystemError& error) {
                    check_message(error);
                }
            }
        } catch (const srmd::SystemError& error) {
            check_message(error);
            if (size <= bound)
                fail(std::string("read() refused a file within its bound: ") + error.what());
        }
    }
}

// "ok <inode>" or the errno.
std::string outcome(int fd) {
    if (fd < 0)
        return "errno " + std::to_string(-fd);
    struct stat st {};
    ::fstat(fd, &st);
    ::close(fd);
    if (st.st_ino == scene().secret.st_ino && st.st_dev == scene().secret.st_dev)
        fail("a path opened the file outside the tree");
    return "ok " + std::to_string(st.st_ino);
}

void check_path(std::string_view input) {
    if (input.empty())
        return;
    static const int flag_sets[] = {O_RDONLY, O_PATH, O_PATH | O_NOFOLLOW, O_RDONLY | O_DIRECTORY};
    int flags = flag_sets[static_cast<unsigned char>(input[0]) % 4];
    std::string path(input.substr(1, 1024));
    if (path.find('\0') != std::string::npos)
        return;
    Scene& s = scene();
    for (srmd::Confinement how : {srmd::Confinement::InRoot, srmd::Confinement::Beneath}) {
        std::string by_walk = outcome(srmd::open_in_root_by_walk(s.root_fd, path, flags, 0, how));
        std::string by_openat2 = outcome(srmd::open_in_root(s.root_fd, path, flags, 0, how));
        // ENAMETOOLONG and ELOOP may come at different points of a very long or looping path.
        bool both_failed_long = by_walk.rfind("errno", 0) == 0 &&
                                by_openat2.rfind("errno", 0) == 0 && path.size() > 255;
        if (by_walk != by_openat2 && !both_failed_long && !srmd::openat2_missing())
            fail("walk and openat2 disagree on '" + path + "': " + by_walk + " vs " + by_openat2);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        switch (data[0] % 3) {
            case 0:
                check_quote(input);
                break;
            case 1:
                check_read(input);
                break;
            case 2:
                check_path(input);
                break;
        }
    } catch (const std::exception& e) {
        fail(std::string("unexpected exception: ") + e.what());
    }
    return 0;
}
