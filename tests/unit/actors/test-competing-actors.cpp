// Competing actors on trees: a real capture with udev rules, daxctl configuration and kernel
// settings added, detected through the RootReader; srmd taking control of onlining and giving
// it back, through the simulated kernel.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/competing-actors.hpp"
#include "kernel/kernel-actuator.hpp"
#include "read/root-reader.hpp"
#include "read/snapshot.hpp"
#include "read/uevent.hpp"
#include "sim/sim-kernel.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::TreeCopy;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

bool exists(const std::string& path) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(path, ec));
}

// A distro rule in the shape RHEL ships: everything but memory skips to the end.
const std::string kDistroMemoryRules =
    "# Memory hotadd request\n"                                   // 1
    "SUBSYSTEM!=\"memory\", GOTO=\"memory_hotplug_end\"\n"        // 2
    "ACTION!=\"add\", GOTO=\"memory_hotplug_end\"\n"              // 3
    "\n"                                                          // 4
    "ENV{.state}=\"online\"\n"                                    // 5
    "ATTR{state}==\"offline\", \\\n"                              // 6
    "  ATTR{state}=\"$env{.state}\"\n"                            // 7
    "\n"                                                          // 8
    "LABEL=\"memory_hotplug_end\"\n"                              // 9
    "SUBSYSTEM==\"cpu\", ACTION==\"add\", ATTR{online}=\"1\"\n";  // 10

// ndctl's rule as Debian's daxctl 76.1 installs it, after a comment of ours.
const std::string kDaxctlRules =
    "# runs daxctl on new dax devices\n"
    "\n"
    "ACTION==\"add\", SUBSYSTEM==\"dax\",\\\n"
    "  RUN+=\"/usr/bin/daxctl -C $env{DEVNAME}\"\n";

const std::string kHarmlessRules =
    "SUBSYSTEM==\"block\", ATTR{queue/scheduler}=\"none\"\n"
    "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}==\"offline\", TAG+=\"seen\"\n"
    "SUBSYSTEM==\"memory\", ACTION==\"add\", RUN+=\"/usr/bin/logger memory block added\"\n";

const std::string kOnlineKernel =
    "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}=\"online_kernel\"\n";

const std::string kDaxctlConf =
    "# comments first\n"                                    // 1
    "[reconfigure-device cxl-expander]\n"                   // 2
    "nvdimm.uuid = 6f1a4c7e-0000-4a8b-9c3d-112233445566\n"  // 3
    "mode = system-ram\n"                                   // 4
    "online = true\n"                                       // 5
    "movable = false\n"                                     // 6
    "\n"                                                    // 7
    "[reconfigure-device keep-devdax]\n"                    // 8
    "nvdimm.uuid = 00000000-1111-2222-3333-444444444444\n"  // 9
    "mode = devdax\n";                                      // 10

// hmem-devdax (auto_online_blocks "offline" in the capture) with the actors added.
class Machine {
  public:
    Machine() : tree_(fixture("kernel-6.1/hmem-devdax")) {
        const std::string& r = tree_.path();
        write_file(r + "/sys/devices/system/memory/auto_online_blocks", "online_movable\n");
        write_file(r + "/proc/cmdline",
                   "BOOT_IMAGE=/vmlinuz root=/dev/vda1 memhp_default_state=online\n");
        // Merged /usr: /lib is a link to usr/lib, so its rules are read once.
        fs::create_directory_symlink("usr/lib", r + "/lib");
        const std::string vendor = r + "/usr/lib/udev/rules.d/";
        write_file(vendor + "40-redhat.rules", kDistroMemoryRules);
        write_file(vendor + "90-daxctl-device.rules", kDaxctlRules);
        write_file(vendor + "60-harmless.rules", kHarmlessRules);
        write_file(vendor + "70-masked.rules", kOnlineKernel);
        write_file(vendor + "71-emptied.rules", kOnlineKernel);
        write_file(vendor + "72-shadowed.rules", kOnlineKernel);
        write_file(vendor + "README", kOnlineKernel);  // not a .rules file: udev ignores it
        const std::string admin = r + "/etc/udev/rules.d/";
        write_file(admin + "80-local-memory.rules", kOnlineKernel);
        fs::create_symlink("/dev/null", admin + "70-masked.rules");
        write_file(admin + "71-emptied.rules", "");
        // Someone else's runtime rule shadows the vendor one: it is the one that acts.
        write_file(r + "/run/udev/rules.d/72-shadowed.rules", "# theirs\n" + kOnlineKernel);
        write_file(r + "/etc/daxctl.conf.d/daxctl.example.conf",
                   "# [reconfigure-device unique_identifier_foo]\n# mode = system-ram\n");
        write_file(r + "/etc/daxctl.conf.d/expander.conf", kDaxctlConf);
        write_file(r + "/usr/lib/systemd/system/daxdev-reconfigure@.service", "[Service]\n");
        vendor_text_ = read_file(vendor + "40-redhat.rules");
    }

