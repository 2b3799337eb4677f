#include "ownership/dc-extents.hpp"

#include <algorithm>

namespace srmd {

std::string dc_tag_words(const std::string& tag) {
    return tag.empty() ? std::string("untagged") : "tag " + tag;
}

bool requested(const DcReleaseRequest& request, const RangeDcExtent& extent) {
    return request.offset < extent.offset + extent.length &&
           extent.offset < request.offset + request.length;
}

std::vector<std::string> release_holders(const RangeDc& dc, const DcReleaseRequest& request) {
    std::vector<std::string> holders;
    for (const RangeDcExtent& extent : dc.extents)
        if (!extent.device.empty() && requested(request, extent) &&
            std::find(holders.begin(), holders.end(), extent.device) == holders.end())
            holders.push_back(extent.device);
    return holders;
}

}  // namespace srmd
