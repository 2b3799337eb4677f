#!/usr/bin/python3
"""srmd as systemd runs it, on simulated machines: coldplug and READY, event storms, policy
reloads good and bad, SIGTERM in the middle of a plan, kill -9 and restart."""

import json
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (DEVDAX_AND_RAM, Daemon, Workdir, append_events, copy_tree,  # noqa: E402
                            read, sim_write, write_policy)


ALL_DEVDAX = """version: 1
rules:
  - name: all-devdax
    mode: devdax
"""

# The same, with the last rule ("ram") allowed to take dax1.0 from device_dax.
RAM_WITH_TEARDOWN = DEVDAX_AND_RAM + "    allow_teardown: true\n"

BROKEN = """version: 1
rules:
  - name: broken
    zone: sideways
"""

RAM_BLOCKS = range(73, 81)


def driver(root, dax):
    link = f"{root}/sys/bus/dax/devices/{dax}/driver"
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else ""


def all_passes(daemon):
    """Every pass logged, those that failed to read the machine included."""
    return re.findall(r"\bpass \d+ \(", daemon.log_text())


def block_state(root, block):
    return read(root, f"/sys/devices/system/memory/memory{block}/state")


class DaemonTest(unittest.TestCase):
    def setUp(self):
        self.workdir_cm = Workdir()
        self.work = self.workdir_cm.__enter__()
        self.root = copy_tree("constructed/devdax", self.work)
        self.policy = os.path.join(self.work, "policy.d")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            if d.process and d.process.poll() is None:
                d.kill()
            else:
                d.close()
        self.workdir_cm.__exit__(None, None, None)

    def daemon(self, policy_text, extra=()):
        write_policy(self.policy, "50-test.yaml", policy_text)
        d = Daemon(self.work, self.root, self.policy, extra)
        self.daemons.append(d)
        return d

    def ram_online(self):
        return driver(self.root, "dax1.0") == "kmem" and all(
            block_state(self.root, b) == "online" for b in RAM_BLOCKS)

    def test_coldplug_reaches_the_policy_then_reports_ready(self):
        d = self.daemon(DEVDAX_AND_RAM).start()
        d.wait_ready()
        # READY comes after the coldplug pass, so the memory is already where the policy wants it.
        self.assertTrue(self.ram_online())
        self.assertEqual(driver(self.root, "dax0.0"), "device_dax")
        self.assertTrue(d.notified("STATUS=Converged"), d.messages)
        first = d.passes()[0]
        self.assertEqual(first[1], "coldplug")
        self.assertTrue(first[3])  # full read
        self.assertEqual(first[5], 2)  # enable-dax, online-memory
        state = d.state()
        self.assertEqual([s["action"] for s in state["ranges"]["r2480000000"]["steps"]],
                         ["enable-dax", "online-memory"])
        self.assertIsNone(state["in_progress"])
        self.assertEqual(d.stop(), 0)

    def test_ready_comes_after_the_coldplug_pass_not_with_the_first_policy_load(self):
        # The first policy load sent RELOADING=1 and READY=1 before the coldplug pass: systemd
        # started the units ordered after srmd before the memory was placed.
        d = self.daemon(DEVDAX_AND_RAM).start()
        d.wait_ready()
        messages = d.poll_notify()
        first_ready = next(i for i, m in enumerate(messages) if "READY=1" in m)
        self.assertTrue(any("STATUS=Reconciling (pass 1" in m for m in messages[:first_ready]),
                        messages)
        self.assertFalse(any("RELOADING=1" in m for m in messages[:first_ready]), messages)
        self.assertEqual(d.stop(), 0)

    def test_state_directory_from_systemd_is_honoured(self):
        d = self.daemon(DEVDAX_AND_RAM).start(state_from_env=True)
        d.wait_ready()
        self.assertGreaterEqual(d.state()["passes"], 1)
        self.assertFalse(os.path.exists(os.path.join(self.root, "var/lib/srmd/state.json")))
        self.assertEqual(d.stop(), 0)

    def test_watchdog_is_fed_and_the_log_level_changes_at_runtime(self):
        # systemd sets WATCHDOG_USEC from WatchdogSec=; srmd pings at half of it.
        d = self.daemon(DEVDAX_AND_RAM).start(env={"WATCHDOG_USEC": "400000"})
        d.wait_ready()
        d.wait_for(lambda: sum("WATCHDOG=1" in m for m in d.poll_notify()) >= 2,
                   what="two WATCHDOG=1 pings")
        d.signal(signal.SIGRTMIN + 22)
        d.wait_for(lambda: "log level set to debug" in d.log_text(), what="debug level")
        d.signal(signal.SIGRTMIN + 23)
        d.wait_for(lambda: "log level set to info" in d.log_text(), what="info level")
        self.assertEqual(d.stop(), 0)

    def test_event_storm_coalesces_and_the_last_pass_sees_the_final_state(self):
        d = self.daemon(DEVDAX_AND_RAM).start()
        d.wait_ready()
        d.wait_quiet(0.5)
        before = len(d.passes())
        # Twenty thousand events, as a kmem bind of a large device brings, then one real change
        # at the very end: memory80 taken offline behind srmd's back.
        storm = []
        for i in range(10000):
            block = 73 + i % 8
            storm += [f"offline memory /devices/system/memory/memory{block}",
                      f"online memory /devices/system/memory/memory{block}"]
        append_events(self.root, storm)
        result = sim_write(self.root, "/sys/devices/system/memory/memory80/state", "offline")
        self.assertEqual(result.returncode, 0, result.stderr)
        d.wait_for(self.ram_online, what="memory80 online again")
        passes = d.wait_quiet(1.0)[before:]
        self.assertLessEqual(len(passes), 5, passes)
        # Every event was consumed (the storm, the offline, and srmd's own online), none lost.
        self.assertEqual(sum(p[2] for p in passes), 20002, passes)
        # Reads after events are incremental, never the whole machine.
        self.assertFalse(any(p[3] for p in passes), passes)
        self.assertEqual(d.stop(), 0)

    def test_reload_swaps_a_good_policy_and_keeps_the_last_good_one(self):
        d = self.daemon(ALL_DEVDAX).start()
        d.wait_ready()
        self.assertEqual(driver(self.root, "dax1.0"), "device_dax")

        write_policy(self.policy, "50-test.yaml", RAM_WITH_TEARDOWN)
        d.signal(signal.SIGHUP)
        d.wait_for(self.ram_online, what="dax1.0 reconfigured to system-ram by the new policy")
        self.assertIn("policy loaded: 2 rules from 1 files", d.log_text())

        write_policy(self.policy, "50-test.yaml", BROKEN)
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: "policy refused" in d.log_text(), what="the refusal")
        log = d.log_text()
        self.assertRegex(log, r"50-test\.yaml:4:\d+: error: ")
        self.assertIn("the last good policy stays, with 2 rules", log)
        # The last good policy still acts: memory taken offline is brought back online.
        self.assertEqual(sim_write(self.root, "/sys/devices/system/memory/memory75/state",
                                   "offline").returncode, 0)
        d.wait_for(self.ram_online, what="memory75 online again under the old policy")
        self.assertEqual(d.stop(), 0)

    def test_sigterm_during_a_plan_stops_between_steps(self):
        # The bind takes 1.5 s; SIGTERM arrives in the middle of it.
        d = self.daemon(DEVDAX_AND_RAM, ["--inject", "slow:enable-dax:dax1.0:1500"]).start()
        d.wait_for(lambda: os.path.exists(d.state_path) and d.state()["in_progress"],
                   what="the bind to start")
        started = time.monotonic()
        d.signal(signal.SIGTERM)
        self.assertEqual(d.process.wait(20), 0)
        self.assertGreater(time.monotonic() - started, 0.5)  # it waited for the bind
        self.assertEqual(driver(self.root, "dax1.0"), "kmem")  # the step finished whole
        self.assertTrue(all(block_state(self.root, b) == "offline" for b in RAM_BLOCKS))
        state = d.state()
        self.assertIsNone(state["in_progress"])
        self.assertEqual([s["result"] for s in state["ranges"]["r2480000000"]["steps"]], ["ok"])
        self.assertIn("stopped between steps", d.log_text())
        d.close()

        # The next start plans the rest: onlining what the bind added.
        again = Daemon(self.work, self.root, self.policy).start()
        self.daemons.append(again)
        again.wait_ready()
        self.assertTrue(self.ram_online())
        self.assertEqual(again.passes()[0][5], 1)
        self.assertEqual(again.stop(), 0)

    def test_kill_9_in_a_step_then_restart_converges(self):
        d = self.daemon(DEVDAX_AND_RAM, ["--inject", "slow:enable-dax:dax1.0:3000"]).start()
        d.wait_for(lambda: os.path.exists(d.state_path) and d.state()["in_progress"],
                   what="the bind to start")
        d.kill()
        # The worker died with srmd: the bind never happened.
        time.sleep(0.2)
        self.assertEqual(driver(self.root, "dax1.0"), "")
        self.assertEqual(d.state()["in_progress"]["action"], "enable-dax")

        again = Daemon(self.work, self.root, self.policy).start()
        self.daemons.append(again)
        again.wait_ready()
        self.assertIn("the previous run stopped during enable-dax dax1.0", again.log_text())
        self.assertTrue(self.ram_online(), again.log_text())
        steps = again.state()["ranges"]["r2480000000"]["steps"]
        self.assertEqual([(s["action"], s["result"]) for s in steps],
                         [("enable-dax", "interrupted"), ("enable-dax", "ok"),
                          ("online-memory", "ok")])
        self.assertEqual(again.stop(), 0)

    def test_the_kernel_log_is_read_at_coldplug_and_as_it_goes(self):
        # srmd(8), THE KERNEL LOG: the tree's dev/kmsg is read at coldplug, then only what is new.
        kmsg = os.path.join(self.root, "dev/kmsg")
        os.makedirs(os.path.dirname(kmsg), exist_ok=True)
        with open(kmsg, "w") as f:
            f.write("6,6,90,-;random: crng init done\n"
                    "3,7,100,-;kmem dax1.0: probe with driver kmem failed with error -16\n")
        d = self.daemon(DEVDAX_AND_RAM).start()
        d.wait_ready()
        d.wait_quiet(0.5)
        log = d.log_text()
        self.assertIn('r2480000000: the kernel logged: "kmem dax1.0: probe with driver kmem failed'
                      ' with error -16"', log)
        self.assertIn("SRMD_DEVICE=dax1.0 SRMD_KERNEL_SEQ=7 SRMD_KERNEL_MEANING=probe-failed", log)
        self.assertNotIn("crng", log)
        # A line the kernel logs later is read at the next pass, and only it.
        with open(kmsg, "a") as f:
            f.write("4,8,200,-;kmem dax0.0: mapping0: 0x2080000000-0x247fffffff could not reserve"
                    " region\n")
        result = sim_write(self.root, "/sys/devices/system/memory/memory80/state", "offline")
        self.assertEqual(result.returncode, 0, result.stderr)
        d.wait_for(lambda: "SRMD_KERNEL_SEQ=8" in d.log_text(), what="the new kernel line")
        log = d.log_text()
        self.assertIn('r2080000000: the kernel logged: "kmem dax0.0: mapping0:', log)
        self.assertEqual(log.count("SRMD_KERNEL_SEQ=7"), 1, log)
        self.assertEqual(d.stop(), 0)

    def test_until_converged_exits_with_the_verdict(self):
        d = self.daemon(DEVDAX_AND_RAM, ["--until-converged"]).start()
        self.assertEqual(d.process.wait(30), 0, d.log_text())
        self.assertTrue(self.ram_online())
        d.close()
        # A rule that wants every range as system-ram may not tear dax0.0 down: not converged.
        d2 = self.daemon("""version: 1
rules:
  - name: default
    mode: system-ram
""", ["--until-converged"]).start()
        self.assertEqual(d2.process.wait(30), 2, d2.log_text())
        self.assertIn("r2080000000: teardown-not-allowed: ", d2.log_text())
        d2.close()

    def test_until_converged_on_an_unreadable_machine_exits_1(self):
        # srmd(8): 1 when the machine could not be read. It ran full reads for ever instead.
        os.unlink(os.path.join(self.root, "proc/iomem"))
        os.mkdir(os.path.join(self.root, "proc/iomem"))
        d = self.daemon(DEVDAX_AND_RAM, ["--until-converged"]).start()
        self.assertEqual(d.process.wait(30), 1, d.log_text())
        self.assertEqual(len(all_passes(d)), 1, d.log_text())
        self.assertIn("cannot read the machine", d.log_text())
        d.close()

    def test_an_unreadable_machine_is_read_again_after_a_backoff_not_at_once(self):
        os.unlink(os.path.join(self.root, "proc/iomem"))
        os.mkdir(os.path.join(self.root, "proc/iomem"))
        d = self.daemon(DEVDAX_AND_RAM, ["--retry-s", "30"]).start()
        d.wait_ready()
        time.sleep(1.0)
        self.assertEqual(len(all_passes(d)), 1, d.log_text())
        self.assertIn("reading the machine again in 30 s", d.log_text())
        self.assertEqual(d.stop(), 0)

    def test_a_retry_time_far_away_in_the_state_file_neither_spins_nor_parks(self):
        # retry_after 2^62 wrapped the retry timer to a time long past: thousands of passes a
        # second. It is brought within the backoff's cap instead, with a warning.
        os.makedirs(os.path.join(self.work, "state"))
        with open(os.path.join(self.work, "state", "state.json"), "w") as f:
            json.dump({"version": 1, "boot_id": "", "passes": 0, "in_progress": None,
                       "ranges": {"r2480000000": {"failures": 2147483647,
                                                  "retry_after": 2 ** 62, "steps": []}}}, f)
        d = self.daemon(DEVDAX_AND_RAM).start()
        d.wait_ready()
        time.sleep(1.0)
        self.assertLessEqual(len(all_passes(d)), 2, d.log_text())
        self.assertIn("retry_after 4611686018427387904 is more than the longest wait",
                      d.log_text())
        record = d.state()["ranges"]["r2480000000"]
        self.assertEqual(record["failures"], 1000)
        self.assertLessEqual(record["retry_after"], time.time() + 3600 + 1)
        self.assertEqual(d.stop(), 0)

    def test_a_fifo_as_state_file_or_policy_file_neither_hangs_nor_blocks_sigterm(self):
        os.makedirs(os.path.join(self.work, "state"))
        os.mkfifo(os.path.join(self.work, "state", "state.json"))
        d = self.daemon(DEVDAX_AND_RAM).start()
        d.wait_ready()
        self.assertIn("not a regular file (a FIFO); starting with a fresh state", d.log_text())
        self.assertTrue(self.ram_online(), d.log_text())
        # A FIFO among the policy files: the reload is refused, naming it, at once.
        os.mkfifo(os.path.join(self.policy, "60-fifo.yaml"))
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: "policy refused" in d.log_text(), what="the refusal")
        self.assertIn("60-fifo.yaml: error: cannot read: not a regular file (a FIFO)",
                      d.log_text())
        self.assertEqual(d.stop(10), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
