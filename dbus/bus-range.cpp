// org.srmd1.Range: one object per range, below /org/srmd1/ranges. The objects are not registered
// one by one: a fallback vtable serves every path below the prefix, and find_range() says which
// paths are ranges now, so a pass that adds or removes ranges only has to announce it.
//
// Each property is a field of the range's JSON object (ranges-json.hpp, plus "policy" and
// "converged"), converted to a D-Bus type: JSON null is "" for text and -1 for a node number.
#include <cstdlib>
#include <cstring>

#include "dbus/bus-errors.hpp"
#include "dbus/bus-service.hpp"

namespace srmd::bus {

namespace {

struct RangeProperty {
    const char* name;  // D-Bus, CamelCase
    const char* key;   // JSON contract
};

// Every field of the contract, in its order.
const RangeProperty kRangeProperties[] = {
    {"Id", "id"},
    {"Start", "start"},
    {"Size", "size"},
    {"Window", "window"},
    {"SoftReserved", "soft_reserved"},
    {"Claimants", "claimants"},
    {"KernelOwner", "kernel_owner"},
    {"Owner", "owner"},
    {"Mode", "mode"},
    {"Status", "status"},
    {"Dax", "dax"},
    {"Problems", "problems"},
    {"Policy", "policy"},
    {"Converged", "converged"},
};

const Json& field(const Json& object, const char* key) {
    static const Json null;
    const Json* value = object.find(key);
    return value ? *value : null;
}

std::string text(const Json& value) {
    return value.is_string() ? value.as_string() : std::string();
}

std::uint64_t unsigned_number(const Json& value) {
    return value.is_number() ? value.as_uint() : 0;
}

std::int32_t signed_number(const Json& value) {
    return value.is_number() ? static_cast<std::int32_t>(value.as_int()) : -1;
}

void append_string(sd_bus_message* m, const Json& value) {
    check_bus(sd_bus_message_append(m, "s", text(value).c_str()), "Range property");
}

void append_claimants(sd_bus_message* m, const Json& claimants) {
    check_bus(sd_bus_message_open_container(m, 'a', "(ssttbs)"), "Claimants");
    if (claimants.is_array())
        for (const Json& c : claimants.as_array())
            check_bus(
                sd_bus_message_append(
                    m, "(ssttbs)", text(field(c, "kind")).c_str(), text(field(c, "device")).c_str(),
                    unsigned_number(field(c, "start")), unsigned_number(field(c, "size")),
                    field(c, "committed") == Json(true), text(field(c, "covers")).c_str()),
                "Claimants");
    check_bus(sd_bus_message_close_container(m), "Claimants");
}

void append_dax(sd_bus_message* m, const Json& dax) {
    check_bus(sd_bus_message_open_container(m, 'a', "(ssti(iis))"), "Dax");
    if (dax.is_array())
        for (const Json& d : dax.as_array()) {
            const Json& memory = field(d, "memory");
            check_bus(
                sd_bus_message_append(
                    m, "(ssti(iis))", text(field(d, "device")).c_str(),
                    text(field(d, "driver")).c_str(), unsigned_number(field(d, "size")),
                    signed_number(field(d, "target_node")), signed_number(field(memory, "blocks")),
                    signed_number(field(memory, "online")), text(field(memory, "zone")).c_str()),
                "Dax");
        }
    check_bus(sd_bus_message_close_container(m), "Dax");
}

void append_problems(sd_bus_message* m, const Json& problems) {
    check_bus(sd_bus_message_open_container(m, 'a', "(ss)"), "Problems");
    if (problems.is_array())
        for (const Json& p : problems.as_array())
            check_bus(sd_bus_message_append(m, "(ss)", text(field(p, "code")).c_str(),
                                            text(field(p, "message")).c_str()),
                      "Problems");
    check_bus(sd_bus_message_close_container(m), "Problems");
}

void append_policy(sd_bus_message* m, const Json& policy) {
    // null (no rule matches) reads as four empty strings, as the contract says.
    check_bus(sd_bus_message_append(m, "(ssss)", text(field(policy, "rule")).c_str(),
                                    text(field(policy, "owner")).c_str(),
                                    text(field(policy, "mode")).c_str(),
                                    text(field(policy, "zone")).c_str()),
              "Policy");
}

void append_property(sd_bus_message* m, const char* name, const Json& value) {
    std::string_view n = name;
    if (n == "Start" || n == "Size")
        check_bus(sd_bus_message_append(m, "t", unsigned_number(value)), name);
    else if (n == "SoftReserved" || n == "Converged")
        check_bus(sd_bus_message_append(m, "b", value == Json(true)), name);
    else if (n == "Claimants")
        append_claimants(m, value);
    else if (n == "Dax")
        append_dax(m, value);
    else if (n == "Problems")
        append_problems(m, value);
    else if (n == "Policy")
        append_policy(m, value);
    else
        append_string(m, value);
}

const char* json_key(const char* property) {
    for (const RangeProperty& p : kRangeProperties)
        if (std::strcmp(p.name, property) == 0)
            return p.key;
    return nullptr;
}

// The id a path below /org/srmd1/ranges names; "" when it names none.
std::string id_of(const char* path) {
    char* id = nullptr;
    if (sd_bus_path_decode(path, kRangesPath, &id) <= 0)
        return {};
    std::string out = id;
    std::free(id);
    return out;
}

int get_range_property(sd_bus*, const char* path, const char*, const char* property,
                       sd_bus_message* reply, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        auto* service = static_cast<BusService*>(userdata);
        std::string id = id_of(path);
        const Json* range = service->range(id);
        if (!range)
            throw BusError(kErrorNoSuchRange, "no range '" + id + "' (it went away)");
        const char* key = json_key(property);
        if (!key)
            throw BusError(kErrorFailed, std::string("no property ") + property);
        append_property(reply, property, field(*range, key));
        return 1;
    });
}

}  // namespace

