#include "cli/json-error.hpp"

#include <cstdio>

#include "util/json.hpp"

namespace srmctl {

void print_json_error(const std::string& name, const std::string& message) {
    srmd::Json detail = srmd::Json::object();
    detail.set("name", name);
    detail.set("message", message);
    srmd::Json json = srmd::Json::object();
    json.set("error", std::move(detail));
    std::printf("%s\n", json.dump(2).c_str());
}

int report_offline_failure(bool json, const std::exception& error) {
    std::fprintf(stderr, "srmctl: %s\n", error.what());
    if (json)
        print_json_error("srmctl.Failed", error.what());
    return 1;
}

}  // namespace srmctl
