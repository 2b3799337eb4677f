#!/usr/bin/python3
"""srmctl over the bus, as an operator runs it: a private dbus-daemon, python-dbusmock's polkitd,
and the real srmd on a copy of a constructed tree (simulated kernel). Every command's output, human
and --json, is checked against what the daemon itself says over the bus (busctl) and against the
tree; and the exit statuses srmctl(1) documents: 1 the daemon's error, 2 usage, 3 unreachable,
4 access denied.

Environment (tests/meson.build): SRMD, SRMCTL, SRMD_SIM_WRITE, SRMD_FIXTURES, SRMD_POLICY.
Exits 77 (skipped) when dbus-daemon, busctl or python-dbusmock is missing.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SRMD = os.environ.get("SRMD", "build/srmd")
SRMCTL = os.environ.get("SRMCTL", "build/cli/srmctl")
SIM_WRITE = os.environ.get("SRMD_SIM_WRITE", "build/bench/srmd-sim-write")
FIXTURES = os.environ.get("SRMD_FIXTURES", "tests/fixtures")
VENDOR_POLICY = os.path.join(os.environ.get("SRMD_POLICY", "policy"), "vendor", "50-default.yaml")
BUS_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "srmctl-bus.conf")
TREE = "constructed/two-windows-kmem"  # r2080000000 (dax0.0) and r2480000000 (dax1.0), kmem
FIRST, SECOND = "r2080000000", "r2480000000"
# memory65 is the first block of r2080000000 (2 GiB blocks from 0x2080000000).
FIRST_BLOCK = "/sys/devices/system/memory/memory65/state"
POLKIT_ACTIONS = ["org.srmd1.manage", "org.srmd1.reload-policy"]

DEVDAX_POLICY = """version: 1
rules:
  - name: second-devdax
    match:
      start: 0x2480000000
    owner: kernel
    mode: devdax
    allow_teardown: true
"""
BAD_POLICY = """version: 1
rules:
  - name: broken
    mode: sideways
