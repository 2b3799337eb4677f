#include "testbed.hpp"

#include <umockdev.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace srmd::testing {

namespace {

void put(const fs::path& file, const std::string& value) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << value;
}

// umockdev's bus table lacks cxl, memory and node: such devices land in /sys/class/<x>. Give
// them the bus directory and subsystem link the kernel would, since libcxl enumerates
// /sys/bus/cxl/devices.
void move_to_bus(const fs::path& sys, const std::string& bus) {
    fs::path cls = sys / "class" / bus;
    fs::path devices = sys / "bus" / bus / "devices";
    fs::create_directories(devices);
    if (!fs::exists(cls))
        return;
    for (const auto& entry : fs::directory_iterator(cls)) {
        if (!entry.is_symlink())
            continue;
        fs::path dir = fs::canonical(entry.path());
        fs::path rel = dir.lexically_relative(sys);
        fs::path link = devices / entry.path().filename();
        if (!fs::exists(fs::symlink_status(link)))
            fs::create_symlink(fs::path("../../..") / rel, link);
        fs::path up;
        for (auto it = rel.begin(); it != rel.end(); ++it)
            up /= "..";
        fs::remove(dir / "subsystem");
        fs::create_symlink(up / "bus" / bus, dir / "subsystem");
    }
}

void add_drivers(const fs::path& sys, const std::string& bus,
                 std::initializer_list<const char*> drivers) {
    for (const char* driver : drivers)
        for (const char* file : {"bind", "unbind", "new_id", "remove_id"})
            put(sys / "bus" / bus / "drivers" / driver / file, "");
}

}  // namespace

Testbed::Testbed(const std::string& topology) {
    testbed_ = umockdev_testbed_new();
    gchar* dir = umockdev_testbed_get_root_dir(testbed_);
    char real[PATH_MAX];
    root_ = realpath(dir, real) ? real : dir;
    g_free(dir);

    GError* error = nullptr;
    if (!umockdev_testbed_add_from_file(testbed_, topology.c_str(), &error)) {
        std::string message = error ? error->message : "unknown error";
        g_clear_error(&error);
        throw std::runtime_error("loading " + topology + ": " + message);
    }

    fs::path sys = root_ + "/sys";
    for (const char* bus : {"cxl", "memory", "node"})
        move_to_bus(sys, bus);
    add_drivers(sys, "dax", {"device_dax", "kmem"});
    add_drivers(sys, "cxl", {"cxl_mem", "cxl_port", "cxl_region", "cxl_dax_region"});
    add_drivers(sys, "platform", {"cxl_acpi", "hmem"});
    add_drivers(sys, "pci", {"pcieport", "cxl_pci"});
    put(sys / "bus/cxl/flush", "");
    // With initstate "live", kmod takes the module as loaded and never inserts the host's.
    for (const char* module : {"kmem", "device_dax", "dax_hmem", "cxl_core", "cxl_acpi", "cxl_port",
                               "cxl_mem", "cxl_pci", "dax_cxl"})
        put(sys / "module" / module / "initstate", "live\n");
    put(sys / ".fake-sysfs", "srmd umockdev testbed\n");
}

Testbed::~Testbed() {
    g_object_unref(testbed_);
}

void Testbed::uevent(const std::string& path, const std::string& action) {
    umockdev_testbed_uevent(testbed_, path.c_str(), action.c_str());
}

bool Testbed::redirected() const {
    // Both: the marker is visible through the preload, and it is this testbed's.
    return access("/sys/.fake-sysfs", F_OK) == 0 && fs::exists(root_ + "/sys/.fake-sysfs") &&
           getenv("UMOCKDEV_DIR") != nullptr;
}

}  // namespace srmd::testing
