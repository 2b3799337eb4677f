// Locating fixture trees and making writable copies of them for tests that alter a tree.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace srmd::test {

// $SRMD_FIXTURES/<relative>, e.g. fixture("kernel-6.1/both").
inline std::string fixture(const std::string& relative) {
    const char* base = std::getenv("SRMD_FIXTURES");
    return std::string(base ? base : "tests/fixtures") + "/" + relative;
}

// A private temporary directory, removed with everything in it when the object goes away.
class TempDir {
  public:
    TempDir() {
        // Trees are thousands of small files: tmpfs makes copying them cheap.
        std::error_code ec;
        std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                         ? std::filesystem::path("/dev/shm")
                                         : std::filesystem::temp_directory_path();
        std::string pattern = base / "srmd-test-XXXXXX";
        path_ = ::mkdtemp(pattern.data()) ? pattern : "";
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// A writable copy of a fixture tree, symlinks kept as symlinks.
class TreeCopy {
  public:
    explicit TreeCopy(const std::string& source) {
        namespace fs = std::filesystem;
        fs::copy(source, dir_.path(),
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
            if (!entry.is_symlink())
                fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
        }
    }
    const std::string& path() const { return dir_.path(); }

  private:
    TempDir dir_;
};

}  // namespace srmd::test