    const std::string& root() const { return tree_.path(); }
    std::vector<CompetingActor> actors() const {
        RootReader reader(root());
        return find_competing_actors(reader, read_snapshot(reader));
    }
    std::optional<std::string> recorded() const {
        return read_recorded_auto_online(RootReader(root()));
    }
    std::string auto_online() const {
        return read_snapshot(RootReader(root())).memory.auto_online_blocks;
    }
    const std::string& vendor_text() const { return vendor_text_; }

  private:
    TreeCopy tree_;
    std::string vendor_text_;
};

std::string summary(const CompetingActor& a) {
    std::string line = std::string(to_string(a.kind)) + " " + a.path;
    if (a.line > 0)
        line += ":" + std::to_string(a.line);
    if (a.can_take_over)
        line += " takeable";
    if (a.masked_by_srmd)
        line += " masked";
    return line;
}

std::vector<std::string> summaries(const std::vector<CompetingActor>& actors) {
    std::vector<std::string> lines;
    for (const CompetingActor& a : actors)
        lines.push_back(summary(a));
    return lines;
}

const CompetingActor* find(const std::vector<CompetingActor>& actors, ActorKind kind,
                           const std::string& path) {
    for (const CompetingActor& a : actors)
        if (a.kind == kind && a.path == path)
            return &a;
    return nullptr;
}

TEST(CompetingActors, FindsEveryActorWithItsLine) {
    Machine machine;
    std::vector<CompetingActor> actors = machine.actors();
    EXPECT_EQ(summaries(actors),
              (std::vector<std::string>{
                  "kernel-auto-online /sys/devices/system/memory/auto_online_blocks takeable",
                  "boot-parameter /proc/cmdline takeable",
                  "udev-rule /usr/lib/udev/rules.d/40-redhat.rules:6 takeable",
                  "udev-rule /run/udev/rules.d/72-shadowed.rules:2",
                  "udev-rule /etc/udev/rules.d/80-local-memory.rules:1",
                  "udev-rule /usr/lib/udev/rules.d/90-daxctl-device.rules:3 takeable",
                  "daxctl-config /etc/daxctl.conf.d/expander.conf:2",
                  "daxctl-service /usr/lib/systemd/system/daxdev-reconfigure@.service",
              }));
    EXPECT_EQ(actors[0].value, "online_movable");
    EXPECT_EQ(actors[1].value, "online");
    const CompetingActor* distro =
        find(actors, ActorKind::UdevRule, "/usr/lib/udev/rules.d/40-redhat.rules");
    ASSERT_NE(distro, nullptr);
    EXPECT_EQ(distro->rule_name, "40-redhat.rules");
    EXPECT_NE(distro->what.find("$env{.state}"), std::string::npos) << distro->what;
    const CompetingActor* daxctl =
        find(actors, ActorKind::UdevRule, "/usr/lib/udev/rules.d/90-daxctl-device.rules");
    ASSERT_NE(daxctl, nullptr);
    EXPECT_NE(daxctl->what.find("daxctl"), std::string::npos);
    const CompetingActor* config =
        find(actors, ActorKind::DaxctlConfig, "/etc/daxctl.conf.d/expander.conf");
    ASSERT_NE(config, nullptr);
    EXPECT_NE(config->what.find("6f1a4c7e-0000-4a8b-9c3d-112233445566"), std::string::npos);
    EXPECT_NE(config->what.find("ZONE_NORMAL"), std::string::npos) << config->what;
}

TEST(CompetingActors, QuietMachineHasNone) {
    // The capture as it is: auto_online_blocks "offline", no rules, no daxctl configuration.
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    RootReader reader(tree.path());
    EXPECT_TRUE(find_competing_actors(reader, read_snapshot(reader)).empty());
    write_file(tree.path() + "/proc/cmdline", "root=/dev/vda1 memhp_default_state=offline\n");
    EXPECT_TRUE(find_competing_actors(reader, read_snapshot(reader)).empty());
}

