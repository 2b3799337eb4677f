// A small JSON value, enough for srmd's output contracts and state files. Objects keep their keys
// in insertion order so that output is stable and reads in the order the contract lists.
// nlohmann-json parses and writes (json.cpp); this header keeps it out of every other file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace srmd {

class Json {
  public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() : value_(nullptr) {}
    Json(std::nullptr_t) : value_(nullptr) {}
    Json(bool b) : value_(b) {}
    Json(int i) : value_(static_cast<std::int64_t>(i)) {}
    Json(long i) : value_(static_cast<std::int64_t>(i)) {}
    Json(long long i) : value_(static_cast<std::int64_t>(i)) {}
    Json(unsigned i) : value_(static_cast<std::uint64_t>(i)) {}
    Json(unsigned long i) : value_(static_cast<std::uint64_t>(i)) {}
    Json(unsigned long long i) : value_(static_cast<std::uint64_t>(i)) {}
    Json(double d) : value_(d) {}
    Json(const char* s) : value_(std::string(s)) {}
    Json(std::string s) : value_(std::move(s)) {}
    Json(std::string_view s) : value_(std::string(s)) {}
    Json(Array a) : value_(std::move(a)) {}
    Json(Object o) : value_(std::move(o)) {}

    static Json array() { return Json(Array{}); }
    static Json object() { return Json(Object{}); }

    bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }
    bool is_bool() const { return std::holds_alternative<bool>(value_); }
    bool is_string() const { return std::holds_alternative<std::string>(value_); }
    bool is_array() const { return std::holds_alternative<Array>(value_); }
    bool is_object() const { return std::holds_alternative<Object>(value_); }
    bool is_number() const;

    bool as_bool() const { return std::get<bool>(value_); }
    const std::string& as_string() const { return std::get<std::string>(value_); }
    std::int64_t as_int() const;
    std::uint64_t as_uint() const;
    double as_double() const;
    const Array& as_array() const { return std::get<Array>(value_); }
    Array& as_array() { return std::get<Array>(value_); }
    const Object& as_object() const { return std::get<Object>(value_); }
    Object& as_object() { return std::get<Object>(value_); }

    // Object access. set() replaces an existing key or appends a new one, searching the keys;
    // append() is for a key the caller knows is new (keys of a std::map, say) and does not search,
    // so that building an object with many keys stays linear. A duplicate it lets in makes a
    // document that parse() refuses.
    Json& set(std::string key, Json value);
    Json& append(std::string key, Json value);
    const Json* find(std::string_view key) const;
    // Array append.
    Json& push(Json value);

    // Compact with indent < 0; else pretty-printed with that many spaces per level.
    std::string dump(int indent = -1) const;

    // Throws std::runtime_error with the byte offset of the first problem ("JSON: expected ':' at
    // byte 5"). Duplicate keys are refused; nesting deeper than 256 is refused. Linear time.
    static Json parse(std::string_view text);

    // Numbers compare by value whatever their representation (parse gives uint64 for 5, Json(5)
    // holds int64).
    bool operator==(const Json& other) const;

  private:
    std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array,
                 Object>
        value_;
};

}  // namespace srmd
