#include "service/state-store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "util/atomic-file.hpp"
#include "util/error.hpp"
#include "util/read-file.hpp"

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

// A count that cannot be negative: a negative one in the file is 0, not a 2^64 - n that the next
// save would write beyond what a load reads back.
std::uint64_t count_or_zero(const Json& object, const char* key) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, int_or(object, key)));
}

// A 64-bit count into an int without wrapping: 2^32 + 1 must not read as 1 (validate_state
// then bounds it).
int saturated_int(std::int64_t value) {
    return static_cast<int>(std::clamp<std::int64_t>(value, std::numeric_limits<int>::min(),
                                                     std::numeric_limits<int>::max()));
}

StepRecord step_from_json(const Json& j) {
    if (!j.is_object())
        throw std::runtime_error("a step is not an object");
    StepRecord s;
    s.time = int_or(j, "time");
    s.pass = count_or_zero(j, "pass");
    s.action = need_text(j, "action");
    s.target = need_text(j, "target");
    s.reason = text_or(j, "reason");
    s.result = text_or(j, "result");
    const Json* rollback = j.find("rollback");
    s.rollback = rollback && rollback->is_bool() && rollback->as_bool();
    s.error = saturated_int(int_or(j, "errno"));
    s.message = text_or(j, "message");
    return s;
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
    if (!state.created_regions.empty()) {
        Json created = Json::array();
        for (const CreatedRegion& c : state.created_regions) {
            Json r = Json::object();
            r.set("name", c.name);
            r.set("root_decoder", c.root_decoder);
            r.set("start", static_cast<unsigned long long>(c.start));
            r.set("size", static_cast<unsigned long long>(c.size));
            r.set("range", c.range);
            r.set("time", static_cast<long long>(c.time));
            created.push(std::move(r));
        }
        j.set("created_regions", std::move(created));
    }
    if (!state.installed_files.empty()) {
        Json files = Json::array();
        for (const InstalledFile& file : state.installed_files) {
            Json f = Json::object();
            f.set("path", file.path);
            f.set("content", file.content);
            files.push(std::move(f));
        }
        j.set("installed_files", std::move(files));
    }
    if (!state.dc_release_requests.empty()) {
        Json requests = Json::array();
        for (const DcReleaseRequest& request : state.dc_release_requests) {
            Json r = Json::object();
            r.set("region", request.region);
            r.set("offset", static_cast<unsigned long long>(request.offset));
            r.set("length", static_cast<unsigned long long>(request.length));
            r.set("tag", request.tag);
            r.set("since", static_cast<unsigned long long>(request.since));
            requests.push(std::move(r));
        }
        j.set("dc_release_requests", std::move(requests));
    }
    if (state.dc_trace_offset > 0)
        j.set("dc_trace_offset", static_cast<unsigned long long>(state.dc_trace_offset));
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
    state.passes = count_or_zero(j, "passes");
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
        record.failures = saturated_int(int_or(r, "failures"));
        record.retry_after = int_or(r, "retry_after");
        if (const Json* steps = r.find("steps"); steps && steps->is_array())
            for (const Json& s : steps->as_array())
                record.steps.push_back(step_from_json(s));
        state.ranges[id] = std::move(record);
    }
    if (const Json* created = j.find("created_regions"); created && !created->is_null()) {
        if (!created->is_array())
            throw std::runtime_error("\"created_regions\" is not an array");
        for (const Json& r : created->as_array()) {
            if (!r.is_object())
                throw std::runtime_error("a created region is not an object");
            CreatedRegion c;
            c.name = text_or(r, "name");
            c.root_decoder = text_or(r, "root_decoder");
            c.start = count_or_zero(r, "start");
            c.size = count_or_zero(r, "size");
            c.range = text_or(r, "range");
            c.time = int_or(r, "time");
            state.created_regions.push_back(std::move(c));
        }
    }
    if (const Json* files = j.find("installed_files"); files && !files->is_null()) {
        if (!files->is_array())
            throw std::runtime_error("\"installed_files\" is not an array");
        for (const Json& f : files->as_array()) {
            if (!f.is_object())
                throw std::runtime_error("an installed file is not an object");
            state.installed_files.push_back({need_text(f, "path"), text_or(f, "content")});
        }
    }
    if (const Json* requests = j.find("dc_release_requests"); requests && !requests->is_null()) {
        if (!requests->is_array())
            throw std::runtime_error("\"dc_release_requests\" is not an array");
        for (const Json& r : requests->as_array()) {
            if (!r.is_object())
                throw std::runtime_error("a release request is not an object");
            DcReleaseRequest request;
            request.region = need_text(r, "region");
            request.offset = count_or_zero(r, "offset");
            request.length = count_or_zero(r, "length");
            request.tag = text_or(r, "tag");
            request.since = count_or_zero(r, "since");
            state.dc_release_requests.push_back(std::move(request));
        }
    }
    state.dc_trace_offset = count_or_zero(j, "dc_trace_offset");
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
    // Only a regular file, never waiting: a FIFO planted here would hang start-up for ever. srmd
    // only ever renames a regular file into place, so a symlink is not its file either.
    ReadFileOptions options;
    options.follow_symlinks = false;
    std::string text;
    if (std::optional<SystemFailure> failure = read_regular_file(path, text, options)) {
        if (failure->error != ENOENT)
            load.warning =
                "cannot read " + path + ": " + failure->message + "; starting with a fresh state";
        return load;
    }
    try {
        load.state = state_from_text(text);
    } catch (const std::exception& e) {
        std::string aside = path + ".corrupt";
        load.state = State{};
        load.warning = "cannot use " + path + " (" + e.what() + "); ";
        int error = std::rename(path.c_str(), aside.c_str()) == 0 ? 0 : errno;
        if (error == 0)
            load.warning += "moved it to " + aside + " and started with a fresh state";
        else
            load.warning += "cannot move it to " + aside + " (" + std::strerror(error) +
                            "); started with a fresh state, which replaces it at the next save";
    }
    return load;
}