"""


def missing_prerequisite():
    for tool in ("dbus-daemon", "busctl"):
        if not shutil.which(tool):
            return tool + " is not installed"
    probe = subprocess.run([sys.executable, "-c", "import dbusmock"], capture_output=True)
    if probe.returncode != 0:
        return "python-dbusmock is not importable by " + sys.executable
    return None


def wait_for(predicate, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def read_file(path):
    with open(path) as f:
        return f.read().strip()


def start_bus(workdir, name):
    """A private dbus-daemon; returns (process, address)."""
    path = os.path.join(workdir, name + ".address")
    with open(path, "w") as out:
        process = subprocess.Popen(["dbus-daemon", "--config-file=" + BUS_CONF, "--nofork",
                                    "--print-address=1"], stdout=out,
                                   stderr=subprocess.DEVNULL)
    return process, wait_for(lambda: read_file(path).split("\n")[0], "the address of dbus-daemon")


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SrmctlBus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="srmctl-bus-", dir="/dev/shm")
        cls.root = os.path.join(cls.workdir, "tree")
        subprocess.run(["cp", "-a", os.path.join(FIXTURES, TREE), cls.root], check=True)
        subprocess.run(["chmod", "-R", "u+w", cls.root], check=True)
        cls.policy_dir = os.path.join(cls.workdir, "policy")
        os.makedirs(cls.policy_dir)
        shutil.copy(VENDOR_POLICY, cls.policy_dir)

        cls.bus, cls.address = start_bus(cls.workdir, "bus")
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=cls.address)
        cls.polkit = subprocess.Popen([sys.executable, "-m", "dbusmock", "--system", "--template",
                                       "polkitd"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        wait_for(lambda: cls.has_owner("org.freedesktop.PolicyKit1"), "the polkitd mock")
        cls.set_polkit_allowed(POLKIT_ACTIONS)

        # Events never start a pass by themselves (a quiet window of ten minutes): every pass in
        # these tests is one srmctl asked for, so what it saw is what srmctl printed.
        cls.log = open(os.path.join(cls.workdir, "srmd.log"), "w")
        cls.daemon = subprocess.Popen(
            [SRMD, "--root", cls.root, "--policy-dir", cls.policy_dir, "--bus", cls.address,
             "--state-dir", os.path.join(cls.workdir, "state"), "--log-target", "console",
             "--quiet-ms", "600000", "--max-delay-ms", "600000"],
            stdout=cls.log, stderr=subprocess.STDOUT)
        wait_for(lambda: cls.daemon.poll() is not None or cls.has_owner("org.srmd1"),
                 "srmd on the bus")
        if cls.daemon.poll() is not None:
            raise AssertionError("srmd exited: " + read_file(cls.log.name))
        wait_for(lambda: cls.manager_property("State") != "starting", "the coldplug pass")

    @classmethod
    def tearDownClass(cls):
        stop(cls.daemon)
        stop(cls.polkit)
        stop(cls.bus)
        cls.log.close()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    # --- the bus, asked directly -------------------------------------------------------------

    @classmethod
    def busctl(cls, *args, address=None):
        run = subprocess.run(["busctl", "--address=" + (address or cls.address), "--json=short",
                              *args], capture_output=True, text=True)
        if run.returncode != 0:
            raise AssertionError("busctl %s: %s" % (" ".join(args), run.stderr))
        return json.loads(run.stdout) if run.stdout.strip() else None

    @classmethod
    def has_owner(cls, name):
        reply = cls.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "NameHasOwner", "s", name)
        return reply["data"][0]

    @classmethod
    def manager_property(cls, name):
        return cls.busctl("get-property", "org.srmd1", "/org/srmd1", "org.srmd1.Manager",
                          name)["data"]

    @classmethod
    def manager_call(cls, method, signature="a{sv}", *args):
        return cls.busctl("call", "org.srmd1", "/org/srmd1", "org.srmd1.Manager", method,
                          signature, *args)["data"]

    @classmethod
    def set_polkit_allowed(cls, actions):
        cls.busctl("call", "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                   "org.freedesktop.DBus.Mock", "SetAllowed", "as", str(len(actions)), *actions)

    def daemon_ranges(self):
        return json.loads(self.manager_call("GetRanges", "a{sv}", "0")[0])

    # --- srmctl ------------------------------------------------------------------------------

    def srmctl(self, *args, address=None, as_user=False):
        command = [SRMCTL, "--address", address or self.address, *args]
        if as_user and os.getuid() == 0:
            # Root passes without polkit: ask as nobody for polkit to be asked.
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def srmctl_json(self, *args, status=0, **kwargs):
        run = self.srmctl(*args, "--json", **kwargs)
        self.assertEqual(run.returncode, status, run.stdout + run.stderr)
        return json.loads(run.stdout)  # only JSON on stdout, whatever happened

    def assert_error(self, run, status, name):
        self.assertEqual(run.returncode, status, run.stdout + run.stderr)
        error = json.loads(run.stdout)["error"]
        self.assertEqual(error["name"], name)
        self.assertTrue(error["message"])
        return error

    def start_monitor(self, count=None, address=None, as_json=True):
        """srmctl monitor [--count N] --json, once its subscriptions are in place."""
        address = address or self.address
        monitor = subprocess.Popen([SRMCTL, "monitor"] + (["--json"] if as_json else []) +
                                   ["--address", address] +
                                   (["--count", str(count)] if count else []),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def ask(*args):
            return self.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", *args,
                               address=address)["data"][0]

        def subscribed():
            if monitor.poll() is not None:
                raise AssertionError("monitor exited: " + monitor.stderr.read())
            for name in ask("org.freedesktop.DBus", "ListNames"):
                if not name.startswith(":"):
                    continue
                try:
                    if ask("org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
                           name) != monitor.pid:
                        continue
                    stats = ask("org.freedesktop.DBus.Debug.Stats", "GetConnectionStats", "s", name)
                except AssertionError:  # gone meanwhile
                    continue
                return stats["MatchRules"]["data"] >= 3
            return False

        wait_for(subscribed, "srmctl monitor to subscribe")
        return monitor

    def monitor_lines(self, monitor, as_json=True):
        out, err = monitor.communicate(timeout=30)
        self.assertEqual(monitor.returncode, 0, err)
        if not as_json:
            return out.splitlines()
        signals = [json.loads(line) for line in out.splitlines()]
        for signal in signals:  # when srmctl heard it, in UTC
            self.assertRegex(signal.pop("time"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        return signals

    # --- the tests ---------------------------------------------------------------------------

    def test_status(self):
        status = self.srmctl_json("status")
        self.assertEqual(status["State"], self.manager_property("State"))
        self.assertEqual(status["Root"], self.root)
        self.assertEqual(status["Version"], self.manager_property("Version"))
        self.assertEqual(status["PolicyFiles"], self.manager_property("PolicyFiles"))
        self.assertIs(status["DryRun"], False)
        # auto_online_blocks is online_movable in the tree: the kernel competes for onlining.
        self.assertEqual(status["AutoOnlineBlocks"], "online_movable")
        self.assertIn("kernel-auto-online", [a["kind"] for a in status["CompetingActors"]])
        last = self.manager_property("LastReconcile")
        self.assertEqual(status["LastReconcile"]["number"], last["number"]["data"])

        human = self.srmctl("status")
        self.assertEqual(human.returncode, 0, human.stderr)
        self.assertIn("State: " + status["State"], human.stdout)
        self.assertIn("srmd " + status["Version"] + " on the tree " + self.root, human.stdout)
        self.assertIn("auto_online_blocks: online_movable", human.stdout)
        self.assertIn("Last reconcile: pass %d" % last["number"]["data"], human.stdout)
        # The options may come before the command too.
        leading = subprocess.run([SRMCTL, "--json", "--address", self.address, "status"],
                                 capture_output=True, text=True)
        self.assertEqual(json.loads(leading.stdout)["Root"], self.root)

    def test_ranges(self):
        ranges = self.srmctl_json("ranges")
        self.assertEqual(ranges, self.daemon_ranges())
        self.assertEqual([r["id"] for r in ranges], [FIRST, SECOND])
        # One object per range, whose properties say the same.
        objects = self.busctl("call", "org.srmd1", "/org/srmd1",
                              "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")["data"][0]
        for r in ranges:
            props = objects["/org/srmd1/ranges/" + r["id"]]["org.srmd1.Range"]
            self.assertEqual(props["Status"]["data"], r["status"])
            self.assertEqual(props["Mode"]["data"], r["mode"])

        human = self.srmctl("ranges")
        self.assertEqual(human.returncode, 0, human.stderr)
        lines = human.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "SIZE", "OWNER", "MODE", "ONLINE", "ZONE",
                                            "STATUS", "CONVERGED"])
        for r in ranges:
            index = next(i for i, line in enumerate(lines) if line.startswith(r["id"] + " "))
            row = re.split(r"  +", lines[index])  # "16 GiB" has a space in it
            self.assertEqual(row[2], r["owner"])
            self.assertEqual(row[3], r["mode"])
            self.assertEqual(row[6], r["status"])
            self.assertEqual(row[-1], "yes" if r["converged"] else "no")
            # Under the row: the rule, the window and the kernel owner.
            self.assertEqual(lines[index + 1],
                             "  rule %s, window %s, kernel owner %s" % (
                                 r["policy"]["rule"] if r["policy"] else "none", r["window"],
                                 r["kernel_owner"]))
        # Piped: plain text, within 80 columns.
        self.assertNotIn("\x1b", human.stdout)
        self.assertLessEqual(max(len(line) for line in lines), 80, human.stdout)

    def srmctl_on_terminal(self, *args, env=None):
        """srmctl with its standard output on a pseudo-terminal: what a person sees."""
        import pty
        master, slave = pty.openpty()
        environment = dict(os.environ, TERM="xterm")
        environment.pop("NO_COLOR", None)
        environment.update(env or {})
        process = subprocess.Popen([SRMCTL, "--address", self.address, *args], stdout=slave,
                                   stderr=subprocess.PIPE, env=environment)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(process.wait(30), 0, process.stderr.read())
        process.stderr.close()
        return out.decode().replace("\r\n", "\n")

    def test_ranges_in_colour_only_on_a_terminal(self):
        plain = self.srmctl("ranges").stdout
        coloured = self.srmctl_on_terminal("ranges")
        self.assertIn("\x1b[1mID\x1b[0m", coloured)
        self.assertIn("\x1b[32mok\x1b[0m", coloured)
        # Colour changes nothing else: without its escapes the text is the piped one, and what
        # shows on the screen fits 80 columns.
        visible = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
        self.assertEqual(visible, plain)
        self.assertLessEqual(max(len(line) for line in visible.splitlines()), 80)
        # NO_COLOR (https://no-color.org) and TERM=dumb turn it off on a terminal too.
        self.assertEqual(self.srmctl_on_terminal("ranges", env={"NO_COLOR": "1"}), plain)
        self.assertEqual(self.srmctl_on_terminal("ranges", env={"TERM": "dumb"}), plain)

    def test_show(self):
        for r in self.daemon_ranges():
            self.assertEqual(self.srmctl_json("show", r["id"]), r)
            human = self.srmctl("show", r["id"])
            self.assertEqual(human.returncode, 0, human.stderr)
            fields = dict(line.split(":", 1) for line in human.stdout.splitlines()[:10])
            self.assertEqual(fields["Range"].strip(), r["id"])
            self.assertEqual(fields["Mode"].strip(), r["mode"])
            self.assertEqual(fields["Status"].strip(), r["status"])
            for dax in r["dax"]:
                self.assertIn(dax["device"], human.stdout)
            # What the kernel knows of its speed: two-windows-kmem's CXL node has HMAT figures.
            perf = r["performance"]
            self.assertIn("\nPerformance:\n", human.stdout)
            self.assertRegex(human.stdout, r"\n  Node: +%d\b" % perf["node"])
            access = perf["node_access0"]
            self.assertIn("latency read %d ns" % access["read_latency"], human.stdout)
            self.assertIn("bandwidth read %d MB/s" % access["read_bandwidth"], human.stdout)
            self.assertIn("region%d access0:" % int(r["claimants"][0]["device"][6:]), human.stdout)
            self.assertIn("QoS class:        window 0", human.stdout)
            self.assertIn("memory tier 22", human.stdout)
            # The kernel's own words on the range, after its problems.
            self.assertIn("\nKernel log:", human.stdout)
            for line in r["kernel_log"]:
                self.assertIn("#%d %s: %s" % (line["seq"], line["meaning"], line["message"]),
                              human.stdout)

        self.assert_error(self.srmctl("show", "r1", "--json"), 1, "org.srmd1.Error.NoSuchRange")
        human = self.srmctl("show", "r1")
        self.assertEqual(human.returncode, 1)
        self.assertEqual(human.stdout, "")
        self.assertIn("r1", human.stderr)

    def test_plan_and_explain(self):
        plan = self.srmctl_json("plan")
        self.assertEqual(plan, {"plan": json.loads(self.manager_call("Plan", "a{sv}", "0")[0])})
        human = self.srmctl("plan")
        self.assertEqual(human.returncode, 0, human.stderr)
        if not plan["plan"]:
            self.assertIn("nothing to do", human.stdout)

        lines = self.manager_call("Explain", "sa{sv}", FIRST, "0")[0]
        self.assertTrue(lines)
        explained = self.srmctl_json("explain", FIRST)
        self.assertEqual(explained, {"range": FIRST, "lines": lines})
        human = self.srmctl("explain", FIRST)
        self.assertEqual(human.stdout.splitlines(), lines)
        # An address inside the range selects it.
        self.assertEqual(self.srmctl_json("explain", "0x2080001000")["lines"], lines)
        self.assert_error(self.srmctl("explain", "0x10", "--json"), 1,
                          "org.srmd1.Error.NoSuchRange")
        # --root keeps the offline command; --policy-dir without it is a usage error.
        offline = subprocess.run([SRMCTL, "explain", FIRST, "--root", self.root, "--policy-dir",
                                  self.policy_dir], capture_output=True, text=True)
        self.assertEqual(offline.returncode, 0, offline.stderr)
        self.assertIn(FIRST, offline.stdout)
        self.assertEqual(self.srmctl("plan", "--policy-dir", self.policy_dir).returncode, 2)

    def test_monitor_prints_a_line_per_signal_for_people(self):
        monitor = self.start_monitor(1, as_json=False)
        passed = self.srmctl_json("reconcile")
        [line] = self.monitor_lines(monitor, as_json=False)
        self.assertRegex(line, r"^\d\d:\d\d:\d\d pass %d \(request\): %d steps?, %d failed; %s$" % (
            passed["number"], passed["steps"], passed["failed"],
            "converged" if passed["converged"] else "not converged"))

    def test_reconcile_and_monitor(self):
        monitor = self.start_monitor(1)
        passed = self.srmctl_json("reconcile")
        self.assertEqual(passed["trigger"], "request")
        self.assertIs(passed["full_read"], True)
        [signal] = self.monitor_lines(monitor)
        self.assertEqual(signal, {"signal": "ReconcileFinished", "number": passed["number"],
                                  "trigger": "request", "converged": passed["converged"],
                                  "steps": passed["steps"], "failed": passed["failed"]})
        self.assertGreaterEqual(self.manager_property("LastReconcile")["number"]["data"],
                                passed["number"])

        human = self.srmctl("reconcile")
        self.assertEqual(human.returncode, 0, human.stderr)
        self.assertRegex(human.stdout, r"^pass %d \(request, full read, " % (passed["number"] + 1))

    def test_apply_acts_on_the_machine(self):
        # Someone takes a block of the first range offline; the event waits (quiet window).
        write = subprocess.run([SIM_WRITE, self.root, FIRST_BLOCK, "offline"],
                               capture_output=True, text=True)
        self.assertEqual(write.returncode, 0, write.stderr)
        self.assertEqual(read_file(self.root + FIRST_BLOCK), "offline")

        self.assert_error(self.srmctl("apply", "--range", "r1", "--json"), 1,
                          "org.srmd1.Error.NoSuchRange")
        self.assertEqual(read_file(self.root + FIRST_BLOCK), "offline")

        result = self.srmctl_json("apply", "--range", FIRST)
        self.assertEqual(set(result), {"pass", "plan", "applied", "dry_run"})
        self.assertEqual(result["pass"]["trigger"], "apply")
        applied = [(s["range"], s["action"], s["outcome"]) for s in result["applied"]]
        self.assertIn((FIRST, "online-memory", "ok"), applied)
        self.assertEqual(read_file(self.root + FIRST_BLOCK), "online")
        first = next(r for r in self.daemon_ranges() if r["id"] == FIRST)
        self.assertTrue(first["converged"])

        human = self.srmctl("apply")
        self.assertEqual(human.returncode, 0, human.stderr)
        self.assertRegex(human.stdout.splitlines()[-1], r"^pass \d+ \(apply, ")

    def test_reload_and_monitor_range_changed(self):
        path = os.path.join(self.policy_dir, "10-second-devdax.yaml")
        with open(path, "w") as f:
            f.write(DEVDAX_POLICY)
        # Without a pass, the new policy shows in the plan only.
        before = self.manager_property("LastReconcile")["number"]["data"]
        self.assertIn(path, self.srmctl_json("reload", "--no-reconcile")["files"])
        time.sleep(0.2)
        self.assertEqual(self.manager_property("LastReconcile")["number"]["data"], before)
        plan = self.srmctl_json("plan")["plan"]
        self.assertTrue(plan)
        self.assertEqual({step["range"] for step in plan}, {SECOND})
        human = self.srmctl("plan")
        self.assertEqual(human.stdout.splitlines()[0], SECOND)
        self.assertRegex(human.stdout, r"\n  1\. [a-z-]+ dax1\.0")

        monitor = self.start_monitor(2)
        reloaded = self.srmctl_json("reload")
        self.assertEqual(reloaded["files"], self.manager_property("PolicyFiles"))
        self.assertIn(path, reloaded["files"])
        signals = self.monitor_lines(monitor)
        kinds = sorted(s["signal"] for s in signals)
        self.assertEqual(kinds, ["RangeChanged", "ReconcileFinished"], signals)
        changed = next(s for s in signals if s["signal"] == "RangeChanged")
        self.assertEqual(changed["id"], SECOND)
        self.assertEqual(changed["path"], "/org/srmd1/ranges/" + SECOND)
        finished = next(s for s in signals if s["signal"] == "ReconcileFinished")
        self.assertEqual(finished["trigger"], "reload")
        second = self.srmctl_json("show", SECOND)
        self.assertEqual(second["mode"], "devdax")
        self.assertEqual(second["status"], changed["status"])

        # A bad file: refused with its position, the last good policy stays.
        bad = os.path.join(self.policy_dir, "05-bad.yaml")
        with open(bad, "w") as f:
            f.write(BAD_POLICY)
        try:
            error = self.assert_error(self.srmctl("reload", "--json"), 1,
                                      "org.srmd1.Error.PolicyInvalid")
            self.assertIn(bad + ":4:", error["message"])
            self.assertIs(self.manager_property("PolicyValid"), False)
            self.assertNotIn(bad, self.manager_property("PolicyFiles"))
            human = self.srmctl("reload")
            self.assertEqual(human.returncode, 1)
            self.assertIn(bad + ":4:", human.stderr)
        finally:
            os.unlink(bad)
        self.assertEqual(self.srmctl("reload").returncode, 0)
        self.assertIs(self.manager_property("PolicyValid"), True)

    def test_log_level(self):
        self.assertEqual(self.srmctl_json("log-level", "debug"), {"log_level": "debug"})
        self.assertEqual(self.srmctl("log-level", "info").returncode, 0)
        self.assert_error(self.srmctl("log-level", "loud", "--json"), 1,
                          "org.srmd1.Error.InvalidArgs")

    @unittest.skipUnless(os.getuid() == 0 and shutil.which("setpriv"),
                         "needs root to ask as another user")
    def test_polkit_decides_for_other_users(self):
        # Reads are open to everyone.
        self.assertEqual(self.srmctl_json("ranges", as_user=True), self.daemon_ranges())
        passed = self.srmctl_json("reconcile", as_user=True)
        self.assertEqual(passed["trigger"], "request")
        self.set_polkit_allowed([])
        try:
            before = self.manager_property("LastReconcile")["number"]["data"]
            for args in (["reconcile"], ["apply"], ["reload"], ["log-level", "debug"]):
                self.assert_error(self.srmctl(*args, "--json", "--no-ask-password",
                                              as_user=True),
                                  4, "org.srmd1.Error.AccessDenied")
            self.assertEqual(self.manager_property("LastReconcile")["number"]["data"], before)
            human = self.srmctl("reconcile", as_user=True)
            self.assertEqual(human.returncode, 4)
            self.assertIn("org.srmd1.manage", human.stderr)
        finally:
            self.set_polkit_allowed(POLKIT_ACTIONS)

    def test_usage_errors(self):
        for args in (["show"], ["status", "--bogus"], ["monitor", "--count", "0"],
                     ["apply", "--range"], ["log-level"], ["ranges", "extra"],
                     ["explain", FIRST, "--policy-dir", "/nonexistent"]):
            run = self.srmctl(*args)
            self.assertEqual(run.returncode, 2, args)
            self.assertEqual(run.stdout, "", args)
            self.assertIn("Usage: srmctl", run.stderr)
            self.assert_error(self.srmctl(*args, "--json"), 2, "srmctl.Usage")
        self.assertEqual(subprocess.run([SRMCTL, "frobnicate"], capture_output=True).returncode,
                         2)

    def test_daemon_unreachable(self):
        # No bus at all.
        missing = "unix:path=" + os.path.join(self.workdir, "no-such-socket")
        run = self.srmctl("status", "--json", address=missing)
        self.assertEqual(run.returncode, 3)
        self.assertIn("no-such-socket", json.loads(run.stdout)["error"]["message"])
        # A bus without srmd on it, and $DBUS_SYSTEM_BUS_ADDRESS naming it.
        bus, address = start_bus(self.workdir, "empty-bus")
        try:
            env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
            for args in (["status"], ["ranges"], ["reconcile"], ["plan"]):
                run = subprocess.run([SRMCTL, *args, "--json"], capture_output=True, text=True,
                                     env=env)
                self.assertEqual(run.returncode, 3, args)
                self.assertIn(json.loads(run.stdout)["error"]["name"],
                              ("org.freedesktop.DBus.Error.ServiceUnknown",
                               "org.freedesktop.DBus.Error.NameHasNoOwner"))
            human = subprocess.run([SRMCTL, "status"], capture_output=True, text=True, env=env)
            self.assertEqual(human.returncode, 3)
            self.assertIn("srmd is not reachable", human.stderr)
            # A monitor whose bus goes away says so.
            monitor = self.start_monitor(address=address)
            stop(bus)
            out, _ = monitor.communicate(timeout=20)
            self.assertEqual(monitor.returncode, 3)
            self.assertEqual(json.loads(out)["error"]["name"],
                             "org.freedesktop.DBus.Error.Disconnected")
        finally:
            stop(bus)


if __name__ == "__main__":
    reason = missing_prerequisite()
    if reason:
        print("skipped: " + reason)
        sys.exit(77)
    unittest.main(verbosity=2)
