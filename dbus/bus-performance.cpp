#include "dbus/bus-performance.hpp"

#include <string>

#include "dbus/bus-errors.hpp"

namespace srmd::bus {

namespace {

constexpr const char* kName = "Performance";

bool is_figure(const std::string& key) {
    return key.find("latency") != std::string::npos || key.find("bandwidth") != std::string::npos;
}

void append_entry(sd_bus_message* m, const std::string& key, const Json& value) {
    if (value.is_null())
        return;
    if (value.is_string()) {
        check_bus(sd_bus_message_append(m, "{sv}", key.c_str(), "s", value.as_string().c_str()),
                  kName);
    } else if (value.is_number()) {
        // Latencies (ns) and bandwidths (MB/s) are unsigned 64-bit; node, tier, QoS class and
        // abstract distance are small signed numbers.
        if (is_figure(key))
            check_bus(sd_bus_message_append(m, "{sv}", key.c_str(), "t", value.as_uint()), kName);
        else
            check_bus(sd_bus_message_append(m, "{sv}", key.c_str(), "i",
                                            static_cast<std::int32_t>(value.as_int())),
                      kName);
    } else if (value.is_array()) {
        check_bus(sd_bus_message_open_container(m, 'e', "sv"), kName);
        check_bus(sd_bus_message_append(m, "s", key.c_str()), kName);
        check_bus(sd_bus_message_open_container(m, 'v', "ai"), kName);
        check_bus(sd_bus_message_open_container(m, 'a', "i"), kName);
        for (const Json& item : value.as_array())
            if (item.is_number())
                check_bus(sd_bus_message_append(m, "i", static_cast<std::int32_t>(item.as_int())),
                          kName);
        check_bus(sd_bus_message_close_container(m), kName);
        check_bus(sd_bus_message_close_container(m), kName);
        check_bus(sd_bus_message_close_container(m), kName);
    } else if (value.is_object()) {
        for (const auto& [name, inner] : value.as_object())
            append_entry(m, key + "." + name, inner);
    }
}

}  // namespace

void append_performance(sd_bus_message* m, const Json& performance) {
    check_bus(sd_bus_message_open_container(m, 'a', "{sv}"), kName);
    if (performance.is_object()) {
        for (const auto& [key, value] : performance.as_object()) {
            if (key == "qos_class" && value.is_object()) {
                // {"window": 1, "memdevs": [{"memdev": "mem0", "ram": 1}]} becomes
                // qos_class.window and qos_class.mem0.
                if (const Json* window = value.find("window"))
                    append_entry(m, "qos_class.window", *window);
                if (const Json* memdevs = value.find("memdevs"); memdevs && memdevs->is_array())
                    for (const Json& memdev : memdevs->as_array()) {
                        const Json* name = memdev.find("memdev");
                        const Json* ram = memdev.find("ram");
                        if (name && name->is_string() && ram)
                            append_entry(m, "qos_class." + name->as_string(), *ram);
                    }
                continue;
            }
            append_entry(m, key, value);
        }
    }
    check_bus(sd_bus_message_close_container(m), kName);
}

}  // namespace srmd::bus
