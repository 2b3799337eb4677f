// RootReader keeps every path inside its root and reads only what a kernel file can be: a regular
// file of bounded size, quoted escaped and cut when an error shows it. Each case is a tree with one
// hostile entry and one call, as a probe found them; the last ones check that the walk used where
// openat2 is missing resolves every path as openat2 does.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "read/in-root.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "test-trees.hpp"
#include "util/error.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::TempDir;
using test::TreeCopy;

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A tree and, beside it, what a hostile tree's links point at.
struct Scene {
    TempDir dir;
    std::string root = dir.path() + "/tree";
    std::string outside = dir.path() + "/outside";
    Scene() {
        fs::create_directories(root + "/proc");
        fs::create_directories(outside);
    }
    void link(const std::string& rel, const std::string& target) const {
        fs::create_directories(fs::path(root + rel).parent_path());
        fs::create_symlink(target, root + rel);
    }
};

// The SystemError `read` throws; fails the test when it throws none.
template <typename Read>
SystemError error_of(Read read) {
    try {
        read();
    } catch (const SystemError& e) {
        return e;
    }
    ADD_FAILURE() << "no SystemError";
    return SystemError("", 0);
}

// --- fault 1: symlinks that leave the root

TEST(RootReaderConfinement, AnAbsoluteLinkToAHostFileIsTakenBelowTheRoot) {
    Scene scene;
    write_file(scene.outside + "/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    scene.link("/proc/iomem", scene.outside + "/passwd");
    RootReader reader(scene.root);

    SystemError error = error_of([&] { reader.read("/proc/iomem"); });
    EXPECT_EQ(error.error_number(), ENOENT);
    EXPECT_EQ(std::string(error.what()).find("root:x"), std::string::npos) << error.what();
    // The same target below the root is what the link means in a captured tree.
    write_file(scene.root + scene.outside + "/passwd", "in the tree\n");
    EXPECT_EQ(reader.read("/proc/iomem"), "in the tree\n");
}

TEST(RootReaderConfinement, DotDotStopsAtTheRoot) {
    Scene scene;
    write_file(scene.dir.path() + "/secret", "host\n");
    scene.link("/proc/iomem", "../../../../../../../../secret");
    RootReader reader(scene.root);
    EXPECT_EQ(error_of([&] { reader.read("/proc/iomem"); }).error_number(), ENOENT);
    EXPECT_FALSE(reader.exists("/proc/iomem"));
    EXPECT_EQ(reader.kind("/proc/iomem"), RootReader::Kind::Symlink);
    EXPECT_EQ(reader.read_attr_optional("/proc/../../secret"), std::nullopt);
    write_file(scene.root + "/secret", "tree\n");
    EXPECT_EQ(reader.read_attr("/proc/iomem"), "tree");
    EXPECT_EQ(reader.canonical("/proc/iomem"), "/secret");
}

TEST(RootReaderConfinement, TheSnapshotNeverQuotesAHostFile) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    TempDir host;
    write_file(host.path() + "/shadow", "root:$6$very-secret-hash:19000:0:99999:7:::\n");
    fs::remove(tree.path() + "/proc/iomem");
    fs::create_symlink(host.path() + "/shadow", tree.path() + "/proc/iomem");
    try {
        read_snapshot(RootReader(tree.path()));
        FAIL() << "a tree without its /proc/iomem was read";
    } catch (const SystemError& e) {
        EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
        EXPECT_EQ(e.error_number(), ENOENT) << e.what();
    }
}

