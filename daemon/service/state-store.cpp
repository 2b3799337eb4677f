#include "service/state-store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/error.hpp"

namespace srmd {

namespace {

constexpr int kVersion = 1;

Json step_to_json(const StepRecord& s) {
    Json j = Json::object();
    j.set("time", static_cast<long long>(s.time));
    j.set("pass", static_cast<unsigned long long>(s.pass));
    j.set("action", s.action);
    j.set("target", s.target);
    j.set("reason", s.reason);
    j.set("result", s.result);
    if (s.rollback)
        j.set("rollback", true);
    if (s.error)
        j.set("errno", s.error);
    if (!s.message.empty())
        j.set("message", s.message);
    return j;
}

const Json& need(const Json& object, const char* key) {
    const Json* value = object.is_object() ? object.find(key) : nullptr;
    if (!value)
        throw std::runtime_error(std::string("missing \"") + key + "\"");
    return *value;
}

const std::string& need_text(const Json& object, const char* key) {
    const Json& value = need(object, key);
    if (!value.is_string())
        throw std::runtime_error(std::string("\"") + key + "\" is not a string");
    return value.as_string();
}

std::string text_or(const Json& object, const char* key, std::string fallback = "") {
    const Json* value = object.find(key);
    return value && value->is_string() ? value->as_string() : fallback;
}

std::int64_t int_or(const Json& object, const char* key, std::int64_t fallback = 0) {
    const Json* value = object.find(key);
    return value && value->is_number() ? value->as_int() : fallback;
}

StepRecord step_from_json(const Json& j) {
    if (!j.is_object())
        throw std::runtime_error("a step is not an object");
    StepRecord s;
    s.time = int_or(j, "time");
    s.pass = static_cast<std::uint64_t>(int_or(j, "pass"));
    s.action = need_text(j, "action");
    s.target = need_text(j, "target");
    s.reason = text_or(j, "reason");
    s.result = text_or(j, "result");
    const Json* rollback = j.find("rollback");
    s.rollback = rollback && rollback->is_bool() && rollback->as_bool();
    s.error = static_cast<int>(int_or(j, "errno"));
    s.message = text_or(j, "message");
    return s;
}

// fsync of the directory makes the rename itself durable.
void sync_directory(const std::string& path) {
    std::string dir = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

Json state_to_json(const State& state) {
    Json j = Json::object();
    j.set("version", kVersion);
    j.set("boot_id", state.boot_id);
    j.set("passes", static_cast<unsigned long long>(state.passes));
    if (state.in_progress) {
        Json in_progress = step_to_json(*state.in_progress);
        in_progress.set("range", state.in_progress_range);
        j.set("in_progress", std::move(in_progress));
    } else {
        j.set("in_progress", nullptr);
    }
    Json ranges = Json::object();
    for (const auto& [id, record] : state.ranges) {
        Json r = Json::object();
        r.set("failures", record.failures);
        r.set("retry_after", static_cast<long long>(record.retry_after));
        Json steps = Json::array();
        for (const StepRecord& s : record.steps)
            steps.push(step_to_json(s));
        r.set("steps", std::move(steps));
        // Keys of a std::map are new: append() does not search, so 80k ranges stay linear.
        ranges.append(id, std::move(r));
    }
    j.set("ranges", std::move(ranges));
    return j;
}

State state_from_json(const Json& j) {
    if (!j.is_object())
        throw std::runtime_error("the document is not an object");
    const Json& version = need(j, "version");
    if (!version.is_number() || version.as_int() != kVersion)
        throw std::runtime_error("unknown version " + version.dump());
    State state;
    state.boot_id = text_or(j, "boot_id");
    state.passes = static_cast<std::uint64_t>(int_or(j, "passes"));
    if (const Json* in_progress = j.find("in_progress"); in_progress && !in_progress->is_null()) {
        state.in_progress = step_from_json(*in_progress);
        state.in_progress_range = text_or(*in_progress, "range");
    }
    const Json& ranges = need(j, "ranges");
    if (!ranges.is_object())
        throw std::runtime_error("\"ranges\" is not an object");
    for (const auto& [id, r] : ranges.as_object()) {
        if (!r.is_object())
            throw std::runtime_error("range " + id + " is not an object");
        RangeRecord record;
        record.failures = static_cast<int>(int_or(r, "failures"));
        record.retry_after = int_or(r, "retry_after");
        if (const Json* steps = r.find("steps"); steps && steps->is_array())
            for (const Json& s : steps->as_array())
                record.steps.push_back(step_from_json(s));
        state.ranges[id] = std::move(record);
    }
    return state;
}

State state_from_text(std::string_view text) {
    return state_from_json(Json::parse(text));
}

std::string state_to_text(const State& state) {
    return state_to_json(state).dump(2) + "\n";
}

StateLoad load_state(const std::string& path) {
    StateLoad load;
    std::ifstream in(path);
    if (!in) {
        if (errno != ENOENT)
            load.warning = "cannot read " + path + ": " + std::strerror(errno) +
                           "; starting with a fresh state";
        return load;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        load.state = state_from_text(text.str());
    } catch (const std::exception& e) {
        std::string aside = path + ".corrupt";
        std::rename(path.c_str(), aside.c_str());
        load.state = State{};
        load.warning = "cannot use " + path + " (" + e.what() + "); moved it to " + aside +
                       " and started with a fresh state";
    }
    return load;
}

void save_state(const std::string& path, const State& state) {
    std::string text = state_to_text(state);
    std::string temporary = path + ".new";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw SystemError(temporary, errno);
    const char* at = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, at, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int error = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            throw SystemError(temporary, error);
        }
        at += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw SystemError(temporary, error);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw SystemError(path, error);
    }
    sync_directory(path);
}

void remember_step(State& state, const std::string& range, StepRecord record) {
    std::vector<StepRecord>& steps = state.ranges[range].steps;
    steps.push_back(std::move(record));
    if (steps.size() > kStepsKept)
        steps.erase(steps.begin(), steps.begin() + static_cast<long>(steps.size() - kStepsKept));
}

}  // namespace srmd
