#include "service/metrics-file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "publish/log.hpp"
#include "service/reconciler.hpp"
#include "util/atomic-file.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace srmd {

void MetricsFile::after_pass(const Reconciler& reconciler, const PassSummary& pass) {
    count_pass(totals_, pass);
    std::string dir(dir_name(path_));
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (!said_missing_)
            log_notice("not writing metrics: " + dir +
                           " does not exist (is prometheus-node-exporter installed?)",
                       {{"SRMD_PATH", path_}});
        said_missing_ = true;
        return;
    }
    if (said_missing_)
        log_info("writing metrics to " + path_ + " now that " + dir + " exists",
                 {{"SRMD_PATH", path_}});
    said_missing_ = false;
    try {
        std::string text = metrics_text(
            reconciler.ranges(), reconciler.has_snapshot() ? &reconciler.snapshot() : nullptr,
            reconciler.policy(), pass, totals_);
        atomic_write_file(path_, text);
        said_failed_ = false;
    } catch (const std::exception& e) {
        if (!said_failed_)
            log_warning(std::string("cannot write metrics: ") + e.what(), {{"SRMD_PATH", path_}});
        said_failed_ = true;
    }
}

}  // namespace srmd
