// The planner's names: how actions and modes are spelled, and the Plan's accessors.
#include "plan/plan.hpp"

namespace srmd {

std::vector<Step> Plan::steps() const {
    std::vector<Step> all;
    for (const RangePlan& range : ranges)
        all.insert(all.end(), range.steps.begin(), range.steps.end());
    return all;
}

bool Plan::empty() const {
    for (const RangePlan& range : ranges)
        if (!range.steps.empty())
            return false;
    return true;
}

const char* to_string(Action action) {
    switch (action) {
        case Action::OfflineMemory:
            return "offline-memory";
        case Action::OnlineMemory:
            return "online-memory";
        case Action::ReconfigureDax:
            return "reconfigure-dax";
        case Action::DisableDax:
            return "disable-dax";
        case Action::EnableDax:
            return "enable-dax";
        case Action::DisableRegion:
            return "disable-region";
        case Action::EnableRegion:
            return "enable-region";
        case Action::DestroyRegion:
            return "destroy-region";
        case Action::ReleaseHmem:
            return "release-hmem";
        case Action::ClaimHmem:
            return "claim-hmem";
        case Action::CreateRegion:
            return "create-region";
        case Action::ClaimDcCapacity:
            return "claim-dc-capacity";
        case Action::DestroyDax:
            return "destroy-dax";
    }
    return "offline-memory";
}

const char* to_string(DaxMode mode) {
    return mode == DaxMode::Devdax ? "devdax" : "system-ram";
}

}  // namespace srmd
