#include "dbus/bus-service.hpp"

#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>

#include "dbus/bus-errors.hpp"
#include "publish/log.hpp"

namespace srmd {

namespace {

void check_setup(int r, const std::string& what) {
    if (r < 0)
        throw std::runtime_error("bus: " + what + ": " + std::strerror(-r));
}

int on_name_reply(sd_bus_message* reply, void*, sd_bus_error*) {
    if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
        log_error(std::string("cannot own the bus name org.srmd1: ") +
                  (e->message ? e->message : e->name) +
                  "; srmd goes on without its bus API (is org.srmd1.conf installed?)");
        return 0;
    }
    log_info("owns the bus name org.srmd1");
    return 0;
}

}  // namespace

BusService::BusService(Daemon& daemon, const std::string& address) : daemon_(daemon) {
    connect(address);
    polkit_ = std::make_unique<bus::Polkit>(bus_.get());
    export_objects();
    daemon_.on_pass([this](const PassSummary& pass) { after_pass(pass); });
}

BusService::~BusService() {
    // Pending polkit checks and vtables go before the connection that holds them.
    polkit_.reset();
    slots_.clear();
}

void BusService::connect(const std::string& address) {
    std::string target = address;
    if (address == "system") {
        const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        target = env && *env ? env : "unix:path=/run/dbus/system_bus_socket";
    }
    sd_bus* raw = nullptr;
    check_setup(sd_bus_new(&raw), "new connection");
    bus_.reset(raw);
    check_setup(sd_bus_set_address(bus_.get(), target.c_str()), "address '" + target + "'");
    check_setup(sd_bus_set_bus_client(bus_.get(), 1), "bus client");
    // Not trusted: sd-bus checks privileges per method (all of srmd's are marked unprivileged and
    // go through polkit where they act).
    check_setup(sd_bus_set_trusted(bus_.get(), 0), "trusted");
    check_setup(sd_bus_set_description(bus_.get(), "srmd-api"), "description");
    // Early at boot the system bus socket may not exist yet: wait for it instead of failing, and
    // serve the API once dbus is there.
    check_setup(sd_bus_set_watch_bind(bus_.get(), 1), "watch bind");
    check_setup(sd_bus_set_connected_signal(bus_.get(), 1), "connected signal");
    check_setup(sd_bus_start(bus_.get()), "connect to " + target);
    check_setup(sd_bus_attach_event(bus_.get(), daemon_.event(), SD_EVENT_PRIORITY_NORMAL),
                "attach to the event loop");
}

void BusService::export_objects() {
    auto keep = [this](sd_bus_slot* slot) { slots_.emplace_back(slot); };
    sd_bus_slot* slot = nullptr;
    check_setup(sd_bus_add_object_vtable(bus_.get(), &slot, bus::kManagerPath,
                                         bus::kManagerInterface, bus::manager_vtable, this),
                "Manager vtable");
    keep(slot);
    check_setup(
        sd_bus_add_fallback_vtable(bus_.get(), &slot, bus::kRangesPath, bus::kRangeInterface,
                                   bus::range_vtable, &bus::find_range, this),
        "Range vtable");
    keep(slot);
    check_setup(sd_bus_add_node_enumerator(bus_.get(), &slot, bus::kRangesPath,
                                           &bus::enumerate_ranges, this),
                "Range enumerator");
    keep(slot);
    check_setup(
        sd_bus_add_object_vtable(bus_.get(), &slot, bus::kLogControlPath, bus::kLogControlInterface,
                                 bus::log_control_vtable, nullptr),
        "LogControl1 vtable");
    keep(slot);
    check_setup(sd_bus_add_object_manager(bus_.get(), &slot, bus::kManagerPath), "object manager");
    keep(slot);
    // Asynchronous: the connection may still be waiting for the bus socket.
    check_setup(
        sd_bus_request_name_async(bus_.get(), &slot, bus::kBusName, 0, &on_name_reply, nullptr),
        "request name");
    keep(slot);
}

const Json* BusService::range(const std::string& id) const {
    auto it = ranges_.find(id);
    return it == ranges_.end() ? nullptr : &it->second;
}

void BusService::after_pass(const PassSummary& pass) {
    // An observer of the daemon: nothing may escape into the pass that called it.
    try {
        announce_ranges();
        int r = sd_bus_emit_signal(bus_.get(), bus::kManagerPath, bus::kManagerInterface,
                                   "ReconcileFinished", "tsbuu", pass.number, pass.trigger.c_str(),
                                   pass.converged, static_cast<std::uint32_t>(pass.steps),
                                   static_cast<std::uint32_t>(pass.failed));
        if (r < 0)
            log_debug(std::string("ReconcileFinished not sent: ") + std::strerror(-r));
        for (const AppliedStep& applied : pass.execution.applied) {
            if (applied.result == AppliedStep::Result::Ok)
                continue;
            std::string message =
                applied.message.empty() ? to_string(applied.result) : applied.message;
            sd_bus_emit_signal(bus_.get(), bus::kManagerPath, bus::kManagerInterface,
                               "ActionFailed", "sssis", applied.step.range.c_str(),
                               to_string(applied.step.action), applied.step.target.c_str(),
                               applied.error, message.c_str());
        }
        announce_manager();
    } catch (const std::exception& e) {
        log_warning(std::string("bus: cannot announce pass ") + std::to_string(pass.number) + ": " +
                    e.what());
    }
}

void BusService::announce_ranges() {
    std::map<std::string, Json> now;
    Json json = daemon_.reconciler().ranges_json();
    for (const Json& range : json.as_array())
        if (const Json* id = range.find("id"))
            now.emplace(id->as_string(), range);

    // Removed while the object can still be found, so that the signal lists its interfaces.
    for (const auto& [id, range] : ranges_)
        if (!now.count(id))
            sd_bus_emit_object_removed(bus_.get(), bus::range_path(id).c_str());

    std::map<std::string, Json> before = std::move(ranges_);
    ranges_ = std::move(now);
    for (const auto& [id, range] : ranges_) {
        std::string path = bus::range_path(id);
        auto old = before.find(id);
        if (old == before.end()) {
            sd_bus_emit_object_added(bus_.get(), path.c_str());
            continue;
        }
        std::vector<std::string> changed = bus::changed_range_properties(old->second, range);
        if (changed.empty())
            continue;
        std::vector<char*> names;
        for (std::string& name : changed)
            names.push_back(name.data());
        names.push_back(nullptr);
        sd_bus_emit_properties_changed_strv(bus_.get(), path.c_str(), bus::kRangeInterface,
                                            names.data());
        const Json* status = range.find("status");
        sd_bus_emit_signal(bus_.get(), bus::kManagerPath, bus::kManagerInterface, "RangeChanged",
                           "oss", path.c_str(), id.c_str(),
                           status && status->is_string() ? status->as_string().c_str() : "");
    }
}

void BusService::announce_manager() {
    std::map<std::string, std::string> now = bus::manager_property_texts(daemon_);
    std::vector<std::string> changed;
    for (const auto& [name, text] : now) {
        auto old = manager_shown_.find(name);
        if (old == manager_shown_.end() || old->second != text)
            changed.push_back(name);
    }
    manager_shown_ = std::move(now);
    if (changed.empty())
        return;
    std::vector<char*> names;
    for (std::string& name : changed)
        names.push_back(name.data());
    names.push_back(nullptr);
    sd_bus_emit_properties_changed_strv(bus_.get(), bus::kManagerPath, bus::kManagerInterface,
                                        names.data());
}

}  // namespace srmd
