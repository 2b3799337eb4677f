#include "cli/performance-lines.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace srmctl {

namespace {

const srmd::Json* member(const srmd::Json& object, const char* key) {
    const srmd::Json* value = object.is_object() ? object.find(key) : nullptr;
    return value && !value->is_null() ? value : nullptr;
}

std::string number(const srmd::Json& value) {
    return value.dump();
}

std::string node_list(const srmd::Json& nodes) {
    std::string out;
    if (nodes.is_array())
        for (const srmd::Json& node : nodes.as_array())
            out += (out.empty() ? "" : ", ") + number(node);
    return out;
}

// "latency read 30 ns, write 30 ns; bandwidth read 5120 MB/s, write 5120 MB/s (from node 0)",
// with only the figures the kernel gives; "" when it gives none.
std::string access_words(const srmd::Json* access) {
    if (!access)
        return "";
    auto pair = [&](const char* what, const char* read, const char* write, const char* unit) {
        std::string words;
        if (const srmd::Json* value = member(*access, read))
            words = "read " + number(*value) + unit;
        if (const srmd::Json* value = member(*access, write))
            words += (words.empty() ? "" : ", ") + std::string("write ") + number(*value) + unit;
        return words.empty() ? words : std::string(what) + " " + words;
    };
    std::string latency = pair("latency", "read_latency", "write_latency", " ns");
    std::string bandwidth = pair("bandwidth", "read_bandwidth", "write_bandwidth", " MB/s");
    std::string out = latency + (latency.empty() || bandwidth.empty() ? "" : "; ") + bandwidth;
    if (const srmd::Json* initiators = member(*access, "initiators");
        !out.empty() && initiators && initiators->is_array() && !initiators->as_array().empty())
        out += " (from node " + node_list(*initiators) + ")";
    return out;
}

// "  Label:  words" lines, the words aligned in one column.
std::string aligned(const std::vector<std::pair<std::string, std::string>>& rows) {
    std::size_t width = 0;
    for (const auto& row : rows)
        width = std::max(width, row.first.size());
    std::string out;
    for (const auto& [label, words] : rows)
        out += label + std::string(width - label.size() + 2, ' ') + words + "\n";
    return out;
}

}  // namespace

std::string performance_lines(const srmd::Json& range) {
    const srmd::Json* perf = member(range, "performance");
    if (!perf)
        return "\nPerformance: not known\n";
    std::vector<std::pair<std::string, std::string>> rows;
    if (const srmd::Json* node = member(*perf, "node")) {
        std::string where = number(*node);
        if (const srmd::Json* tier = member(*perf, "tier")) {
            where += ", memory tier " + number(*tier);
            if (const srmd::Json* distance = member(*perf, "abstract_distance");
                distance && member(*distance, "first") && member(*distance, "last"))
                where += " (abstract distance " + number(*member(*distance, "first")) + "-" +
                         number(*member(*distance, "last")) + ")";
            if (const srmd::Json* dram = member(*perf, "tier_dram_nodes");
                dram && dram->is_array() && !dram->as_array().empty())
                where += ", shared with DRAM node " + node_list(*dram);
        } else {
            where += ", no memory tier shown";
        }
        rows.push_back({"  Node:", where});
    }
    for (const char* key : {"node_access0", "node_access1"}) {
        std::string words = access_words(member(*perf, key));
        if (!words.empty())
            rows.push_back({std::string("  Node ") + (key + 5) + ":", words});
    }
    if (const srmd::Json* region = member(*perf, "region"); region && region->is_string()) {
        for (const char* key : {"region_access0", "region_access1"}) {
            std::string words = access_words(member(*perf, key));
            if (!words.empty())
                rows.push_back({"  " + region->as_string() + " " + (key + 7) + ":", words});
        }
    }
    if (const srmd::Json* qos = member(*perf, "qos_class")) {
        std::string words;
        if (const srmd::Json* window = member(*qos, "window"))
            words = "window " + number(*window);
        if (const srmd::Json* memdevs = member(*qos, "memdevs"); memdevs && memdevs->is_array())
            for (const srmd::Json& memdev : memdevs->as_array())
                if (const srmd::Json* ram = member(memdev, "ram"); ram && member(memdev, "memdev"))
                    words += (words.empty() ? "" : ", ") + member(memdev, "memdev")->as_string() +
                             " " + number(*ram);
        if (!words.empty())
            rows.push_back({"  QoS class:", words});
    }
    if (rows.empty())
        return "\nPerformance: the kernel shows nothing\n";
    return "\nPerformance:\n" + aligned(rows);
}

}  // namespace srmctl
