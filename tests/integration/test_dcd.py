#!/usr/bin/python3
"""srmd with Dynamic Capacity (EXPERIMENTAL: the kernel ABI is a posted series), on the simulated
kernel's DCD tree: extents that arrive placed by tag within one pass, a release of online movable
memory (offline, unbind, give back), a refused release (devdax) retried with backoff, a release
that arrives during a pass, and kill -9 between the offline and the give-back."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (Daemon, Workdir, copy_tree, dc_add, dc_release,  # noqa: E402
                            sim_write, write_policy)

TAG = "5be13bce-ae34-4a77-b6c3-16df975fcf1a"
MiB = 1 << 20
# The dcd tree: region0 (4 GiB at 0x1050000000) on mem0's dynamic_ram_1 partition, 128 MiB blocks.
REGION_START = 0x1050000000
BLOCK = 128 * MiB

POLICY = f"""version: 1
rules:
  - name: analytics
    match:
      tag: "5be13bce-*"
    owner: cxl
    mode: devdax
  - name: dc-movable
    owner: cxl
    mode: system-ram
    zone: movable
"""


def attr(path):
    with open(path) as f:
        return f.read().strip()


class DcTree:
    """What the simulated kernel's tree says about region0's dax devices and memory blocks."""

    def __init__(self, root):
        self.root = root
        self.devices_dir = os.path.join(root, "sys/bus/dax/devices")

    def devices(self):
        """{name: (size, driver, tag)} of the dax devices that hold capacity."""
        out = {}
        for name in sorted(os.listdir(self.devices_dir)):
            d = os.path.join(self.devices_dir, name)
            size = int(attr(os.path.join(d, "size")), 0)
            if size == 0:
                continue
            link = os.path.join(d, "driver")
            driver = os.path.basename(os.readlink(link)) if os.path.islink(link) else ""
            tag = attr(os.path.join(d, "uuid")) if os.path.exists(os.path.join(d, "uuid")) else ""
            out[name] = (size, driver, "" if set(tag) <= set("0-") else tag)
        return out

    def device_with(self, tag):
        for name, (size, driver, t) in self.devices().items():
            if t == tag:
                return name, size, driver
        return None

    def blocks(self, name):
        """The states of the memory blocks of a device's mappings ("" for a missing block)."""
        d = os.path.join(self.devices_dir, name)
        states = []
        for entry in sorted(os.listdir(d)):
            if not re.fullmatch(r"mapping\d+", entry):
                continue
            start = int(attr(os.path.join(d, entry, "start")), 0)
            end = int(attr(os.path.join(d, entry, "end")), 0)
            for block in range(start // BLOCK, (end + 1) // BLOCK):
                path = os.path.join(self.root, f"sys/devices/system/memory/memory{block}/state")
                states.append(attr(path) if os.path.exists(path) else "")
        return states

    def extents(self):
        region = [p for p, _, _ in os.walk(self.root) if p.endswith("/region0/dax_region0")]
        return sorted(e for e in os.listdir(region[0]) if e.startswith("extent")) if region else []


class DynamicCapacityTest(unittest.TestCase):
    def setUp(self):
        self.workdir_cm = Workdir()
        self.work = self.workdir_cm.__enter__()
        self.root = copy_tree("constructed/dcd", self.work)
        self.policy = os.path.join(self.work, "policy.d")
        write_policy(self.policy, "50-dc.yaml", POLICY)
        self.tree = DcTree(self.root)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            if d.process and d.process.poll() is None:
                d.kill()
            else:
                d.close()
        self.workdir_cm.__exit__(None, None, None)

    def daemon(self, extra=()):
        d = Daemon(self.work, self.root, self.policy, extra)
        self.daemons.append(d)
        return d

    def add(self, extents, tag=None):
        result = dc_add(self.root, "region0", extents, tag)
        self.assertEqual(result.returncode, 0, result.stderr)

    def release(self, what):
        result = dc_release(self.root, "region0", what)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def placed(self):
        """The tagged allocation devdax, the untagged one online movable."""
        tagged = self.tree.device_with(TAG)
        untagged = self.tree.device_with("")
        return (tagged is not None and tagged[2] == "device_dax" and untagged is not None and
                untagged[2] == "kmem" and
                self.tree.blocks(untagged[0]) == ["online"] * 2)

    def test_extents_that_arrive_are_placed_by_tag_within_one_pass(self):
        d = self.daemon().start()
        d.wait_ready()
        self.assertEqual(self.tree.devices(), {})
        before = len(d.passes())
        # Nothing announces extents: srmd's watcher notices them.
        self.add([(0, 256 * MiB), (256 * MiB, 256 * MiB)], TAG)
        self.add([(1024 * MiB, 256 * MiB)])
        d.wait_for(self.placed, what="both allocations placed")
        passes = d.wait_quiet()
        placing = [p for p in passes[before:] if p[5] > 0]
        # One pass claimed, bound and onlined both allocations: two claims, a device_dax bind, a
        # kmem bind and its online.
        self.assertEqual(len(placing), 1, d.log_text())
        self.assertEqual(placing[0][1], "dynamic-capacity")
        self.assertEqual(placing[0][5], 5)
        name, size, _ = self.tree.device_with(TAG)
        self.assertEqual(size, 512 * MiB)
        self.assertEqual(self.tree.device_with("")[1], 256 * MiB)
        self.assertIn("claim-dc-capacity", d.log_text())
        self.assertEqual(d.stop(), 0)

    def test_release_of_online_movable_memory(self):
        self.add([(1024 * MiB, 256 * MiB)])
        d = self.daemon().start()
        d.wait_ready()
        name, _, driver = self.tree.device_with("")
        self.assertEqual((driver, self.tree.blocks(name)), ("kmem", ["online", "online"]))
        # The kernel ignores the request while the device holds the extent; srmd frees it.
        self.assertEqual(self.release("0x40000000:0x10000000"), "ignored")
        d.wait_for(lambda: self.tree.device_with("") is None, what="the device destroyed")
        log = d.log_text()
        order = [log.index(s) for s in ("offline-memory " + name, "disable-dax " + name,
                                        "destroy-dax " + name)]
        self.assertEqual(order, sorted(order), log)
        # The extent is still the region's, waiting for the device to ask again; srmd does not
        # claim it again.
        self.assertEqual(self.tree.extents(), ["extent0.0"])
        d.wait_quiet()
        self.assertEqual(d.state()["dc_release_requests"][0]["offset"], 1024 * MiB)
        self.assertEqual(self.release("0x40000000:0x10000000"), "released")
        self.assertEqual(self.tree.extents(), [])
        # The next look finds the extent gone and forgets the request.
        d.wait_for(lambda: "dc_release_requests" not in d.state(), what="the request dropped")
        self.assertEqual(d.stop(), 0)

    def test_a_release_of_devdax_memory_is_refused_and_retried_with_backoff(self):
        self.add([(0, 256 * MiB)], TAG)
        d = self.daemon().start()
        d.wait_ready()
        name, _, driver = self.tree.device_with(TAG)
        self.assertEqual(driver, "device_dax")
        self.assertEqual(self.release(TAG), "ignored")
        d.wait_for(lambda: "SRMD_PROBLEM=dc-release-refused" in d.log_text(), what="the refusal")
        self.assertIn("dc-release-pending", d.log_text())
        # Tried again with nothing changed, at growing intervals (2 s, then 4 s, ...): the refusal
        # pass and two retries.
        d.wait_for(lambda: sum(1 for p in d.passes() if p[1] == "dynamic-capacity") >= 3,
                   timeout=20, what="retries")
        retries = [p for p in d.passes() if p[1] == "dynamic-capacity"]
        self.assertEqual([p[5] for p in retries], [0] * len(retries))
        self.assertEqual(self.tree.device_with(TAG)[2], "device_dax")
        self.assertEqual(d.log_text().count("SRMD_PROBLEM=dc-release-refused"), 1)
        # The operator stops the application and unbinds the device: srmd gives it back.
        result = sim_write(self.root, "/sys/bus/dax/drivers/device_dax/unbind", name)
        self.assertEqual(result.returncode, 0, result.stderr)
        d.wait_for(lambda: self.tree.device_with(TAG) is None, what="the device destroyed")
        self.assertEqual(self.release(TAG), "released")
        self.assertEqual(d.stop(), 0)

    def test_a_release_during_a_pass(self):
        self.add([(1024 * MiB, 256 * MiB)])
        # Onlining takes 3 s: the device asks for the extent back in the middle of the pass.
        d = self.daemon(["--inject", "slow:online-memory:*:3000"]).start()
        d.wait_for(lambda: "bring the memory kmem hot-adds" in d.log_text(), what="online step")
        self.assertEqual(self.release("0x40000000:0x10000000"), "ignored")
        d.wait_for(lambda: self.tree.device_with("") is None, timeout=40,
                   what="the device destroyed after the pass")
        self.assertEqual(self.release("0x40000000:0x10000000"), "released")
        self.assertEqual(self.tree.extents(), [])
        self.assertEqual(d.stop(), 0)

    def test_kill_9_between_offline_and_release(self):
        self.add([(1024 * MiB, 256 * MiB)])
        d = self.daemon().start()
        d.wait_ready()
        name, _, _ = self.tree.device_with("")
        d.stop()
        # The unbind hangs for 30 s: srmd is killed once the memory is offline.
        d = self.daemon(["--inject", "slow:disable-dax:*:30000"]).start()
        d.wait_ready()
        self.assertEqual(self.release("0x40000000:0x10000000"), "ignored")
        d.wait_for(lambda: self.tree.blocks(name) == ["offline", "offline"], timeout=20,
                   what="the memory offline")
        d.kill()
        self.assertEqual(self.tree.device_with("")[2], "kmem")
        # The trace event was read and consumed: only the state file knows the device asked.
        self.assertEqual(d.state()["dc_release_requests"][0]["offset"], 1024 * MiB)
        d = self.daemon().start()
        d.wait_for(lambda: self.tree.device_with("") is None, what="the release finished")
        self.assertIn("the previous run stopped during disable-dax " + name, d.log_text())
        self.assertEqual(self.release("0x40000000:0x10000000"), "released")
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