TEST(CompetingActors, RuleFormsThatOnlineMemory) {
    TreeCopy tree(fixture("kernel-6.1/hmem-devdax"));
    const std::string dir = tree.path() + "/usr/lib/udev/rules.d/";
    write_file(dir + "10-echo.rules",
               "SUBSYSTEM==\"memory\", ACTION==\"add\", "
               "RUN+=\"/bin/sh -c 'echo online > /sys$devpath/state'\"\n");
    write_file(dir + "11-chmem.rules", "SUBSYSTEM==\"memory\", RUN+=\"/usr/sbin/chmem -e 1G\"\n");
    write_file(dir + "12-wants.rules",
               "ACTION==\"add\", SUBSYSTEM==\"dax\", TAG+=\"systemd\", "
               "PROGRAM=\"/usr/bin/systemd-escape -p --template=daxdev-reconfigure@.service "
               "$env{DEVNAME}\", ENV{SYSTEMD_WANTS}=\"%c\"\n");
    write_file(dir + "13-kernel-glob.rules",
               "KERNEL==\"memory*\", ACTION==\"add\", ATTR{state}:=\"online_movable\"\n");
    RootReader reader(tree.path());
    std::vector<std::string> found =
        summaries(find_competing_actors(reader, read_snapshot(reader)));
    EXPECT_EQ(found, (std::vector<std::string>{
                         "udev-rule /usr/lib/udev/rules.d/10-echo.rules:1 takeable",
                         "udev-rule /usr/lib/udev/rules.d/11-chmem.rules:1 takeable",
                         "udev-rule /usr/lib/udev/rules.d/12-wants.rules:1 takeable",
                         "udev-rule /usr/lib/udev/rules.d/13-kernel-glob.rules:1 takeable",
                     }));
}

