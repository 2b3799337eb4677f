#include "ownership/usable.hpp"

#include "ownership/managed-elsewhere.hpp"

namespace srmd {

namespace {

// Why one device's memory cannot be used; "" when it can (or holds none).
std::string unusable_words(const RangeDax& dax) {
    if (dax.size == 0)
        return "";
    if (dax.driver.empty())
        return dax.device + " has no driver";
    if (dax.driver != "kmem")
        return "";  // device_dax, or managed elsewhere: in use as its owner set it up
    if (dax.memory.blocks == 0)
        return dax.device + " is bound to kmem but has no memory blocks";
    if (dax.memory.online < dax.memory.blocks)
        return dax.device + " has " + std::to_string(dax.memory.blocks - dax.memory.online) +
               " of " + std::to_string(dax.memory.blocks) + " memory blocks offline";
    return "";
}

}  // namespace

bool usable_dax(const RangeDax& dax) {
    return dax.size > 0 && unusable_words(dax).empty();
}

std::vector<std::string> unusable_parts(const Range& range) {
    std::vector<std::string> parts;
    bool holds = false;
    for (const RangeDax& dax : range.dax) {
        if (dax.size == 0)
            continue;
        holds = true;
        if (std::string words = unusable_words(dax); !words.empty())
            parts.push_back(std::move(words));
    }
    if (!holds)
        parts.push_back(range.owner == Owner::None
                            ? "nobody holds the range"
                            : std::string("held by ") + to_string(range.owner) +
                                  " but no dax device holds its memory");
    return parts;
}

}  // namespace srmd
