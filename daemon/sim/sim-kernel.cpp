#include "sim/sim-kernel.hpp"

#include "act/worker-outcome.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#include "sim/sim-kernel-rules.hpp"
#include "sim/sim-tree-files.hpp"
#include "util/error.hpp"

namespace srmd {

namespace {

constexpr Action kActions[] = {
    Action::OfflineMemory, Action::OnlineMemory,  Action::ReconfigureDax, Action::DisableDax,
    Action::EnableDax,     Action::DisableRegion, Action::EnableRegion,   Action::DestroyRegion,
    Action::ReleaseHmem,   Action::ClaimHmem,     Action::CreateRegion,
};

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> parts;
    std::size_t from = 0;
    for (;;) {
        std::size_t at = text.find(sep, from);
        parts.emplace_back(text.substr(from, at - from));
        if (at == std::string_view::npos)
            return parts;
        from = at + 1;
    }
}

int parse_errno(const std::string& text, std::string_view spec) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        int value = std::stoi(text);
        if (value > 0 && value < 4096)
            return value;
    }
    for (int e = 1; e < 4096; ++e) {
        const char* name = strerrorname_np(e);
        if (name && text == name)
            return e;
    }
    throw std::invalid_argument("fault '" + std::string(spec) + "': '" + text +
                                "' is not an errno name (EBUSY) or number");
}

std::optional<Action> parse_action(const std::string& text, std::string_view spec) {
    if (text == "*")
        return std::nullopt;
    for (Action action : kActions)
        if (text == to_string(action))
            return action;
    std::string known;
    for (Action action : kActions)
        known += std::string(known.empty() ? "" : ", ") + to_string(action);
    throw std::invalid_argument("fault '" + std::string(spec) + "': unknown action '" + text +
                                "' (one of " + known + ", or *)");
}

bool matches(const SimFault& fault, const Step& step) {
    return (!fault.action || *fault.action == step.action) &&
           (fault.target.empty() || fault.target == step.target);
}

}  // namespace

SimFault parse_sim_fault(std::string_view spec) {
    std::vector<std::string> parts = split(spec, ':');
    SimFault fault;
    const std::string& kind = parts[0];
    auto expect = [&](std::size_t count, const char* shape) {
        if (parts.size() != count)
            throw std::invalid_argument("fault '" + std::string(spec) + "': expected " + shape);
    };
    auto target = [&](const std::string& text) {
        if (text.empty())
            throw std::invalid_argument("fault '" + std::string(spec) +
                                        "': empty target (use * for any)");
        return text == "*" ? std::string() : text;
    };
    if (kind == "fail") {
        expect(4, "fail:ACTION:TARGET:ERRNO");
        fault.kind = SimFault::Kind::Fail;
        fault.action = parse_action(parts[1], spec);
        fault.target = target(parts[2]);
        fault.error = parse_errno(parts[3], spec);
    } else if (kind == "vanish" || kind == "hang") {
        expect(3, kind == "vanish" ? "vanish:ACTION:TARGET" : "hang:ACTION:TARGET");
        fault.kind = kind == "vanish" ? SimFault::Kind::Vanish : SimFault::Kind::Hang;
        fault.action = parse_action(parts[1], spec);
        fault.target = target(parts[2]);
    } else if (kind == "slow") {
        expect(4, "slow:ACTION:TARGET:MS");
        fault.kind = SimFault::Kind::Slow;
        fault.action = parse_action(parts[1], spec);
        fault.target = target(parts[2]);
        const std::string& ms = parts[3];
        if (ms.empty() || ms.size() > 7 || ms.find_first_not_of("0123456789") != std::string::npos)
            throw std::invalid_argument("fault '" + std::string(spec) + "': '" + ms +
                                        "' is not a number of milliseconds");
        fault.delay = std::chrono::milliseconds(std::stol(ms));
    } else if (kind == "fail-after") {
        expect(3, "fail-after:N:ERRNO");
        const std::string& n = parts[1];
        if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos)
            throw std::invalid_argument("fault '" + std::string(spec) + "': '" + n +
                                        "' is not a count of writes");
        fault.kind = SimFault::Kind::FailAfter;
        fault.after = std::stoi(n);
        fault.error = parse_errno(parts[2], spec);
    } else {
        throw std::invalid_argument("fault '" + std::string(spec) + "': unknown kind '" + kind +
                                    "' (fail, vanish, hang, slow or fail-after)");
    }
    return fault;
}

SimFaults parse_sim_faults(const std::vector<std::string>& specs) {
    SimFaults faults;
    for (const std::string& spec : specs)
        faults.faults.push_back(parse_sim_fault(spec));
    return faults;
}

