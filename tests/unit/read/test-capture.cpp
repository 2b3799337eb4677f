// srmctl capture: a capture of a tree must read, through srmd, exactly like the tree itself.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "publish/ranges-json.hpp"
#include "read/capture.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace {

std::string fixtures_dir() {
    const char* dir = std::getenv("SRMD_FIXTURES");
    return dir ? dir : "tests/fixtures";
}

// Every fixture machine shipped in the project.
std::vector<std::string> fixture_trees() {
    std::vector<std::string> trees;
    for (const char* group : {"kernel-6.1", "constructed"}) {
        fs::path dir = fs::path(fixtures_dir()) / group;
        if (!fs::is_directory(dir))
            continue;
        for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
            if (entry.is_directory() && fs::is_directory(entry.path() / "sys"))
                trees.push_back(entry.path().string());
        }
    }
    std::sort(trees.begin(), trees.end());
    return trees;
}

class TempDir {
  public:
    TempDir() {
        // Creating many small files is what a capture does; on tmpfs that is 20 times faster.
        // The captures of all fixtures are kept until the end, so a small /dev/shm (a
        // container's 64 MiB) is passed over.
        std::error_code error;
        fs::space_info shm = fs::space("/dev/shm", error);
        bool use_shm = !error && shm.available >= (256u << 20) && ::access("/dev/shm", W_OK) == 0;
        fs::path base = use_shm ? fs::path("/dev/shm") : fs::temp_directory_path();
        std::string pattern = (base / "srmd-capture-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string contents(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct Entry {
    fs::file_type type = fs::file_type::none;
    std::string link_target;  // symlinks
    std::string data;         // regular files
    unsigned mode = 0;        // regular files

    bool operator==(const Entry& other) const = default;
};

// Every entry of a tree by relative path, links not followed, capture notes left out.
std::map<std::string, Entry> read_tree(const fs::path& root) {
    std::map<std::string, Entry> tree;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        std::string relative = it->path().lexically_relative(root).string();
        if (relative == ".capture") {
            it.disable_recursion_pending();
            continue;
        }
        Entry entry;
        entry.type = it->symlink_status().type();
        if (entry.type == fs::file_type::symlink) {
            entry.link_target = fs::read_symlink(it->path()).string();
        } else if (entry.type == fs::file_type::regular) {
            struct stat st;
            EXPECT_EQ(::lstat(it->path().c_str(), &st), 0) << it->path();
            entry.mode = st.st_mode & 07777;
            entry.data = contents(it->path());
        }
        tree[relative] = entry;
    }
    return tree;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        result.push_back(line);
    return result;
}

// What `srmctl simulate --json` prints for a tree, but for the root, which differs by design.
std::string simulate_json(const std::string& root) {
    srmd::RootReader reader(root);
    srmd::Snapshot snapshot = srmd::read_snapshot(reader);
    snapshot.root = "";
    return srmd::simulate_to_json(snapshot, srmd::compute_ranges(snapshot)).dump(2);
}

// One capture per fixture, shared by the tests that only look at it: creating files is what
// takes the time.
struct SharedCapture {
    TempDir temp;
    std::string out = temp.path() + "/out";
    srmd::CaptureStats stats;
};

const SharedCapture& capture_of(const std::string& tree) {
    static std::map<std::string, std::unique_ptr<SharedCapture>> captures;
    std::unique_ptr<SharedCapture>& capture = captures[tree];
    if (!capture) {
        capture = std::make_unique<SharedCapture>();
        capture->stats = srmd::capture_tree(srmd::RootReader(tree), capture->out);
    }
    return *capture;
}

class CaptureFixture : public testing::TestWithParam<std::string> {};

// Whatever the capture holds is the same in the original: same kind, same link target, same bytes
// and mode. And the counts it reports are the counts of what it wrote.
TEST_P(CaptureFixture, EveryCapturedEntryMatchesTheOriginal) {
    const std::string& out = capture_of(GetParam()).out;
    const srmd::CaptureStats& stats = capture_of(GetParam()).stats;

    std::map<std::string, Entry> original = read_tree(GetParam());
    std::map<std::string, Entry> captured = read_tree(out);
    unsigned long files = 0, links = 0, dirs = 0;
    for (const auto& [path, entry] : captured) {
        auto found = original.find(path);
        ASSERT_NE(found, original.end()) << path << " is not in the original";
        EXPECT_EQ(entry, found->second) << path;
        files += entry.type == fs::file_type::regular;
        links += entry.type == fs::file_type::symlink;
        dirs += entry.type == fs::file_type::directory;
    }
    EXPECT_EQ(stats.files, files);
    EXPECT_EQ(stats.links, links);
    EXPECT_EQ(stats.dirs, dirs);

    // A fixture on disk is readable throughout (its write-only attributes are empty files).
    if (::geteuid() == 0) {
        EXPECT_EQ(stats.unreadable, 0u);
        EXPECT_EQ(contents(out + "/.capture/unreadable.txt"), "");
    }
}

// The parts the capture rules take whole are complete: every link, file and directory below them.
TEST_P(CaptureFixture, WholeSubtreesAreComplete) {
    const std::string& out = capture_of(GetParam()).out;

    std::map<std::string, Entry> original = read_tree(GetParam());
    std::map<std::string, Entry> captured = read_tree(out);

    // Directories every kernel has, plus the device directories that the bus links lead to.
    std::vector<std::string> whole = {"sys/bus/dax",
                                      "sys/bus/memory",
                                      "sys/bus/node",
                                      "sys/devices/system/memory",
                                      "sys/devices/system/node",
                                      "sys/firmware/memmap"};
    for (const char* bus : {"sys/bus/cxl", "sys/bus/nd"})
        whole.push_back(bus);
    for (const auto& [path, entry] : original) {
        if (entry.type != fs::file_type::symlink || path.rfind("sys/bus/", 0) != 0)
            continue;
        std::error_code error;
        fs::path target = fs::canonical(fs::path(GetParam()) / path, error);
        if (error)
            continue;
        std::string relative = fs::relative(target, fs::canonical(GetParam())).string();
        if (relative.rfind("sys/devices/", 0) == 0 && fs::is_directory(target))
            whole.push_back(relative);
    }

    size_t checked = 0;
    for (const auto& [path, entry] : original) {
        bool below = false;
        for (const std::string& top : whole)
            below = below || path == top || path.rfind(top + "/", 0) == 0;
        if (!below || ("/" + path + "/").find("/power/") != std::string::npos)
            continue;
        auto found = captured.find(path);
        ASSERT_NE(found, captured.end()) << path << " was not captured";
        EXPECT_EQ(found->second, entry) << path;
        ++checked;
    }
    EXPECT_GT(checked, 50u);

    for (const char* proc : {"proc/iomem", "proc/meminfo", "proc/cmdline", "proc/modules"}) {
        if (original.count(proc)) {
            EXPECT_EQ(captured.count(proc), 1u) << proc;
        }
    }
}

// Capturing a capture changes nothing: what the capture holds is closed under its own rules.
TEST_P(CaptureFixture, CaptureOfACaptureIsIdentical) {
    TempDir temp;
    const std::string& first = capture_of(GetParam()).out;
    std::string second = temp.path() + "/second";
    const srmd::CaptureStats& a = capture_of(GetParam()).stats;
    srmd::CaptureStats b = srmd::capture_tree(srmd::RootReader(first), second);
    EXPECT_EQ(read_tree(first), read_tree(second));
    EXPECT_EQ(a.files, b.files);
    EXPECT_EQ(a.links, b.links);
    EXPECT_EQ(a.dirs, b.dirs);
}

// The point of a capture: srmd decides the same about it as about the machine it came from.
TEST_P(CaptureFixture, SimulateOfTheCaptureEqualsSimulateOfTheOriginal) {
    std::string original = simulate_json(GetParam());
    EXPECT_EQ(simulate_json(capture_of(GetParam()).out), original);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CaptureFixture, testing::ValuesIn(fixture_trees()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             fs::path path(info.param);
                             std::string name = path.parent_path().filename().string() + "_" +
                                                path.filename().string();
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c)))
                                     c = '_';
                             }
                             return name;
                         });

