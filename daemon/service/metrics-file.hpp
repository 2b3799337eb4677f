// Writing the metrics file (publish/metrics-text.hpp) after every pass, for node_exporter's
// textfile collector: atomically, so that a scrape never reads half a file, and never at the cost
// of the pass. A directory that does not exist means node_exporter is not installed: srmd then
// writes nothing and says so once; a write that fails is logged once, until one succeeds again.
#pragma once

#include <string>

#include "publish/metrics-text.hpp"
#include "publish/pass-json.hpp"

namespace srmd {

class Reconciler;

// Debian's prometheus-node-exporter reads *.prom files from this directory.
inline constexpr const char* kDefaultMetricsFile = "/var/lib/prometheus/node-exporter/srmd.prom";

class MetricsFile {
  public:
    explicit MetricsFile(std::string path) : path_(std::move(path)) {}

    // Counts the pass and writes the file from the reconciler's picture. Never throws.
    void after_pass(const Reconciler& reconciler, const PassSummary& pass);

    const std::string& path() const { return path_; }
    const MetricsTotals& totals() const { return totals_; }

  private:
    std::string path_;
    MetricsTotals totals_;
    bool said_missing_ = false;
    bool said_failed_ = false;
};

}  // namespace srmd