TEST(RootReaderConfinement, AMemoryBlockDirectoryLinkedOutsideIsNotRead) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    TempDir host;
    const std::string block = "/sys/devices/system/memory/memory8";
    fs::rename(tree.path() + block, host.path() + "/memory8");
    write_file(host.path() + "/memory8/valid_zones", "Normal\n");
    RootReader reader(tree.path());

    for (const std::string& target :
         {host.path() + "/memory8", "../../../../../../../../../../" + host.path() + "/memory8"}) {
        SCOPED_TRACE(target);
        fs::remove(tree.path() + block);
        fs::create_symlink(target, tree.path() + block);
        EXPECT_EQ(reader.kind(block), RootReader::Kind::Symlink);
        EXPECT_FALSE(reader.exists(block));
        EXPECT_FALSE(reader.is_dir(block));
        EXPECT_FALSE(reader.exists(block + "/state"));
        EXPECT_EQ(error_of([&] { reader.read_attr(block + "/valid_zones"); }).error_number(),
                  ENOENT);
        EXPECT_EQ(error_of([&] { reader.list(block); }).error_number(), ENOENT);
        EXPECT_TRUE(reader.list_optional(block).empty());
        EXPECT_EQ(error_of([&] { reader.canonical(block); }).error_number(), ENOENT);
        EXPECT_EQ(reader.read_link(block + "/node1"), std::nullopt);
        EXPECT_EQ(reader.permissions(block + "/state"), std::nullopt);
    }
}

TEST(RootReaderConfinement, ADirectoryLinkedOutsideIsNotListed) {
    Scene scene;
    fs::create_directories(scene.outside + "/devices/dax9.9");
    scene.link("/sys/bus/dax/devices", scene.outside + "/devices");
    scene.link("/sys/bus/cxl", "../../../outside");
    RootReader reader(scene.root);
    EXPECT_TRUE(reader.list_optional("/sys/bus/dax/devices").empty());
    EXPECT_TRUE(reader.list_optional("/sys/bus/cxl/devices").empty());
    EXPECT_FALSE(reader.is_dir("/sys/bus/dax/devices/dax9.9"));
}

TEST(RootReaderConfinement, LinksInsideTheTreeStillResolve) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    RootReader reader(tree.path());
    EXPECT_EQ(reader.canonical("/sys/bus/dax/devices/dax0.0"),
              "/sys/devices/platform/hmem.0/dax0.0");
    EXPECT_EQ(reader.read_attr("/sys/bus/dax/devices/dax0.0/size"), "536870912");
    EXPECT_EQ(reader.link_name("/sys/bus/dax/devices/dax0.0/driver"), "kmem");
    EXPECT_TRUE(reader.is_dir("/sys/bus/dax/devices/dax0.0/mapping0"));
    // An absolute link inside a tree means a path below its root.
    fs::remove(tree.path() + "/sys/bus/dax/devices/dax0.0");
    fs::create_symlink("/sys/devices/platform/hmem.0/dax0.0",
                       tree.path() + "/sys/bus/dax/devices/dax0.0");
    EXPECT_EQ(reader.read_attr("/sys/bus/dax/devices/dax0.0/size"), "536870912");
    EXPECT_EQ(reader.canonical("/sys/bus/dax/devices/dax0.0"),
              "/sys/devices/platform/hmem.0/dax0.0");
}

// --- fault 3: what is not a small regular file

TEST(RootReaderTypes, AFifoIsRefusedAtOnce) {
    Scene scene;
    ASSERT_EQ(::mkfifo((scene.root + "/fifo").c_str(), 0644), 0);
    scene.link("/proc/iomem", "../fifo");
    RootReader reader(scene.root);
    ::alarm(20);  // a read that waits for a writer ends the test here instead of never
    for (const char* path : {"/fifo", "/proc/iomem"}) {
        SystemError error = error_of([&] { reader.read(path); });
        EXPECT_EQ(std::string(error.what()),
                  scene.root + "/" + (path + 1) +
                      ": is a FIFO, not a regular file: srmd reads only regular files");
        EXPECT_EQ(error.path(), scene.root + path);
    }
    ::alarm(0);
    EXPECT_EQ(reader.kind("/fifo"), RootReader::Kind::Other);
}