TEST(Capture, RefusesANonEmptyDestination) {
    TempDir temp;
    std::ofstream(temp.path() + "/keep") << "mine";
    srmd::RootReader source(fixtures_dir() + "/kernel-6.1/both");
    EXPECT_THROW(srmd::capture_tree(source, temp.path()), srmd::SystemError);
    EXPECT_EQ(contents(temp.path() + "/keep"), "mine");
    EXPECT_FALSE(fs::exists(temp.path() + "/sys"));
}

TEST(Capture, RefusesAFileAsDestination) {
    TempDir temp;
    std::ofstream(temp.path() + "/file") << "x";
    srmd::RootReader source(fixtures_dir() + "/kernel-6.1/both");
    EXPECT_THROW(srmd::capture_tree(source, temp.path() + "/file"), srmd::SystemError);
}

TEST(Capture, AcceptsAnEmptyOrMissingDestination) {
    TempDir temp;
    srmd::RootReader source(fixtures_dir() + "/kernel-6.1/hmem-devdax");
    EXPECT_GT(srmd::capture_tree(source, temp.path()).files, 0u);
    EXPECT_TRUE(fs::is_regular_file(temp.path() + "/proc/iomem"));
    EXPECT_GT(srmd::capture_tree(source, temp.path() + "/a/b/c").files, 0u);
    EXPECT_TRUE(fs::is_regular_file(temp.path() + "/a/b/c/proc/iomem"));
}