const sd_bus_vtable range_vtable[] = {
    SD_BUS_VTABLE_START(0),
    // A range's id is its start address: neither changes while the object exists.
    SD_BUS_PROPERTY("Id", "s", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Start", "t", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Size", "t", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Window", "s", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("SoftReserved", "b", get_range_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Claimants", "a(ssttbs)", get_range_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("KernelOwner", "s", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Owner", "s", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Mode", "s", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Status", "s", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Dax", "a(ssti(iis))", get_range_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Problems", "a(ss)", get_range_property, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Policy", "(ssss)", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Converged", "b", get_range_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

int find_range(sd_bus*, const char* path, const char*, void* userdata, void** found,
               sd_bus_error*) {
    auto* service = static_cast<BusService*>(userdata);
    std::string id = id_of(path);
    if (id.empty() || !service->range(id))
        return 0;
    *found = service;
    return 1;
}

int enumerate_ranges(sd_bus*, const char*, void* userdata, char*** nodes, sd_bus_error* error) {
    auto* service = static_cast<BusService*>(userdata);
    // sd-bus frees the list and its strings with free().
    char** list = static_cast<char**>(std::calloc(service->ranges().size() + 1, sizeof(char*)));
    if (!list)
        return sd_bus_error_set_errno(error, -ENOMEM);
    std::size_t n = 0;
    for (const auto& entry : service->ranges()) {
        char* path = nullptr;
        if (sd_bus_path_encode(kRangesPath, entry.first.c_str(), &path) < 0)
            continue;
        list[n++] = path;
    }
    *nodes = list;
    return 0;
}

std::string range_path(const std::string& id) {
    char* path = nullptr;
    if (sd_bus_path_encode(kRangesPath, id.c_str(), &path) < 0)
        return std::string(kRangesPath) + "/" + id;
    std::string out = path;
    std::free(path);
    return out;
}

std::vector<std::string> changed_range_properties(const Json& before, const Json& after) {
    std::vector<std::string> changed;
    for (const RangeProperty& p : kRangeProperties)
        if (!(field(before, p.key) == field(after, p.key)))
            changed.emplace_back(p.name);
    return changed;
}

}  // namespace srmd::bus
