// The boot hook (actors/boot-hook.hpp) on trees: srmd writes /etc/modprobe.d/srmd-kmem.conf below
// the root while the policy sets exclusive_onlining, records it in its state file, removes it when
// the policy stops asking, and never touches a file someone else wrote or edited. On the real 7.2
// tree of Debian's default boot, the refusal for the trapped range names the hook as the remedy.
#include <gtest/gtest.h>

#include <filesystem>

#include "actors/boot-hook.hpp"
#include "policy/policy-load.hpp"
#include "service/reconciler.hpp"
#include "service/state-store.hpp"
#include "sim/sim-kernel.hpp"
#include "test-steps.hpp"
#include "test-trees.hpp"

namespace srmd {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::read_file;
using test::TempDir;
using test::TreeCopy;
using test::write_file;

const char kHook[] = "/usr/libexec/srmd/srmd-kmem-hook";

Policy policy_from(const char* text) {
    PolicyLoad load = parse_policy_text(text, "test.yaml");
    EXPECT_TRUE(load.policy) << (load.diagnostics.empty() ? "" : load.diagnostics[0].message);
    return load.policy ? *load.policy : Policy{};
}

const char kExclusive[] = R"(version: 1
settings:
  exclusive_onlining: true
rules:
  - name: ram
    mode: system-ram
    zone: movable
)";

const char kShared[] = R"(version: 1
rules:
  - name: ram
    mode: system-ram
    zone: movable
)";

Changes full() {
    Changes c;
    c.full = true;
    return c;
}

// --- apply_boot_hook alone

TEST(BootHook, TheTextLoadsKmemThroughTheHookProgram) {
    std::string text = boot_hook_text(kHook);
    EXPECT_NE(text.find("\ninstall kmem if [ -x /usr/libexec/srmd/srmd-kmem-hook ]; then "
                        "/usr/libexec/srmd/srmd-kmem-hook $CMDLINE_OPTS; else /sbin/modprobe "
                        "--ignore-install kmem $CMDLINE_OPTS; fi\n"),
              std::string::npos)
        << text;
    // Every other line is a comment, saying whose it is and where to read more.
    EXPECT_NE(text.find("# Installed by srmd"), std::string::npos);
    EXPECT_NE(text.find("srmd(8)"), std::string::npos);
}

TEST(BootHook, WrittenWhenWantedAndRemovedWhenNot) {
    TempDir root;
    const std::string path = root.path() + kBootHookPath;
    BootHookResult on = apply_boot_hook(root.path(), true, kHook, std::nullopt, true);
    EXPECT_EQ(on.state, BootHookState::Installed);
    ASSERT_TRUE(on.recorded);
    EXPECT_EQ(*on.recorded, boot_hook_text(kHook));
    EXPECT_EQ(read_file(path), boot_hook_text(kHook));
    ASSERT_EQ(on.done.size(), 1u);
    EXPECT_TRUE(on.errors.empty());

    // Again: nothing more to do.
    BootHookResult again = apply_boot_hook(root.path(), true, kHook, on.recorded, true);
    EXPECT_EQ(again.state, BootHookState::Installed);
    EXPECT_TRUE(again.done.empty());

    BootHookResult off = apply_boot_hook(root.path(), false, kHook, on.recorded, true);
    EXPECT_EQ(off.state, BootHookState::Off);
    EXPECT_FALSE(off.recorded);
    EXPECT_EQ(off.done.size(), 1u);
    EXPECT_FALSE(fs::exists(path));

    // Nothing there and nothing wanted: nothing happens.
    BootHookResult none = apply_boot_hook(root.path(), false, kHook, std::nullopt, true);
    EXPECT_EQ(none.state, BootHookState::Off);
    EXPECT_TRUE(none.done.empty());
}

TEST(BootHook, AnEditedFileIsNeverTouched) {
    TempDir root;
    const std::string path = root.path() + kBootHookPath;
    BootHookResult on = apply_boot_hook(root.path(), true, kHook, std::nullopt, true);
    std::string edited = read_file(path) + "options kmem foo=1\n";
    write_file(path, edited);

    BootHookResult wanted = apply_boot_hook(root.path(), true, kHook, on.recorded, true);
    EXPECT_EQ(wanted.state, BootHookState::Foreign);
    EXPECT_FALSE(wanted.recorded);
    EXPECT_TRUE(wanted.done.empty());
    EXPECT_EQ(read_file(path), edited);

    BootHookResult unwanted = apply_boot_hook(root.path(), false, kHook, on.recorded, true);
    EXPECT_EQ(unwanted.state, BootHookState::Foreign);
    EXPECT_TRUE(unwanted.done.empty());
    EXPECT_EQ(read_file(path), edited);
}

