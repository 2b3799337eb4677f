// A pass summary as JSON.
#include "publish/pass-json.hpp"

namespace srmd {

Json pass_to_json(const PassSummary& pass) {
    Json j = Json::object();
    j.set("number", static_cast<unsigned long long>(pass.number));
    j.set("trigger", pass.trigger);
    j.set("full_read", pass.full_read);
    j.set("events", static_cast<unsigned long long>(pass.events));
    j.set("files", static_cast<unsigned long long>(pass.files));
    j.set("started", static_cast<long long>(pass.started));
    j.set("duration_us", static_cast<long long>(pass.duration));
    j.set("steps", pass.steps);
    j.set("failed", pass.failed);
    j.set("waiting", pass.waiting);
    j.set("stopped", pass.stopped);
    j.set("converged", pass.converged);
    j.set("error", pass.error.empty() ? Json(nullptr) : Json(pass.error));
    return j;
}

}  // namespace srmd