TEST(RootReaderTypes, DevicesAreRefusedOnTheMachineToo) {
    RootReader machine;
    SystemError error = error_of([&] { machine.read("/dev/zero"); });
    EXPECT_EQ(std::string(error.what()),
              "/dev/zero: is a character device, not a regular file: srmd reads only regular "
              "files");
    EXPECT_EQ(error_of([&] { machine.read_attr_optional("/dev/null"); }).path(), "/dev/null");
    // In a tree, /dev/zero means the tree's own, which is not there.
    Scene scene;
    scene.link("/proc/iomem", "/dev/zero");
    EXPECT_EQ(error_of([&] { RootReader(scene.root).read("/proc/iomem"); }).error_number(), ENOENT);
}

TEST(RootReaderTypes, ASocketAndADirectoryAreRefused) {
    Scene scene;
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = scene.root + "/proc/sock";
    ASSERT_LT(path.size(), sizeof address.sun_path);
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    RootReader reader(scene.root);
    EXPECT_EQ(std::string(error_of([&] { reader.read("/proc/sock"); }).what()),
              path + ": is a socket, not a regular file: srmd reads only regular files");
    ::close(fd);
    EXPECT_EQ(error_of([&] { reader.read("/proc"); }).error_number(), EISDIR);
}

TEST(RootReaderSize, FilesAreReadUpToTheirBound) {
    Scene scene;
    RootReader reader(scene.root);
    write_file(scene.root + "/sys/attr", std::string(RootReader::kMaxFile, '1'));
    EXPECT_EQ(reader.read("/sys/attr").size(), RootReader::kMaxFile);
    write_file(scene.root + "/sys/attr", std::string(RootReader::kMaxFile + 1, '1'));
    SystemError error = error_of([&] { reader.read("/sys/attr"); });
    EXPECT_EQ(std::string(error.what()),
              scene.root +
                  "/sys/attr: is larger than 1 MiB (1048576 bytes), more than any file srmd "
                  "reads can hold");
    EXPECT_EQ(error.error_number(), 0);

    // /proc files may be longer: /proc/iomem of a large server.
    write_file(scene.root + "/proc/iomem", std::string(RootReader::kMaxProcFile, 'x'));
    EXPECT_EQ(reader.read("/proc/iomem").size(), RootReader::kMaxProcFile);
    write_file(scene.root + "/proc/iomem", std::string(RootReader::kMaxProcFile + 1, 'x'));
    EXPECT_NE(std::string(error_of([&] { reader.read("/proc/iomem"); }).what())
                  .find("is larger than 4 MiB (4194304 bytes)"),
              std::string::npos);
}

TEST(RootReaderSize, AHugeAttributeIsNeitherReadNorQuoted) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    const std::string attr = tree.path() + "/sys/devices/system/memory/block_size_bytes";
    {
        std::ofstream out(attr, std::ios::trunc);
        out << std::string(50 << 20, '7');
    }
    try {
        read_snapshot(RootReader(tree.path()));
        FAIL() << "a 50 MB block_size_bytes was read";
    } catch (const SystemError& e) {
        EXPECT_LT(std::string(e.what()).size(), 300u) << std::string(e.what()).substr(0, 300);
        EXPECT_NE(std::string(e.what()).find("is larger than 1 MiB"), std::string::npos);
    }
}

TEST(RootReaderQuoting, AHostileValueReachesTheMessageEscapedAndCut) {
    TreeCopy tree(fixture("kernel-6.1/hmem-kmem-movable"));
    const std::string attr = tree.path() + "/sys/devices/system/memory/block_size_bytes";
    std::string value = "\x1b]0;owned\x07\x1b[2J" + std::string(100000, 'f') + "\n";
    write_file(attr, value);
    try {
        read_snapshot(RootReader(tree.path()));
        FAIL() << "a malformed block_size_bytes was read";
    } catch (const SystemError& e) {
        std::string what = e.what();
        EXPECT_EQ(what.find('\x1b'), std::string::npos);
        EXPECT_EQ(what.find('\x07'), std::string::npos);
        EXPECT_EQ(what, attr + ": malformed hex number '\\x1b]0;owned\\x07\\x1b[2J" +
                            std::string(200 - 14, 'f') + "'... (100014 bytes)");
    }
}

// --- the walk behind open_in_root where openat2 is missing