TEST(BootHook, AnAdministratorsFileOrLinkIsLeftAlone) {
    TempDir root;
    const std::string path = root.path() + kBootHookPath;
    fs::create_directories(fs::path(path).parent_path());
    write_file(path, "install kmem /bin/true\n");
    EXPECT_EQ(apply_boot_hook(root.path(), true, kHook, std::nullopt, true).state,
              BootHookState::Foreign);
    EXPECT_EQ(read_file(path), "install kmem /bin/true\n");

    fs::remove(path);
    write_file(root.path() + "/target", boot_hook_text(kHook));
    fs::create_symlink("/target", path);
    EXPECT_EQ(apply_boot_hook(root.path(), false, kHook, std::nullopt, true).state,
              BootHookState::Foreign);
    EXPECT_TRUE(fs::is_symlink(path));
}

// A file an older srmd wrote (another hook path) is still srmd's: the recorded text says so.
TEST(BootHook, TheTextAnOlderSrmdWroteIsReplacedOrRemoved) {
    TempDir root;
    const std::string path = root.path() + kBootHookPath;
    const std::string old_text = boot_hook_text("/usr/lib/srmd/srmd-kmem-hook");
    fs::create_directories(fs::path(path).parent_path());
    write_file(path, old_text);

    BootHookResult on = apply_boot_hook(root.path(), true, kHook, old_text, true);
    EXPECT_EQ(on.state, BootHookState::Installed);
    EXPECT_EQ(read_file(path), boot_hook_text(kHook));
    ASSERT_EQ(on.done.size(), 1u);
    EXPECT_EQ(on.done[0].rfind("updated", 0), 0u) << on.done[0];

    write_file(path, old_text);
    BootHookResult off = apply_boot_hook(root.path(), false, kHook, old_text, true);
    EXPECT_EQ(off.state, BootHookState::Off);
    EXPECT_FALSE(fs::exists(path));

    // Without the record, an old text is not known to be srmd's.
    write_file(path, old_text);
    EXPECT_EQ(apply_boot_hook(root.path(), false, kHook, std::nullopt, true).state,
              BootHookState::Foreign);
    EXPECT_TRUE(fs::exists(path));
}

TEST(BootHook, WithoutActingNothingChanges) {
    TempDir root;
    const std::string path = root.path() + kBootHookPath;
    EXPECT_EQ(apply_boot_hook(root.path(), true, kHook, std::nullopt, false).state,
              BootHookState::Off);
    EXPECT_FALSE(fs::exists(path));
    apply_boot_hook(root.path(), true, kHook, std::nullopt, true);
    BootHookResult kept = apply_boot_hook(root.path(), false, kHook, std::nullopt, false);
    EXPECT_EQ(kept.state, BootHookState::Installed);
    EXPECT_TRUE(kept.done.empty());
    EXPECT_TRUE(fs::exists(path));
}

TEST(BootHook, AFailedWriteIsReported) {
    if (::geteuid() == 0)
        GTEST_SKIP() << "root writes into a read-only directory";
    TempDir root;
    fs::create_directories(root.path() + "/etc/modprobe.d");
    fs::permissions(root.path() + "/etc/modprobe.d", fs::perms::owner_read | fs::perms::owner_exec);
    BootHookResult on = apply_boot_hook(root.path(), true, kHook, std::nullopt, true);
    EXPECT_EQ(on.state, BootHookState::Failed);
    ASSERT_EQ(on.errors.size(), 1u);
    EXPECT_EQ(on.errors[0].rfind(kBootHookPath, 0), 0u) << on.errors[0];
    fs::permissions(root.path() + "/etc/modprobe.d", fs::perms::owner_all);
}

// --- through the reconciler, on the real 7.2 tree of Debian's default boot