TEST(CompetingActors, TakeControlAndGiveItBack) {
    Machine machine;
    SimulatedKernel kernel(machine.root());

    ControlPlan plan = plan_take_control(machine.actors(), true, machine.recorded());
    EXPECT_EQ(plan.record_auto_online, "online_movable");
    EXPECT_EQ(plan.write_auto_online, "offline");
    ASSERT_EQ(plan.masks.size(), 2u);
    EXPECT_EQ(plan.masks[0].name, "40-redhat.rules");
    EXPECT_EQ(plan.masks[1].name, "90-daxctl-device.rules");
    EXPECT_TRUE(plan.unmasks.empty());
    // The administrator's and someone else's runtime rule, the daxctl config and the service.
    EXPECT_EQ(plan.left_alone.size(), 4u);

    ControlOutcome outcome = carry_out_control_plan(plan, kernel, machine.root());
    EXPECT_TRUE(outcome.ok) << (outcome.errors.empty() ? "" : outcome.errors[0]);
    EXPECT_EQ(machine.auto_online(), "offline");
    EXPECT_EQ(machine.recorded(), "online_movable");
    std::string mask = read_file(machine.root() + "/run/udev/rules.d/40-redhat.rules");
    EXPECT_EQ(mask.rfind(kMaskMarker, 0), 0u) << mask;
    EXPECT_NE(mask.find("/usr/lib/udev/rules.d/40-redhat.rules"), std::string::npos);
    for (std::istringstream in(mask); !in.eof();) {
        std::string line;
        std::getline(in, line);
        EXPECT_TRUE(line.empty() || line[0] == '#') << "a mask holds comments only: " << line;
    }
    EXPECT_EQ(read_file(machine.root() + "/usr/lib/udev/rules.d/40-redhat.rules"),
              machine.vendor_text());

    // Now the rules are reported as masked, and a second pass changes nothing.
    std::vector<CompetingActor> after = machine.actors();
    const CompetingActor* distro =
        find(after, ActorKind::UdevRule, "/usr/lib/udev/rules.d/40-redhat.rules");
    ASSERT_NE(distro, nullptr);
    EXPECT_TRUE(distro->masked_by_srmd);
    EXPECT_EQ(find(after, ActorKind::KernelAutoOnline, kAutoOnlineBlocks), nullptr);
    ControlPlan again = plan_take_control(after, true, machine.recorded());
    EXPECT_FALSE(again.record_auto_online);
    EXPECT_FALSE(again.write_auto_online);
    EXPECT_FALSE(again.forget_recorded);
    EXPECT_TRUE(again.masks.empty());
    EXPECT_TRUE(again.unmasks.empty());
    ControlOutcome nothing = carry_out_control_plan(again, kernel, machine.root());
    EXPECT_TRUE(nothing.ok);
    EXPECT_TRUE(nothing.done.empty());

    // With the kernel's auto-onlining off, kmem adds the blocks and nobody onlines them.
    Step reconfigure;
    reconfigure.action = Action::ReconfigureDax;
    reconfigure.target = "dax0.0";
    reconfigure.mode = DaxMode::SystemRam;
    StepOutcome bound = kernel.execute(reconfigure);
    ASSERT_TRUE(bound.ok) << bound.message;
    std::string events = read_file(machine.root() + kSimUeventLog);
    EXPECT_NE(events.find("add memory /devices/system/memory/memory8\n"), std::string::npos);
    EXPECT_EQ(events.find("online memory"), std::string::npos) << events;

    // Giving back: srmd's masks go, the recorded value returns, everything else is as it was.
    ControlPlan back = plan_take_control(machine.actors(), false, machine.recorded());
    EXPECT_EQ(back.write_auto_online, "online_movable");
    EXPECT_TRUE(back.forget_recorded);
    EXPECT_EQ(back.unmasks,
              (std::vector<std::string>{"40-redhat.rules", "90-daxctl-device.rules"}));
    ControlOutcome returned = carry_out_control_plan(back, kernel, machine.root());
    EXPECT_TRUE(returned.ok) << (returned.errors.empty() ? "" : returned.errors[0]);
    EXPECT_EQ(machine.auto_online(), "online_movable");
    EXPECT_FALSE(machine.recorded());
    EXPECT_FALSE(exists(machine.root() + "/run/udev/rules.d/40-redhat.rules"));
    EXPECT_FALSE(exists(machine.root() + "/run/udev/rules.d/90-daxctl-device.rules"));
    EXPECT_EQ(read_file(machine.root() + "/run/udev/rules.d/72-shadowed.rules"),
              "# theirs\n" + kOnlineKernel);
    EXPECT_TRUE(exists(machine.root() + "/etc/udev/rules.d/80-local-memory.rules"));
    EXPECT_EQ(summaries(machine.actors()), summaries(Machine().actors()));

    // And giving back twice does nothing.
    ControlPlan twice = plan_take_control(machine.actors(), false, machine.recorded());
    EXPECT_FALSE(twice.write_auto_online);
    EXPECT_TRUE(twice.unmasks.empty());
}

TEST(CompetingActors, GivingBackLeavesASettingSomeoneElseChanged) {
    Machine machine;
    SimulatedKernel kernel(machine.root());
    carry_out_control_plan(plan_take_control(machine.actors(), true, std::nullopt), kernel,
                           machine.root());
    ASSERT_EQ(machine.auto_online(), "offline");
    // The administrator turns auto-onlining back on while srmd holds control.
    ASSERT_TRUE(kernel.write(kAutoOnlineBlocks, "online").ok);
    ControlPlan back = plan_take_control(machine.actors(), false, machine.recorded());
    EXPECT_FALSE(back.write_auto_online);
    EXPECT_TRUE(back.forget_recorded);
    EXPECT_TRUE(carry_out_control_plan(back, kernel, machine.root()).ok);
    EXPECT_EQ(machine.auto_online(), "online");
    EXPECT_FALSE(machine.recorded());
}

TEST(CompetingActors, StaleMasksAreReportedAndRemoved) {
    Machine machine;
    SimulatedKernel kernel(machine.root());
    carry_out_control_plan(plan_take_control(machine.actors(), true, std::nullopt), kernel,
                           machine.root());
    // The package that shipped the rule is removed: srmd's mask now shadows nothing.
    fs::remove(machine.root() + "/usr/lib/udev/rules.d/90-daxctl-device.rules");
    std::vector<CompetingActor> actors = machine.actors();
    const CompetingActor* stale =
        find(actors, ActorKind::SrmdMask, "/run/udev/rules.d/90-daxctl-device.rules");
    ASSERT_NE(stale, nullptr);
    EXPECT_TRUE(stale->masked_by_srmd);
    ControlPlan plan = plan_take_control(actors, true, machine.recorded());
    EXPECT_EQ(plan.unmasks, std::vector<std::string>{"90-daxctl-device.rules"});
    EXPECT_TRUE(plan.masks.empty());
    EXPECT_TRUE(carry_out_control_plan(plan, kernel, machine.root()).ok);
    EXPECT_FALSE(exists(machine.root() + "/run/udev/rules.d/90-daxctl-device.rules"));
    EXPECT_TRUE(exists(machine.root() + "/run/udev/rules.d/40-redhat.rules"));
}