// A tree with every kind of link a walk must get right.
struct WalkScene : Scene {
    WalkScene() {
        write_file(root + "/inside/file", "file\n");
        write_file(dir.path() + "/inside/file", "host\n");
        fs::create_directories(root + "/a/b");
        link("/abs", "/inside/file");
        link("/up", "../../../../inside/file");
        link("/a/b/up2", "../../inside");
        link("/a/b/out", "../../../../../..");
        link("/dirlink", "inside");
        link("/chain", "dirlink/../abs");
        link("/loop", "loop");
        link("/dangling", "nothing");
        link("/absdir", "/a/b");
    }
};

// "ok <inode>" or the errno's name.
std::string outcome(int fd) {
    if (fd < 0)
        return errno_name(-fd);
    struct stat st;
    std::string result = ::fstat(fd, &st) == 0 ? "ok " + std::to_string(st.st_ino) : "fstat";
    ::close(fd);
    return result;
}

TEST(InRootWalk, ResolvesAsOpenat2Does) {
    WalkScene scene;
    int root = ::open(scene.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root, 0);
    Fd closer(root);
    if (outcome(open_in_root(root, "inside", O_PATH, 0, Confinement::InRoot)).rfind("ok", 0) != 0 ||
        openat2_missing())
        GTEST_SKIP() << "no openat2 on this kernel: nothing to compare the walk with";

    const char* paths[] = {
        "inside/file",
        "/inside/file",
        "",
        "/",
        ".",
        "..",
        "../inside/file",
        "a/../inside/file",
        "abs",
        "up",
        "a/b/up2/file",
        "a/b/out",
        "a/b/out/inside/file",
        "dirlink/file",
        "chain",
        "loop",
        "dangling",
        "inside/file/x",
        "absdir/up2/file",
        "missing/file",
        "dirlink",
        "abs/",
        "dirlink/",
        "inside/",
        "a/b/../../../../inside/file",
        "//inside//./file",
    };
    const int flag_sets[] = {O_RDONLY, O_PATH, O_PATH | O_NOFOLLOW, O_RDONLY | O_DIRECTORY,
                             O_RDONLY | O_NOFOLLOW};
    for (Confinement how : {Confinement::InRoot, Confinement::Beneath}) {
        for (const char* path : paths) {
            for (int flags : flag_sets) {
                SCOPED_TRACE(std::string(path) + " flags " + std::to_string(flags) +
                             (how == Confinement::InRoot ? " in root" : " beneath"));
                EXPECT_EQ(outcome(open_in_root_by_walk(root, path, flags, 0, how)),
                          outcome(open_in_root(root, path, flags, 0, how)));
            }
        }
    }
}

TEST(InRootWalk, BeneathRefusesWhatLeavesAndInRootKeepsItInside) {
    WalkScene scene;
    int root = ::open(scene.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root, 0);
    Fd closer(root);
    for (auto open : {open_in_root, open_in_root_by_walk}) {
        EXPECT_EQ(outcome(open(root, "abs", O_RDONLY, 0, Confinement::Beneath)), "EXDEV");
        EXPECT_EQ(outcome(open(root, "up", O_RDONLY, 0, Confinement::Beneath)), "EXDEV");
        EXPECT_EQ(outcome(open(root, "a/b/out/inside/file", O_RDONLY, 0, Confinement::Beneath)),
                  "EXDEV");
        EXPECT_EQ(
            outcome(open(root, "dirlink/file", O_RDONLY, 0, Confinement::Beneath)).rfind("ok", 0),
            0u);
        int fd = open(root, "up", O_RDONLY, 0, Confinement::InRoot);
        ASSERT_GE(fd, 0);
        char text[16] = {};
        EXPECT_EQ(::read(fd, text, sizeof text - 1), 5);
        EXPECT_STREQ(text, "file\n");  // the tree's, not the host's
        ::close(fd);
        EXPECT_EQ(outcome(open(root, "loop", O_RDONLY, 0, Confinement::InRoot)), "ELOOP");
    }
}

}  // namespace
}  // namespace srmd
