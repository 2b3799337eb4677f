// org.srmd1.Range: one object per range, below /org/srmd1/ranges. The objects are not registered
// one by one: a fallback vtable serves every path below the prefix, and find_range() says which
// paths are ranges now, so a pass that adds or removes ranges only has to announce it.
//
// Each property is a field of the range's JSON object (ranges-json.hpp, plus "policy" and
// "converged"), converted to a D-Bus type: JSON null is "" for text and -1 for a node number.
// One table (kRangeProperties) names each property once, with its type and its field.
#include <array>
#include <cstdlib>
#include <cstring>

#include "dbus/bus-errors.hpp"
#include "dbus/bus-performance.hpp"
#include "dbus/bus-service.hpp"

namespace srmd::bus {

namespace {

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

struct RangeProperty;
// Appends a property's JSON field to a message as the property's D-Bus signature says.
using AppendValue = void (*)(sd_bus_message* m, const RangeProperty& property, const Json& value);

struct RangeProperty {
    const char* name;       // D-Bus, CamelCase
    const char* signature;  // D-Bus type, as dbus/org.srmd1.xml has it
    const char* key;        // the field of the JSON contract
    bool constant;          // never changes while the object exists (else announced on change)
    AppendValue append;
};

// "(ss)" for a property of type "a(ss)".
const char* element_of(const RangeProperty& property) {
    return property.signature + 1;
}

void append_text(sd_bus_message* m, const RangeProperty& property, const Json& value) {
    check_bus(sd_bus_message_append(m, property.signature, text(value).c_str()), property.name);
}

void append_unsigned(sd_bus_message* m, const RangeProperty& property, const Json& value) {
    check_bus(sd_bus_message_append(m, property.signature, unsigned_number(value)), property.name);
}

void append_flag(sd_bus_message* m, const RangeProperty& property, const Json& value) {
    check_bus(sd_bus_message_append(m, property.signature, value == Json(true)), property.name);
}

// a(ssttbs): kind, device, start, size, committed, covers.
void append_claimants(sd_bus_message* m, const RangeProperty& property, const Json& claimants) {
    check_bus(sd_bus_message_open_container(m, 'a', element_of(property)), property.name);
    if (claimants.is_array())
        for (const Json& c : claimants.as_array())
            check_bus(sd_bus_message_append(
                          m, element_of(property), text(field(c, "kind")).c_str(),
                          text(field(c, "device")).c_str(), unsigned_number(field(c, "start")),
                          unsigned_number(field(c, "size")), field(c, "committed") == Json(true),
                          text(field(c, "covers")).c_str()),
                      property.name);
    check_bus(sd_bus_message_close_container(m), property.name);
}

// a(ssti(iis)): device, driver, size, target_node, (blocks, online, zone) of its memory.
void append_dax(sd_bus_message* m, const RangeProperty& property, const Json& dax) {
    check_bus(sd_bus_message_open_container(m, 'a', element_of(property)), property.name);
    if (dax.is_array())
        for (const Json& d : dax.as_array()) {
            const Json& memory = field(d, "memory");
            check_bus(
                sd_bus_message_append(
                    m, element_of(property), text(field(d, "device")).c_str(),
                    text(field(d, "driver")).c_str(), unsigned_number(field(d, "size")),
                    signed_number(field(d, "target_node")), signed_number(field(memory, "blocks")),
                    signed_number(field(memory, "online")), text(field(memory, "zone")).c_str()),
                property.name);
        }
    check_bus(sd_bus_message_close_container(m), property.name);
}

// a(ss): code, message.
void append_problems(sd_bus_message* m, const RangeProperty& property, const Json& problems) {
    check_bus(sd_bus_message_open_container(m, 'a', element_of(property)), property.name);
    if (problems.is_array())
        for (const Json& p : problems.as_array())
            check_bus(sd_bus_message_append(m, element_of(property), text(field(p, "code")).c_str(),
                                            text(field(p, "message")).c_str()),
                      property.name);
    check_bus(sd_bus_message_close_container(m), property.name);
}

// a(ttisss): seq, usec, level, meaning, device, message of each kernel log line on the range.
void append_kernel_log(sd_bus_message* m, const RangeProperty& property, const Json& lines) {
    check_bus(sd_bus_message_open_container(m, 'a', element_of(property)), property.name);
    if (lines.is_array())
        for (const Json& l : lines.as_array())
            check_bus(sd_bus_message_append(
                          m, element_of(property), unsigned_number(field(l, "seq")),
                          unsigned_number(field(l, "usec")), signed_number(field(l, "level")),
                          text(field(l, "meaning")).c_str(), text(field(l, "device")).c_str(),
                          text(field(l, "message")).c_str()),
                      property.name);
    check_bus(sd_bus_message_close_container(m), property.name);
}

// a(sttssb): name, offset, length, tag, device, release_requested of each extent of a Dynamic
// Capacity range (the JSON's "dc" object); empty for every other range.
void append_dc_extents(sd_bus_message* m, const RangeProperty& property, const Json& dc) {
    check_bus(sd_bus_message_open_container(m, 'a', element_of(property)), property.name);
    const Json& extents = field(dc, "extents");
    if (extents.is_array())
        for (const Json& e : extents.as_array())
            check_bus(sd_bus_message_append(
                          m, element_of(property), text(field(e, "name")).c_str(),
                          unsigned_number(field(e, "offset")), unsigned_number(field(e, "length")),
                          text(field(e, "tag")).c_str(), text(field(e, "device")).c_str(),
                          field(e, "release_requested") == Json(true)),
                      property.name);
    check_bus(sd_bus_message_close_container(m), property.name);
}

// (ssss): rule, owner, mode, zone. null (no rule matches) reads as four empty strings, as the
// contract says.
void append_policy(sd_bus_message* m, const RangeProperty& property, const Json& policy) {
    check_bus(sd_bus_message_append(m, property.signature, text(field(policy, "rule")).c_str(),
                                    text(field(policy, "owner")).c_str(),
                                    text(field(policy, "mode")).c_str(),
                                    text(field(policy, "zone")).c_str()),
              property.name);
}

// a{sv}: the performance object flattened (bus-performance.hpp).
void append_performance_property(sd_bus_message* m, const RangeProperty&, const Json& value) {
    append_performance(m, value);
}

// Every field of the contract, in its order: the vtable, the getter and the change announcements
// are all made from this table.
constexpr RangeProperty kRangeProperties[] = {
    // A range's id is its start address: neither changes while the object exists.
    {"Id", "s", "id", true, append_text},
    {"Start", "t", "start", true, append_unsigned},
    {"Size", "t", "size", false, append_unsigned},
    {"Window", "s", "window", false, append_text},
    {"SoftReserved", "b", "soft_reserved", false, append_flag},
    {"Claimants", "a(ssttbs)", "claimants", false, append_claimants},
    {"KernelOwner", "s", "kernel_owner", false, append_text},
    {"Owner", "s", "owner", false, append_text},
    {"Mode", "s", "mode", false, append_text},
    {"Status", "s", "status", false, append_text},
    {"Dax", "a(ssti(iis))", "dax", false, append_dax},
    {"Problems", "a(ss)", "problems", false, append_problems},
    {"Policy", "(ssss)", "policy", false, append_policy},
    {"Converged", "b", "converged", false, append_flag},
    {"KernelLog", "a(ttisss)", "kernel_log", false, append_kernel_log},
    {"Performance", "a{sv}", "performance", false, append_performance_property},
    {"DcExtents", "a(sttssb)", "dc", false, append_dc_extents},
};

const RangeProperty* find_property(const char* name) {
    for (const RangeProperty& p : kRangeProperties)
        if (std::strcmp(p.name, name) == 0)
            return &p;
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

int get_range_property(sd_bus*, const char* path, const char*, const char* name,
                       sd_bus_message* reply, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        auto* service = static_cast<BusService*>(userdata);
        std::string id = id_of(path);
        const Json* range = service->range(id);
        if (!range)
            throw BusError(kErrorNoSuchRange, "no range '" + id + "' (it went away)");
        const RangeProperty* property = find_property(name);
        if (!property)
            throw BusError(kErrorFailed, std::string("no property ") + name);
        property->append(reply, *property, field(*range, property->key));
        return 1;
    });
}

// The vtable: the table's properties, in its order, all read by get_range_property().
constexpr std::size_t kVtableSize = std::size(kRangeProperties) + 2;

constexpr std::array<sd_bus_vtable, kVtableSize> make_range_vtable() {
    std::array<sd_bus_vtable, kVtableSize> vtable{};
    vtable.front() = SD_BUS_VTABLE_START(0);
    for (std::size_t i = 0; i < std::size(kRangeProperties); ++i) {
        const RangeProperty& p = kRangeProperties[i];
        vtable[i + 1] = SD_BUS_PROPERTY(
            p.name, p.signature, get_range_property, 0,
            p.constant ? SD_BUS_VTABLE_PROPERTY_CONST : SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE);
    }
    vtable.back() = SD_BUS_VTABLE_END;
    return vtable;
}

constexpr std::array<sd_bus_vtable, kVtableSize> kRangeVtable = make_range_vtable();

}  // namespace

const sd_bus_vtable* const range_vtable = kRangeVtable.data();

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
