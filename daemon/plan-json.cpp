// The planner's names and JSON: how steps and plans are spelled for srmctl, the daemon and tests.
#include "plan.hpp"

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
    }
    return "offline-memory";
}

const char* to_string(DaxMode mode) {
    return mode == DaxMode::Devdax ? "devdax" : "system-ram";
}

Json step_to_json(const Step& step) {
    Json json = Json::object();
    json.set("action", to_string(step.action));
    json.set("target", step.target);
    json.set("range", step.range);
    json.set("reason", step.reason);
    if (step.zone)
        json.set("zone", to_string(*step.zone));
    if (step.mode)
        json.set("mode", to_string(*step.mode));
    return json;
}

Json plan_to_json(const Plan& plan) {
    Json json = Json::array();
    for (const Step& step : plan.steps())
        json.push(step_to_json(step));
    return json;
}

}  // namespace srmd
