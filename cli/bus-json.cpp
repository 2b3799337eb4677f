#include "cli/bus-json.hpp"

#include <cstdint>
#include <string>

#include "cli/bus-client.hpp"

namespace srmctl {

namespace {

srmd::Json read_basic(sd_bus_message* m, char type) {
    int r = 0;
    switch (type) {
        case SD_BUS_TYPE_BYTE: {
            std::uint8_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a byte");
            return srmd::Json(static_cast<unsigned>(v));
        }
        case SD_BUS_TYPE_BOOLEAN: {
            int v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a boolean");
            return srmd::Json(v != 0);
        }
        case SD_BUS_TYPE_INT16: {
            std::int16_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading an int16");
            return srmd::Json(static_cast<int>(v));
        }
        case SD_BUS_TYPE_UINT16: {
            std::uint16_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a uint16");
            return srmd::Json(static_cast<unsigned>(v));
        }
        case SD_BUS_TYPE_INT32:
        case SD_BUS_TYPE_UNIX_FD: {
            std::int32_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading an int32");
            return srmd::Json(static_cast<int>(v));
        }
        case SD_BUS_TYPE_UINT32: {
            std::uint32_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a uint32");
            return srmd::Json(static_cast<unsigned>(v));
        }
        case SD_BUS_TYPE_INT64: {
            std::int64_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading an int64");
            return srmd::Json(static_cast<long long>(v));
        }
        case SD_BUS_TYPE_UINT64: {
            std::uint64_t v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a uint64");
            return srmd::Json(static_cast<unsigned long long>(v));
        }
        case SD_BUS_TYPE_DOUBLE: {
            double v = 0;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a double");
            return srmd::Json(v);
        }
        case SD_BUS_TYPE_STRING:
        case SD_BUS_TYPE_OBJECT_PATH:
        case SD_BUS_TYPE_SIGNATURE: {
            const char* v = nullptr;
            r = sd_bus_message_read_basic(m, type, &v);
            check_bus(r, "reading a string");
            return srmd::Json(v ? v : "");
        }
        default:
            break;
    }
    throw errno_failure(-EBADMSG, std::string("reading a value of type '") + type + "'");
}

srmd::Json read_container(sd_bus_message* m, char type, const char* contents) {
    check_bus(sd_bus_message_enter_container(m, type, contents), "entering a container");
    srmd::Json out;
    if (type == SD_BUS_TYPE_VARIANT) {
        out = read_bus_value(m);
    } else if (type == SD_BUS_TYPE_ARRAY && contents[0] == SD_BUS_TYPE_DICT_ENTRY_BEGIN &&
               (contents[1] == SD_BUS_TYPE_STRING || contents[1] == SD_BUS_TYPE_OBJECT_PATH)) {
        // a{s...}: an object, as an operator reads a dictionary.
        out = srmd::Json::object();
        std::string entry(contents + 1, contents + std::char_traits<char>::length(contents) - 1);
        for (;;) {
            int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, entry.c_str());
            check_bus(r, "entering a dictionary entry");
            if (r == 0)
                break;
            srmd::Json key = read_bus_value(m);
            srmd::Json value = read_bus_value(m);
            check_bus(sd_bus_message_exit_container(m), "leaving a dictionary entry");
            out.set(key.as_string(), std::move(value));
        }
    } else {
        // Arrays, structs and dictionaries with other keys: a list (a dict entry is [key, value]).
        out = srmd::Json::array();
        while (sd_bus_message_at_end(m, false) == 0)
            out.push(read_bus_value(m));
    }
    check_bus(sd_bus_message_exit_container(m), "leaving a container");
    return out;
}

}  // namespace

srmd::Json read_bus_value(sd_bus_message* m) {
    char type = 0;
    const char* contents = nullptr;
    int r = sd_bus_message_peek_type(m, &type, &contents);
    check_bus(r, "reading the reply");
    if (r == 0)
        throw errno_failure(-EBADMSG, "reading the reply: it ended early");
    if (type == SD_BUS_TYPE_ARRAY || type == SD_BUS_TYPE_STRUCT || type == SD_BUS_TYPE_VARIANT ||
        type == SD_BUS_TYPE_DICT_ENTRY)
        return read_container(m, type, contents);
    return read_basic(m, type);
}

}  // namespace srmctl
