// An operator's policy: what each Soft Reserved range should become. Plain data, read from YAML
// files by policy-load.hpp and applied to Ranges by policy-match.hpp. The file format is
// documented for operators in man/srmd.policy.5.scd.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ownership/ownership.hpp"
#include "policy/diagnostic.hpp"

namespace srmd {

// Who should hold the range. Kernel means whatever the kernel's own rule gives it to
// (Range::kernel_owner), so a policy can say "leave ownership alone".
enum class PolicyOwner { Cxl, Hmem, Kernel };
enum class PolicyMode { SystemRam, Devdax, Offline, Ignore };
enum class PolicyZone { Movable, Normal, Auto };
// When a rule acts: always (the range must be exactly what the rule says), or only on memory that
// cannot be used as it is (ownership/usable.hpp); usable memory then counts as converged.
enum class PolicyWhen { Always, Unusable };

// The `tag` match value for Dynamic Capacity extents without a tag.
inline constexpr const char* kUntagged = "untagged";

// Every condition a rule sets; a range matches when it meets all of them. An unset condition
// matches every range.
struct RuleMatch {
    std::optional<std::uint64_t> start;    // the range starts exactly here
    std::optional<std::uint64_t> address;  // the range contains this address
    std::optional<std::uint64_t> min_size;
    std::optional<std::uint64_t> max_size;
    std::optional<std::string> window;                  // fnmatch glob on the root decoder's name
    std::optional<std::string> region;                  // fnmatch glob; any CXL claimant region
    std::optional<std::vector<std::uint64_t>> serials;  // any memdev behind a claimant region
    std::optional<std::vector<int>> target_nodes;       // any dax device of the range
    std::optional<Owner> kernel_owner;
    std::optional<bool> soft_reserved;
    // Dynamic Capacity (EXPERIMENTAL): fnmatch glob on an allocation's tag, or kUntagged. A rule
    // with a tag matches only DC ranges (Range::dc), and within them only the allocations whose
    // tag matches; a rule without one matches every allocation of a range it matches.
    std::optional<std::string> tag;

    // No condition at all: the rule matches every range.
    bool unconditional() const;
};

struct PolicyRule {
    std::string name;
    std::string file;         // path as loaded
    std::string file_name;    // base name, for "50-default.yaml:4 default"
    SourcePosition position;  // of the rule's map in its file
    RuleMatch match;
    PolicyOwner owner = PolicyOwner::Kernel;
    PolicyMode mode = PolicyMode::SystemRam;
    PolicyZone zone = PolicyZone::Movable;  // meaningful only with mode SystemRam
    bool allow_teardown = false;
    PolicyWhen when = PolicyWhen::Always;
    // system-ram only: the dax device's memmap_on_memory (Linux 6.8+), written before kmem binds
    // it; nullopt leaves the kernel's value.
    std::optional<bool> memmap_on_memory;

    // "50-default.yaml:4 default"
    std::string label() const;
};

struct PolicySettings {
    // srmd alone onlines memory: it sets /sys/devices/system/memory/auto_online_blocks to
    // "offline" so that the kernel does not online hot-added blocks before srmd decides.
    bool exclusive_onlining = false;
};

struct Policy {
    PolicySettings settings;
    std::vector<PolicyRule> rules;   // in order: first match wins
    std::vector<std::string> files;  // the files read, in order
};

const char* to_string(PolicyOwner owner);
const char* to_string(PolicyMode mode);
const char* to_string(PolicyZone zone);
const char* to_string(PolicyWhen when);

}  // namespace srmd
