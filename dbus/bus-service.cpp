#include "dbus/bus-service.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>

#include "dbus/bus-errors.hpp"
#include "publish/log.hpp"

namespace srmd {

namespace {

// The signal sd-bus sends itself when the connection is gone.
constexpr const char* kLocalPath = "/org/freedesktop/DBus/Local";
constexpr const char* kLocalInterface = "org.freedesktop.DBus.Local";

// RequestName's answers that leave srmd the owner.
constexpr std::uint32_t kPrimaryOwner = 1;
constexpr std::uint32_t kAlreadyOwner = 4;

void check_setup(int r, const std::string& what) {
    if (r < 0)
        throw std::runtime_error("bus: " + what + ": " + std::strerror(-r));
}

std::uint64_t monotonic_now(sd_event* event) {
    std::uint64_t now = 0;
    sd_event_now(event, CLOCK_MONOTONIC, &now);
    return now;
}

// After `failed` attempts that failed: at once, then 1 s doubling up to 30 s. With watch-bind an
// attempt waits for the socket by itself; these are for connections refused on the way.
std::uint64_t reconnect_delay(unsigned failed) {
    const std::uint64_t second = 1000000;
    if (failed == 0)
        return 0;
    return failed > 5 ? 30 * second : std::min<std::uint64_t>(30 * second, second << (failed - 1));
}

}  // namespace

BusService::BusService(Daemon& daemon, const std::string& address) : daemon_(daemon) {
    address_ = address;
    if (address == "system") {
        const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        address_ = env && *env ? env : "unix:path=/run/dbus/system_bus_socket";
    }
    serve();
    daemon_.on_pass([this](const PassSummary& pass) { after_pass(pass); });
    daemon_.set_health_check([this] { return healthy(); });
}

BusService::~BusService() {
    daemon_.set_health_check(nullptr);
    reconnect_timer_.reset();
    drop_connection();
}

void BusService::serve() {
    connect();
    polkit_ = std::make_unique<bus::Polkit>(bus_.get());
    export_objects();
}

void BusService::drop_connection() {
    // Pending polkit checks and vtables go before the connection that holds them.
    polkit_.reset();
    slots_.clear();
    bus_.reset();
}

void BusService::connect() {
    sd_bus* raw = nullptr;
    check_setup(sd_bus_new(&raw), "new connection");
    bus_.reset(raw);
    check_setup(sd_bus_set_address(bus_.get(), address_.c_str()), "address '" + address_ + "'");
    check_setup(sd_bus_set_bus_client(bus_.get(), 1), "bus client");
    // Not trusted: sd-bus checks privileges per method (all of srmd's are marked unprivileged and
    // go through polkit where they act).
    check_setup(sd_bus_set_trusted(bus_.get(), 0), "trusted");
    check_setup(sd_bus_set_description(bus_.get(), "srmd-api"), "description");
    // Early at boot the system bus socket may not exist yet: wait for it instead of failing, and
    // serve the API once dbus is there. The same after a restart of dbus.
    check_setup(sd_bus_set_watch_bind(bus_.get(), 1), "watch bind");
    check_setup(sd_bus_set_connected_signal(bus_.get(), 1), "connected signal");
    check_setup(sd_bus_start(bus_.get()), "connect to " + address_);
    check_setup(sd_bus_attach_event(bus_.get(), daemon_.event(), SD_EVENT_PRIORITY_NORMAL),
                "attach to the event loop");
    // Local: matched by sd-bus itself, no AddMatch goes to the bus.
    sd_bus_slot* slot = nullptr;
    check_setup(sd_bus_match_signal(bus_.get(), &slot, nullptr, kLocalPath, kLocalInterface,
                                    "Disconnected", &BusService::on_disconnected, this),
                "disconnect match");
    slots_.emplace_back(slot);
}

int BusService::on_disconnected(sd_bus_message*, void* userdata, sd_bus_error*) {
    auto* self = static_cast<BusService*>(userdata);
    if (!self->lost_) {
        self->lost_ = true;
        self->lost_at_ = monotonic_now(self->daemon_.event());
        self->failed_reconnects_ = 0;
        log_warning("lost the bus connection (" + self->address_ +
                    "): org.srmd1 is not served, and the watchdog not fed, until srmd is back on "
                    "the bus; reconnecting");
    } else {
        ++self->failed_reconnects_;
        log_info("the new bus connection closed before srmd owned org.srmd1; trying again in " +
                 std::to_string(reconnect_delay(self->failed_reconnects_) / 1000000) + " s");
    }
    // Not here: sd-bus is still dispatching on the connection to be dropped.
    self->reconnect_later();
    return 0;
}

void BusService::reconnect_later() {
    std::uint64_t delay = reconnect_delay(failed_reconnects_);
    if (!reconnect_timer_) {
        sd_event_source* source = nullptr;
        int r = sd_event_add_time_relative(daemon_.event(), &source, CLOCK_MONOTONIC, delay, 0,
                                           &BusService::on_reconnect, this);
        if (r < 0) {
            log_error(std::string("cannot schedule a reconnection to the bus: ") +
                      std::strerror(-r));
            return;
        }
        reconnect_timer_.reset(source);
        return;
    }
    sd_event_source_set_time_relative(reconnect_timer_.get(), delay);
    sd_event_source_set_enabled(reconnect_timer_.get(), SD_EVENT_ONESHOT);
}

int BusService::on_reconnect(sd_event_source*, uint64_t, void* userdata) {
    auto* self = static_cast<BusService*>(userdata);
    self->drop_connection();
    try {
        self->serve();
        log_info("connecting to the bus again (" + self->address_ + ")");
    } catch (const std::exception& e) {
        self->drop_connection();
        ++self->failed_reconnects_;
        log_warning(std::string("cannot connect to the bus again: ") + e.what() +
                    "; trying again in " +
                    std::to_string(reconnect_delay(self->failed_reconnects_) / 1000000) + " s");
        self->reconnect_later();
    }
    return 0;
}

int BusService::on_name_reply(sd_bus_message* reply, void* userdata, sd_bus_error*) {
    auto* self = static_cast<BusService*>(userdata);
    // Closed before the answer came: on_disconnected says so and tries again.
    if (sd_bus_is_open(sd_bus_message_get_bus(reply)) <= 0)
        return 0;
    std::uint32_t answer = 0;
    const sd_bus_error* e = sd_bus_message_get_error(reply);
    if (!e && sd_bus_message_read(reply, "u", &answer) >= 0 &&
        (answer == kPrimaryOwner || answer == kAlreadyOwner)) {
        if (self->lost_) {
            std::uint64_t tenths = (monotonic_now(self->daemon_.event()) - self->lost_at_) / 100000;
            log_notice("back on the bus after " + std::to_string(tenths / 10) + "." +
                       std::to_string(tenths % 10) +
                       " s: owns org.srmd1 again and serves its objects");
            self->lost_ = false;
            self->failed_reconnects_ = 0;
        } else {
            log_info("owns the bus name org.srmd1");
        }
        return 0;
    }
    std::string why = e ? (e->message ? e->message : e->name) : "another connection owns it";
    log_error("cannot own the bus name org.srmd1: " + why +
              "; srmd goes on without its bus API (is org.srmd1.conf installed?)");
    return 0;
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
    // Asynchronous: the connection may still be waiting for the bus socket. Without
    // SD_BUS_NAME_QUEUE: when another connection owns the name, that is the answer.
    check_setup(sd_bus_request_name_async(bus_.get(), &slot, bus::kBusName, 0,
                                          &BusService::on_name_reply, this),
                "request name");
    keep(slot);
}

const Json* BusService::range(const std::string& id) const {
    auto it = ranges_.find(id);
    return it == ranges_.end() ? nullptr : &it->second;
}

void BusService::after_pass(const PassSummary& pass) {
    // Between a lost connection and its successor there is nothing to announce on; a client
    // that comes back reads everything anew.
    if (!bus_)
        return;
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