void save_state(const std::string& path, const State& state) {
    atomic_write_file(path, state_to_text(state));
}

std::vector<std::string> validate_state(State& state, std::int64_t now,
                                        std::chrono::seconds max_wait) {
    std::vector<std::string> warnings;
    std::int64_t latest = 0;
    if (__builtin_add_overflow(now, static_cast<std::int64_t>(max_wait.count()), &latest))
        latest = std::numeric_limits<std::int64_t>::max();
    for (auto& [id, record] : state.ranges) {
        const std::string range = "range " + id + ": ";
        if (record.failures < 0 || record.failures > kMaxFailures) {
            int bounded = record.failures < 0 ? 0 : kMaxFailures;
            warnings.push_back(range + "failures " + std::to_string(record.failures) +
                               " is out of bounds (0 to " + std::to_string(kMaxFailures) + "); " +
                               std::to_string(bounded) + " is used");
            record.failures = bounded;
        }
        if (record.retry_after < 0) {
            warnings.push_back(range + "retry_after " + std::to_string(record.retry_after) +
                               " is negative; the range does not wait");
            record.retry_after = 0;
        } else if (record.retry_after > latest) {
            warnings.push_back(range + "retry_after " + std::to_string(record.retry_after) +
                               " is more than the longest wait (" +
                               std::to_string(max_wait.count()) + " s) away; it is retried by " +
                               std::to_string(latest));
            record.retry_after = latest;
        }
        if (record.steps.size() > kStepsKept) {
            warnings.push_back(range + std::to_string(record.steps.size()) +
                               " steps recorded; the last " + std::to_string(kStepsKept) +
                               " are kept");
            record.steps.erase(record.steps.begin(),
                               record.steps.end() - static_cast<long>(kStepsKept));
        }
    }
    return warnings;
}

void remember_step(State& state, const std::string& range, StepRecord record) {
    std::vector<StepRecord>& steps = state.ranges[range].steps;
    steps.push_back(std::move(record));
    if (steps.size() > kStepsKept)
        steps.erase(steps.begin(), steps.begin() + static_cast<long>(steps.size() - kStepsKept));
}

}  // namespace srmd