std::string to_string(const SimFault& fault) {
    std::string action = fault.action ? to_string(*fault.action) : "*";
    std::string target = fault.target.empty() ? "*" : fault.target;
    switch (fault.kind) {
        case SimFault::Kind::Fail:
            return "fail:" + action + ":" + target + ":" + errno_name(fault.error);
        case SimFault::Kind::Vanish:
            return "vanish:" + action + ":" + target;
        case SimFault::Kind::Hang:
            return "hang:" + action + ":" + target;
        case SimFault::Kind::FailAfter:
            return "fail-after:" + std::to_string(fault.after) + ":" + errno_name(fault.error);
        case SimFault::Kind::Slow:
            return "slow:" + action + ":" + target + ":" + std::to_string(fault.delay.count());
    }
    return "";
}

SimulatedKernel::SimulatedKernel(std::string root, SimFaults faults,
                                 std::chrono::milliseconds timeout)
    : root_(std::move(root)),
      faults_(std::move(faults.faults)),
      hang_timeout_(faults.hang_timeout),
      kill_after_changes_(faults.kill_after_changes),
      spent_(faults_.size(), false),
      timeout_(timeout) {
    void* page =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        throw std::runtime_error(std::string("cannot map the simulated kernel's shared page: ") +
                                 std::strerror(errno));
    shared_ = new (page) Shared();
}

SimulatedKernel::~SimulatedKernel() {
    shared_->~Shared();
    ::munmap(shared_, sizeof(Shared));
}

int SimulatedKernel::writes() const {
    return shared_->writes.load();
}

namespace {

WorkerReport report_of(const std::function<void()>& work) {
    try {
        work();
        return WorkerReport::success();
    } catch (const TreeError& e) {
        std::string what = e.what();
        // TreeError's text starts with the path, which the report carries on its own.
        std::string prefix = e.path() + ": ";
        if (what.rfind(prefix, 0) == 0)
            what = what.substr(prefix.size());
        return WorkerReport::failure(e.error(), e.path(), what);
    } catch (const SystemError& e) {
        return WorkerReport::failure(e.error_number() ? e.error_number() : EIO, e.path(), e.what());
    } catch (const std::exception& e) {
        // A tree the simulator cannot make sense of (a malformed iomem line, say).
        return WorkerReport::failure(EIO, "", e.what());
    }
}

}  // namespace

WorkerReport SimulatedKernel::write(const std::string& path, const std::string& value) {
    Session session(root_, *shared_, std::nullopt, {});
    return report_of([&] { session.write(path, value); });
}

StepOutcome SimulatedKernel::write_setting(const std::string& kernel_path,
                                           const std::string& value) {
    WorkerReport report = write(kernel_path, value);
    if (report.ok)
        return StepOutcome::success();
    return StepOutcome::failure(report.error, report.path, report.message);
}

StepOutcome SimulatedKernel::execute(const Step& step) {
    // Which faults this step meets is decided here, in the parent, so that a fault is spent once
    // whatever happens to the worker.
    std::optional<SimFault> step_fault;
    std::vector<SimFault> fail_after;
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        const SimFault& fault = faults_[i];
        if (fault.kind == SimFault::Kind::FailAfter) {
            fail_after.push_back(fault);
            continue;
        }
        if (spent_[i] || !matches(fault, step))
            continue;
        spent_[i] = true;
        if (fault.kind == SimFault::Kind::Vanish) {
            // Something else removes the device: not a write of ours, so not in the worker.
            Session session(root_, *shared_, std::nullopt, {});
            WorkerReport vanished = report_of([&] { session.vanish(step); });
            if (!vanished.ok)
                return StepOutcome::failure(
                    vanished.error, vanished.path,
                    "making " + step.target + " vanish failed: " + vanished.message);
        } else if (!step_fault) {
            step_fault = fault;
        }
    }

    // What a worker killed at its timeout (or a srmd killed before this one) left out of sight.
    TreeFiles(root_).sweep();
    std::optional<int> kill_after_changes = std::exchange(kill_after_changes_, std::nullopt);
    shared_->path[0] = '\0';
    WorkerResult result = run_killable(
        [&] {
            Session session(root_, *shared_, step_fault, fail_after);
            if (kill_after_changes)
                session.kill_after_changes(*kill_after_changes);
            return report_of([&] { session.run(step); });
        },
        step_fault && step_fault->kind == SimFault::Kind::Hang && hang_timeout_ ? *hang_timeout_
                                                                                : timeout_);

    // A worker killed before its first write has recorded no path: the step's device it is.
    std::string path = shared_->path[0] ? std::string(shared_->path) : step.target;
    return outcome_of(result, path, std::string(to_string(step.action)) + " " + step.target);
}

}  // namespace srmd
