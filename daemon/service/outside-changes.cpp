#include "service/outside-changes.hpp"

#include <map>

namespace srmd {

namespace {

std::string driver_words(const std::string& driver) {
    return driver.empty() ? "no driver" : driver;
}

std::string memory_words(const RangeMemory& memory) {
    std::string words =
        std::to_string(memory.online) + " of " + std::to_string(memory.blocks) + " blocks online";
    if (memory.online > 0 && memory.zone)
        words += std::string(" (") + to_string(*memory.zone) + ")";
    return words;
}

}  // namespace

std::vector<OutsideChange> outside_changes(const std::vector<Range>& before,
                                           const std::vector<Range>& now) {
    std::map<std::string, const RangeDax*> was;
    for (const Range& range : before)
        for (const RangeDax& dax : range.dax)
            was[dax.device] = &dax;
    std::vector<OutsideChange> changes;
    for (const Range& range : now) {
        for (const RangeDax& dax : range.dax) {
            auto it = was.find(dax.device);
            if (it == was.end())
                continue;
            const RangeDax& old = *it->second;
            if (old.driver != dax.driver)
                changes.push_back(
                    {range.id, dax.device,
                     "driver " + driver_words(old.driver) + " -> " + driver_words(dax.driver)});
            else if (old.memory.online != dax.memory.online ||
                     (dax.memory.online > 0 && old.memory.zone != dax.memory.zone))
                changes.push_back({range.id, dax.device,
                                   memory_words(old.memory) + " -> " + memory_words(dax.memory)});
        }
    }
    return changes;
}

}  // namespace srmd
