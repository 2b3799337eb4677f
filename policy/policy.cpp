#include "policy/policy.hpp"

namespace srmd {

bool RuleMatch::unconditional() const {
    return !start && !address && !min_size && !max_size && !window && !region && !serials &&
           !target_nodes && !kernel_owner && !soft_reserved && !tag;
}

std::string PolicyRule::label() const {
    return file_name + ":" + std::to_string(position.line) + " " + name;
}

const char* to_string(PolicyOwner owner) {
    switch (owner) {
        case PolicyOwner::Cxl:
            return "cxl";
        case PolicyOwner::Hmem:
            return "hmem";
        case PolicyOwner::Kernel:
            return "kernel";
    }
    return "kernel";
}

const char* to_string(PolicyMode mode) {
    switch (mode) {
        case PolicyMode::SystemRam:
            return "system-ram";
        case PolicyMode::Devdax:
            return "devdax";
        case PolicyMode::Offline:
            return "offline";
        case PolicyMode::Ignore:
            return "ignore";
    }
    return "ignore";
}

const char* to_string(PolicyZone zone) {
    switch (zone) {
        case PolicyZone::Movable:
            return "movable";
        case PolicyZone::Normal:
            return "normal";
        case PolicyZone::Auto:
            return "auto";
    }
    return "auto";
}

const char* to_string(PolicyWhen when) {
    switch (when) {
        case PolicyWhen::Always:
            return "always";
        case PolicyWhen::Unusable:
            return "unusable";
    }
    return "always";
}

}  // namespace srmd