TEST(CompetingActors, NeverOverwritesOrRemovesAFileThatIsNotSrmds) {
    Machine machine;
    SimulatedKernel kernel(machine.root());
    const std::string theirs = machine.root() + "/run/udev/rules.d/72-shadowed.rules";
    ControlPlan plan;
    plan.masks.push_back({"72-shadowed.rules", "test"});
    ControlOutcome outcome = carry_out_control_plan(plan, kernel, machine.root());
    EXPECT_FALSE(outcome.ok);
    ASSERT_EQ(outcome.errors.size(), 1u);
    EXPECT_NE(outcome.errors[0].find("/run/udev/rules.d/72-shadowed.rules"), std::string::npos);
    ControlPlan remove;
    remove.unmasks.push_back("72-shadowed.rules");
    EXPECT_TRUE(carry_out_control_plan(remove, kernel, machine.root()).done.empty());
    EXPECT_EQ(read_file(theirs), "# theirs\n" + kOnlineKernel);
}

// /run is writable by more than srmd: a link planted where srmd's temporary files used to go
// (the file's name + ".srmd-new") must not be followed when srmd writes its record and masks.
TEST(CompetingActors, TakingControlNeverFollowsALinkAtATemporaryName) {
    Machine machine;
    SimulatedKernel kernel(machine.root());
    const std::string victim = machine.root() + "/etc/victim";
    write_file(victim, "precious");
    write_file(machine.root() + "/run/srmd/.keep", "");
    fs::create_symlink(victim, machine.root() + std::string(kRecordedAutoOnline) + ".srmd-new");
    fs::create_symlink(victim, machine.root() + "/run/udev/rules.d/40-redhat.rules.srmd-new");
    ControlOutcome outcome = carry_out_control_plan(
        plan_take_control(machine.actors(), true, std::nullopt), kernel, machine.root());
    EXPECT_TRUE(outcome.ok) << (outcome.errors.empty() ? "" : outcome.errors[0]);
    EXPECT_EQ(read_file(victim), "precious");
    EXPECT_EQ(machine.recorded(), "online_movable");
    std::string mask = read_file(machine.root() + "/run/udev/rules.d/40-redhat.rules");
    EXPECT_EQ(mask.rfind(kMaskMarker, 0), 0u) << mask;
}

TEST(CompetingActors, NoWriteWithoutARecordToUndoIt) {
    Machine machine;
    SimulatedKernel kernel(machine.root());
    // /run/srmd cannot be made: a file stands in the way.
    write_file(machine.root() + "/run/srmd", "");
    ControlOutcome outcome = carry_out_control_plan(
        plan_take_control(machine.actors(), true, std::nullopt), kernel, machine.root());
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(machine.auto_online(), "online_movable");
    ASSERT_FALSE(outcome.errors.empty());
    EXPECT_NE(outcome.errors[0].find(kRecordedAutoOnline), std::string::npos) << outcome.errors[0];
}

TEST(CompetingActors, KernelActuatorWritesTheSetting) {
    test::TempDir dir;
    write_file(dir.path() + kAutoOnlineBlocks, "online\n");
    KernelActuatorOptions options;
    options.root = dir.path();
    KernelActuator actuator(options);
    StepOutcome written = actuator.write_setting(kAutoOnlineBlocks, "offline");
    EXPECT_TRUE(written.ok) << written.message;
    EXPECT_EQ(read_file(dir.path() + kAutoOnlineBlocks), "offline");
    StepOutcome missing =
        actuator.write_setting("/sys/devices/system/memory/no_such_setting", "offline");
    EXPECT_FALSE(missing.ok);
    EXPECT_EQ(missing.error, ENOENT);
    EXPECT_NE(missing.path.find("no_such_setting"), std::string::npos);
}

}  // namespace
}  // namespace srmd
