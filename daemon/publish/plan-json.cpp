// Steps, plans and executions as JSON.
#include "publish/plan-json.hpp"

#include "util/error.hpp"

namespace srmd {

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
    if (step.create) {
        const RegionSpec& spec = *step.create;
        Json create = Json::object();
        create.set("root_decoder", spec.root_decoder);
        Json decoders = Json::array();
        for (const std::string& decoder : spec.endpoint_decoders)
            decoders.push(decoder);
        create.set("endpoint_decoders", std::move(decoders));
        Json memdevs = Json::array();
        for (const std::string& memdev : spec.memdevs)
            memdevs.push(memdev);
        create.set("memdevs", std::move(memdevs));
        create.set("start", spec.start);
        create.set("size", spec.size);
        create.set("interleave_granularity", spec.interleave_granularity);
        create.set("interleave_ways", spec.interleave_ways);
        create.set("type", spec.type);
        json.set("create", std::move(create));
    }
    if (step.memmap_on_memory)
        json.set("memmap_on_memory", *step.memmap_on_memory);
    return json;
}

Json plan_to_json(const Plan& plan) {
    Json json = Json::array();
    for (const Step& step : plan.steps())
        json.push(step_to_json(step));
    return json;
}

Json applied_step_to_json(const AppliedStep& applied) {
    Json json = step_to_json(applied.step);
    json.set("outcome", to_string(applied.result));
    json.set("rollback", applied.rollback);
    if (applied.result != AppliedStep::Result::Ok) {
        json.set("errno", applied.error ? Json(errno_name(applied.error)) : Json());
        json.set("path", applied.path);
        json.set("message", applied.message);
    }
    return json;
}

Json applied_to_json(const Execution& execution) {
    Json list = Json::array();
    for (const AppliedStep& applied : execution.applied)
        list.push(applied_step_to_json(applied));
    return list;
}

}  // namespace srmd
