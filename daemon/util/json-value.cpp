// srmd::Json's value side, which needs no parser: typed access, building objects and arrays,
// and comparison (numbers by value, whatever their representation). Reading and writing text is
// json.cpp's, the one file that includes nlohmann-json.
#include <cmath>
#include <stdexcept>
#include <string>

#include "util/json.hpp"

namespace srmd {

namespace {

using Int = std::int64_t;
using UInt = std::uint64_t;

[[noreturn]] void type_error(const char* wanted) {
    throw std::runtime_error(std::string("JSON value is not ") + wanted);
}

}  // namespace

bool Json::is_number() const {
    return std::holds_alternative<Int>(value_) || std::holds_alternative<UInt>(value_) ||
           std::holds_alternative<double>(value_);
}

std::int64_t Json::as_int() const {
    if (const Int* i = std::get_if<Int>(&value_))
        return *i;
    if (const UInt* u = std::get_if<UInt>(&value_)) {
        if (*u <= static_cast<UInt>(std::numeric_limits<Int>::max()))
            return static_cast<Int>(*u);
        type_error("a signed 64-bit integer");
    }
    if (const double* d = std::get_if<double>(&value_)) {
        // 2^63 is exactly representable; anything at or above it does not fit.
        if (std::trunc(*d) == *d && *d >= -9223372036854775808.0 && *d < 9223372036854775808.0) {
            return static_cast<Int>(*d);
        }
        type_error("a signed 64-bit integer");
    }
    type_error("a number");
}

std::uint64_t Json::as_uint() const {
    if (const UInt* u = std::get_if<UInt>(&value_))
        return *u;
    if (const Int* i = std::get_if<Int>(&value_)) {
        if (*i >= 0)
            return static_cast<UInt>(*i);
        type_error("an unsigned 64-bit integer");
    }
    if (const double* d = std::get_if<double>(&value_)) {
        if (std::trunc(*d) == *d && *d >= 0 && *d < 18446744073709551616.0) {
            return static_cast<UInt>(*d);
        }
        type_error("an unsigned 64-bit integer");
    }
    type_error("a number");
}

double Json::as_double() const {
    if (const double* d = std::get_if<double>(&value_))
        return *d;
    if (const Int* i = std::get_if<Int>(&value_))
        return static_cast<double>(*i);
    if (const UInt* u = std::get_if<UInt>(&value_))
        return static_cast<double>(*u);
    type_error("a number");
}

Json& Json::set(std::string key, Json value) {
    if (!is_object())
        type_error("an object");
    for (auto& member : as_object()) {
        if (member.first == key) {
            member.second = std::move(value);
            return member.second;
        }
    }
    return as_object().emplace_back(std::move(key), std::move(value)).second;
}

Json& Json::append(std::string key, Json value) {
    if (!is_object())
        type_error("an object");
    return as_object().emplace_back(std::move(key), std::move(value)).second;
}

const Json* Json::find(std::string_view key) const {
    if (!is_object())
        return nullptr;
    for (const auto& member : as_object()) {
        if (member.first == key)
            return &member.second;
    }
    return nullptr;
}

Json& Json::push(Json value) {
    if (!is_array())
        type_error("an array");
    return as_array().emplace_back(std::move(value));
}

namespace {

// Exact comparison of a double with a 64-bit integer: converting the integer to double could
// round (2^53 + 1 == 2^53 as doubles), so convert the double instead when it is integral and in
// range.
bool double_equals_int(double d, Int i) {
    if (std::trunc(d) != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
        return false;
    }
    return static_cast<Int>(d) == i;
}

bool double_equals_uint(double d, UInt u) {
    if (std::trunc(d) != d || d < 0 || d >= 18446744073709551616.0)
        return false;
    return static_cast<UInt>(d) == u;
}

}  // namespace

bool Json::operator==(const Json& other) const {
    if (is_number() && other.is_number()) {
        const auto& a = value_;
        const auto& b = other.value_;
        if (const Int* ai = std::get_if<Int>(&a)) {
            if (const Int* bi = std::get_if<Int>(&b))
                return *ai == *bi;
            if (const UInt* bu = std::get_if<UInt>(&b))
                return *ai >= 0 && UInt(*ai) == *bu;
            return double_equals_int(std::get<double>(b), *ai);
        }
        if (const UInt* au = std::get_if<UInt>(&a)) {
            if (const UInt* bu = std::get_if<UInt>(&b))
                return *au == *bu;
            if (const Int* bi = std::get_if<Int>(&b))
                return *bi >= 0 && UInt(*bi) == *au;
            return double_equals_uint(std::get<double>(b), *au);
        }
        double ad = std::get<double>(a);
        if (const Int* bi = std::get_if<Int>(&b))
            return double_equals_int(ad, *bi);
        if (const UInt* bu = std::get_if<UInt>(&b))
            return double_equals_uint(ad, *bu);
        return ad == std::get<double>(b);
    }
    // Same alternative, compared member by member; objects compare in order, since key order is
    // part of srmd's output contracts.
    return value_ == other.value_;
}

}  // namespace srmd