struct Machine {
    Machine() : copy(fixture("kernel-7.2/numa-default-boot")), kernel(copy.path(), {}) {}
    std::string state_path() const { return copy.path() + "/state.json"; }
    std::string hook_path() const { return copy.path() + kBootHookPath; }
    std::unique_ptr<Reconciler> reconciler(const char* policy, bool act = true) {
        ReconcilerSettings settings;
        settings.state_path = state_path();
        settings.act = act;
        settings.kmem_hook = kHook;
        auto r = std::make_unique<Reconciler>(RootReader(copy.path()), kernel, settings);
        EXPECT_EQ(r->load_state(), "");
        r->set_policy(policy_from(policy));
        return r;
    }
    TreeCopy copy;
    SimulatedKernel kernel;
};

const Problem* problem(const Reconciler& r, const std::string& code) {
    for (const Range& range : r.ranges())
        for (const Problem& p : range.problems)
            if (p.code == code)
                return &p;
    return nullptr;
}

TEST(BootHook, TheReconcilerInstallsRecordsAndRemovesIt) {
    Machine m;
    auto r = m.reconciler(kExclusive);
    EXPECT_EQ(r->boot_hook(), BootHookState::Off);
    r->pass(full(), "coldplug", 0);
    EXPECT_EQ(r->boot_hook(), BootHookState::Installed);
    EXPECT_EQ(read_file(m.hook_path()), boot_hook_text(kHook));
    State saved = load_state(m.state_path()).state;
    ASSERT_EQ(saved.installed_files.size(), 1u);
    EXPECT_EQ(saved.installed_files[0].path, kBootHookPath);
    EXPECT_EQ(saved.installed_files[0].content, boot_hook_text(kHook));
    EXPECT_NE(read_file(m.state_path()).find("\"installed_files\""), std::string::npos);

    // The memory is trapped in ZONE_NORMAL for this boot: the hook helps from the next one.
    EXPECT_NE(problem(*r, "offline-normal-refused"), nullptr);

    // A restart finds it recorded and leaves it.
    auto restarted = m.reconciler(kExclusive);
    restarted->pass(full(), "coldplug", 0);
    EXPECT_EQ(restarted->boot_hook(), BootHookState::Installed);

    restarted->set_policy(policy_from(kShared));
    restarted->pass(Changes{}, "reload", 0);
    EXPECT_EQ(restarted->boot_hook(), BootHookState::Off);
    EXPECT_FALSE(fs::exists(m.hook_path()));
    EXPECT_TRUE(load_state(m.state_path()).state.installed_files.empty());
    EXPECT_EQ(read_file(m.state_path()).find("\"installed_files\""), std::string::npos);
}

TEST(BootHook, TheReconcilerKeepsAnEditedHook) {
    Machine m;
    auto r = m.reconciler(kExclusive);
    r->pass(full(), "coldplug", 0);
    const std::string edited = "# mine now\n" + read_file(m.hook_path());
    write_file(m.hook_path(), edited);
    r->set_policy(policy_from(kShared));
    r->pass(Changes{}, "reload", 0);
    EXPECT_EQ(r->boot_hook(), BootHookState::Foreign);
    EXPECT_EQ(read_file(m.hook_path()), edited);
    EXPECT_TRUE(load_state(m.state_path()).state.installed_files.empty());
}

TEST(BootHook, ADryRunWritesNothing) {
    Machine m;
    auto r = m.reconciler(kExclusive, false);
    r->pass(full(), "coldplug", 0);
    EXPECT_EQ(r->boot_hook(), BootHookState::Off);
    EXPECT_FALSE(fs::exists(m.hook_path()));
}

TEST(BootHook, NotWrittenWithoutExclusiveOnlining) {
    Machine m;
    auto r = m.reconciler(kShared);
    r->pass(full(), "coldplug", 0);
    EXPECT_EQ(r->boot_hook(), BootHookState::Off);
    EXPECT_FALSE(fs::exists(m.copy.path() + "/etc/modprobe.d"));
    // The refusal names the hook as what exclusive_onlining would bring.
    const Problem* trapped = problem(*r, "offline-normal-refused");
    ASSERT_NE(trapped, nullptr);
    EXPECT_NE(trapped->message.find("exclusive_onlining"), std::string::npos);
    EXPECT_NE(trapped->message.find("srmd-kmem.conf"), std::string::npos);
}

}  // namespace
}  // namespace srmd