// This machine (and CI's) has no CXL: the capture must still work and say what it could not read.
TEST(Capture, CapturesTheRunningMachine) {
    TempDir temp;
    std::string out = temp.path() + "/out";
    srmd::RootReader host("/");
    srmd::CaptureStats stats = srmd::capture_tree(host, out);

    EXPECT_GT(stats.files, 0u);
    for (const char* path : {"/proc/iomem", "/proc/meminfo", "/proc/cmdline",
                             "/sys/devices/system/memory/block_size_bytes"}) {
        if (host.kind(path) == srmd::RootReader::Kind::File) {
            EXPECT_TRUE(fs::is_regular_file(out + path)) << path;
        }
    }
    EXPECT_EQ(fs::exists(out + "/sys/bus/cxl"),
              host.kind("/sys/bus/cxl") == srmd::RootReader::Kind::Directory);

    std::vector<std::string> unreadable = lines(contents(out + "/.capture/unreadable.txt"));
    EXPECT_EQ(unreadable.size(), stats.unreadable);
    for (const std::string& path : unreadable) {
        if (path.back() == '/')
            continue;  // a directory that could not be listed
        EXPECT_EQ(fs::file_size(out + path), 0u) << path;
        struct stat source_stat, captured_stat;
        if (::lstat(path.c_str(), &source_stat) == 0) {
            ASSERT_EQ(::lstat((out + path).c_str(), &captured_stat), 0) << path;
            EXPECT_EQ(source_stat.st_mode & 07777, captured_stat.st_mode & 07777) << path;
        }
    }
    // A bus's uevent is write-only: it cannot be read and must be listed, not silently dropped.
    if (host.kind("/sys/bus/memory/uevent") == srmd::RootReader::Kind::File) {
        EXPECT_NE(std::find(unreadable.begin(), unreadable.end(), "/sys/bus/memory/uevent"),
                  unreadable.end());
    }
    // srmd sees the same machine in the capture as on the machine itself.
    EXPECT_EQ(simulate_json(out), simulate_json("/"));

    // Links are kept as they are, and those srmd follows land inside the capture.
    if (!fs::is_directory(out + "/sys/bus/memory/devices"))
        return;
    for (const fs::directory_entry& entry :
         fs::directory_iterator(out + "/sys/bus/memory/devices", fs::directory_options{})) {
        EXPECT_TRUE(entry.is_symlink()) << entry.path();
        EXPECT_TRUE(fs::is_directory(entry.path())) << entry.path() << " dangles";
    }
}

}  // namespace
