// srmd: the Soft Reserved memory daemon. Parses the command line, wires the stages together —
// the real kernel or, with --root, the simulated one — and runs the Daemon.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "dbus/bus-service.hpp"
#include "kernel/dc-trace-setup.hpp"
#include "kernel/kernel-actuator.hpp"
#include "kernel/udev-source.hpp"
#include "publish/log.hpp"
#include "service/daemon.hpp"
#include "sim/sim-event-source.hpp"
#include "sim/sim-kernel.hpp"
#include "srmd-config.h"
#include "util/error.hpp"

namespace {

const char usage_text[] =
    "Usage: srmd [OPTIONS]\n"
    "\n"
    "Owns the machine's Soft Reserved memory: watches udev, works out who owns each range,\n"
    "and converges the machine to the policy in /usr/lib/srmd/policy.d and /etc/srmd/policy.d.\n"
    "\n"
    "Options:\n"
    "  --root DIR          run on a captured or constructed tree with the simulated kernel\n"
    "  --policy-dir DIR    read the policy from DIR (repeatable; replaces the default dirs)\n"
    "  --state-dir DIR     keep state in DIR (default $STATE_DIRECTORY, else /var/lib/srmd)\n"
    "  --dry-run           plan and report, never change the machine\n"
    "  --until-converged   exit once no event is pending and a pass had nothing to do:\n"
    "                      0 when converged, 2 when not, 1 when the machine cannot be read\n"
    "  --quiet-ms N        run a pass once events have been quiet this long (200)\n"
    "  --max-delay-ms N    never let an event wait longer than this for its pass (2000)\n"
    "  --step-timeout MS   how long a kernel step may take before it is killed (120000)\n"
    "  --retry-s N         first retry of a failed range after N s, doubling (30)\n"
    "  --inject SPEC       with --root: a fault for the simulated kernel (srmctl(1))\n"
    "  --log-level LEVEL   err, warning, notice, info (default) or debug\n"
    "  --log-target T      auto (default), journal or console\n"
    "  --bus BUS           serve org.srmd1 on: system (default), none, or a D-Bus address\n"
    "  --metrics-file PATH write Prometheus metrics there after every pass; \"\" for none\n"
    "                      (default /var/lib/prometheus/node-exporter/srmd.prom; none with "
    "--root)\n"
    "  --help, --version\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "srmd: %s\n\n%s", message.c_str(), usage_text);
    return 2;
}

bool parse_count(const char* text, long long& value) {
    char* end = nullptr;
    errno = 0;
    value = std::strtoll(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && value >= 0;
}

}  // namespace

int main(int argc, char** argv) {
    srmd::DaemonOptions options;
    options.kmem_hook = SRMD_KMEM_HOOK;
    std::chrono::milliseconds step_timeout{std::chrono::seconds(120)};
    srmd::SimFaults faults;
    std::string bus = "system";
    std::optional<std::string> metrics_file;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        auto number = [&](long long& out) {
            const char* text = value();
            return text && parse_count(text, out);
        };
        long long n = 0;
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (arg == "--version") {
            std::printf("srmd %s\n", SRMD_VERSION);
            return 0;
        } else if (arg == "--root") {
            const char* dir = value();
            if (!dir)
                return usage_error("--root needs a directory");
            options.root = dir;
        } else if (arg == "--policy-dir") {
            const char* dir = value();
            if (!dir)
                return usage_error("--policy-dir needs a directory");
            options.policy_dirs.push_back(dir);
        } else if (arg == "--state-dir") {
            const char* dir = value();
            if (!dir)
                return usage_error("--state-dir needs a directory");
            options.state_dir = dir;
        } else if (arg == "--dry-run") {
            options.dry_run = true;
        } else if (arg == "--until-converged") {
            options.until_converged = true;
        } else if (arg == "--quiet-ms") {
            if (!number(n))
                return usage_error("--quiet-ms needs a number of milliseconds");
            options.coalesce.quiet = std::chrono::milliseconds(n);
        } else if (arg == "--max-delay-ms") {
            if (!number(n))
                return usage_error("--max-delay-ms needs a number of milliseconds");
            options.coalesce.max_delay = std::chrono::milliseconds(n);
        } else if (arg == "--step-timeout") {
            if (!number(n) || n == 0)
                return usage_error("--step-timeout needs a number of milliseconds");
            step_timeout = std::chrono::milliseconds(n);
        } else if (arg == "--retry-s") {
            if (!number(n) || n == 0)
                return usage_error("--retry-s needs a number of seconds");
            options.backoff.first = std::chrono::seconds(n);
        } else if (arg == "--inject") {
            const char* spec = value();
            if (!spec)
                return usage_error("--inject needs a fault spec");
            try {
                faults.faults.push_back(srmd::parse_sim_fault(spec));
            } catch (const std::invalid_argument& e) {
                return usage_error(e.what());
            }
        } else if (arg == "--log-level") {
            const char* text = value();
            srmd::LogLevel level;
            if (!text || !srmd::parse_log_level(text, level))
                return usage_error("--log-level needs err, warning, notice, info or debug");
            srmd::set_log_level(level);
        } else if (arg == "--log-target") {
            const char* text = value();
            srmd::LogTarget target;
            if (!text || !srmd::parse_log_target(text, target))
                return usage_error("--log-target needs auto, journal or console");
            srmd::set_log_target(target);
        } else if (arg == "--bus") {
            const char* where = value();
            if (!where || !*where)
                return usage_error("--bus needs system, none or a D-Bus address");
            bus = where;
        } else if (arg == "--metrics-file") {
            const char* path = value();
            if (!path)
                return usage_error("--metrics-file needs a path (\"\" for none)");
            if (*path && *path != '/')
                return usage_error("--metrics-file needs an absolute path");
            metrics_file = path;
        } else {
            return usage_error("unknown option '" + arg + "'");
        }
    }
    // A simulated machine's figures must not reach the real node_exporter: with --root, metrics
    // are written only where --metrics-file says.
    options.metrics_file =
        metrics_file.value_or(options.root == "/" ? srmd::kDefaultMetricsFile : "");
    if (!faults.faults.empty() && options.root == "/")
        return usage_error("--inject works only with --root: faults are for the simulated kernel");

    try {
        // The one place that chooses between the real kernel and the simulated one.
        std::unique_ptr<srmd::Actuator> actuator;
        std::unique_ptr<srmd::EventSource> source;
        if (options.root != "/") {
            actuator = std::make_unique<srmd::SimulatedKernel>(options.root, faults, step_timeout);
            source = srmd::open_sim_source(options.root);
        } else {
            srmd::KernelActuatorOptions kernel;
            kernel.offline_timeout = step_timeout;
            actuator = std::make_unique<srmd::KernelActuator>(kernel);
            source = srmd::open_udev_source();
            if (std::string dc = srmd::enable_dc_trace("/"); !dc.empty())
                srmd::log_notice(dc);
        }
        srmd::Daemon daemon(options, std::move(actuator), std::move(source));
        daemon.setup();
        // After the daemon: it goes first, while the loop it is attached to still exists.
        std::unique_ptr<srmd::BusService> api;
        if (bus != "none")
            api = std::make_unique<srmd::BusService>(daemon, bus);
        return daemon.loop();
    } catch (const srmd::SystemError& e) {
        srmd::log_error(std::string("cannot start: ") + e.what(), {{"SRMD_PATH", e.path()}});
        return 1;
    } catch (const std::exception& e) {
        srmd::log_error(std::string("cannot start: ") + e.what());
        return 1;
    }
}
