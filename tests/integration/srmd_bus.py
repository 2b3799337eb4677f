"""What the bus tests share: a private system bus that admits srmd with the project's own
dbus/org.srmd1.conf, python-dbusmock's polkitd on it, and srmd running on a copy of a fixture
tree with the simulated kernel.

The tests run as root, and root passes without polkit, so the unauthorized caller is a real one:
a client process running as nobody (uid 65534) through setpriv.

Environment (set by tests/meson.build): SRMD, SRMCTL (the built executables), SRMD_SOURCE (the
source root: dbus/ and tests/integration/), SRMD_FIXTURES.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SKIP = 77
NOBODY = 65534

MANAGER = "org.srmd1.Manager"
RANGE = "org.srmd1.Range"
NAME = "org.srmd1"
MANAGER_PATH = "/org/srmd1"

POLICY_HEADER = "version: 1\nrules:\n  - name: everything\n    match: {}\n"
MOVABLE = POLICY_HEADER + "    mode: system-ram\n    zone: movable\n    allow_teardown: true\n"
DEVDAX = POLICY_HEADER + "    mode: devdax\n    allow_teardown: true\n"

try:
    import dbus
    import dbusmock  # noqa: F401  (only its presence is checked here)
except ImportError as error:
    print(f"skipped: {error} (run with /usr/bin/python3, python3-dbusmock installed)")
    sys.exit(SKIP)

for tool in ("dbus-daemon", "setpriv"):
    if not shutil.which(tool):
        print(f"skipped: {tool} is not installed")
        sys.exit(SKIP)

SRMD = os.environ.get("SRMD", "")
# A command to run srmd under, e.g. "valgrind --error-exitcode=99 --leak-check=full": its
# errors fail the test through srmd's exit status.
WRAPPER = os.environ.get("SRMD_WRAPPER", "").split()
PATIENCE = 60.0 if WRAPPER else 10.0
SRMCTL = os.environ.get("SRMCTL", "")
SOURCE = os.environ.get("SRMD_SOURCE", "")
FIXTURES = os.environ.get("SRMD_FIXTURES", "")
if not (SRMD and SRMCTL and SOURCE and FIXTURES):
    print("skipped: SRMD, SRMCTL, SRMD_SOURCE and SRMD_FIXTURES must be set (meson test sets them)")
    sys.exit(SKIP)


def wait_for(condition, what, timeout=None):
    deadline = time.monotonic() + (timeout or PATIENCE)
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except dbus.exceptions.DBusException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def tree_contents(root):
    """Every file, link and directory below root with what it holds: to tell whether srmd
    changed the tree. The simulated kernel's event log is left out: it records, it is not the
    machine."""
    contents = {}
    for directory, dirs, files in os.walk(root):
        rel = os.path.relpath(directory, root)
        if rel.startswith(".sim-kernel"):
            continue
        for name in dirs + files:
            path = os.path.join(directory, name)
            key = os.path.join(rel, name)
            if os.path.islink(path):
                contents[key] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    contents[key] = f.read()
            else:
                contents[key] = "dir"
    return contents


class BusTestCase(unittest.TestCase):
    """One private bus, polkit mock and daemon per test class."""

    fixture = "kernel-6.1/hmem-devdax"
    policy = MOVABLE
    daemon_args = []
    polkit = True
    daemon_first = False  # start srmd before the bus exists, as early at boot
    watchdog_usec = None  # run srmd with a NOTIFY_SOCKET and this WATCHDOG_USEC, as systemd does

    @classmethod
    def setUpClass(cls):
        cls.processes = []
        cls.dir = tempfile.mkdtemp(prefix="srmd-bus-", dir="/dev/shm")
        os.chmod(cls.dir, 0o755)  # nobody's client reaches the bus socket through it
        cls.tree = os.path.join(cls.dir, "tree")
        subprocess.run(["cp", "-a", os.path.join(FIXTURES, cls.fixture), cls.tree], check=True)
        subprocess.run(["chmod", "-R", "u+w", cls.tree], check=True)
        cls.policy_dir = os.path.join(cls.dir, "policy")
        os.mkdir(cls.policy_dir)
        cls.write_policy(cls.policy)
        cls.socket = os.path.join(cls.dir, "system_bus_socket")
        try:
            if cls.daemon_first:
                cls.launch_daemon()
                wait_for(lambda: "pass 1 " in cls.read_daemon_log(), "a pass without a bus")
            cls.start_bus()
            if cls.polkit:
                cls.start_polkit()
            if not cls.daemon_first:
                cls.launch_daemon()
            cls.wait_for_daemon()
        except Exception:
            for name in ("srmd.log", "polkitd.log", "dbus-daemon.log"):
                path = os.path.join(cls.dir, name)
                if os.path.exists(path):
                    with open(path) as f:
                        print(f"---- {name}\n{f.read()}", file=sys.stderr)
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for process in reversed(cls.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=PATIENCE)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout:
                process.stdout.close()
        cls.processes = []
        # srmd stops cleanly on SIGTERM; under ASan a leak or error at exit shows here too.
        daemon = getattr(cls, "daemon", None)
        failure = None
        if daemon is not None and daemon.returncode != 0:
            failure = f"srmd exited with {daemon.returncode}:\n{cls.read_daemon_log()[-4000:]}"
        shutil.rmtree(cls.dir, ignore_errors=True)
        if failure:
            raise AssertionError(failure)

    # ---- setting up ----

    @classmethod
    def write_policy(cls, text, name="10-test.yaml"):
        with open(os.path.join(cls.policy_dir, name), "w") as f:
            f.write(text)

    @classmethod
    def start_bus(cls):
        with open(os.path.join(SOURCE, "tests/integration/system-bus.conf.in")) as f:
            config = f.read()
        config = config.replace("@LISTEN@", f"unix:path={cls.socket}")
        config = config.replace("@SRMD_BUS_POLICY@", os.path.join(SOURCE, "dbus/org.srmd1.conf"))
        config_path = os.path.join(cls.dir, "system-bus.conf")
        with open(config_path, "w") as f:
            f.write(config)
        with open(os.path.join(cls.dir, "dbus-daemon.log"), "w") as log:
            bus = subprocess.Popen(
                ["dbus-daemon", f"--config-file={config_path}", "--nofork", "--print-address=1"],
                stdout=subprocess.PIPE, stderr=log, text=True)
        cls.processes.append(bus)
        cls.bus_process = bus
        cls.address = bus.stdout.readline().strip()
        if not cls.address:
            raise AssertionError("dbus-daemon did not start")
        cls.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=cls.address)
        cls.bus = dbus.bus.BusConnection(cls.address)

    @classmethod
    def start_polkit(cls):
        with open(os.path.join(cls.dir, "polkitd.log"), "w") as log:
            cls.processes.append(subprocess.Popen(
                ["/usr/bin/python3", "-m", "dbusmock", "--system", "--template", "polkitd"],
                env=cls.env, stdout=log, stderr=subprocess.STDOUT))
        wait_for(lambda: cls.bus.name_has_owner("org.freedesktop.PolicyKit1"), "the polkit mock")
        cls.polkit_mock = dbus.Interface(
            cls.bus.get_object("org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority"),
            "org.freedesktop.DBus.Mock")

    @classmethod
    def launch_daemon(cls):
        cls.daemon_log = os.path.join(cls.dir, "srmd.log")
        env = None
        if cls.watchdog_usec:
            path = os.path.join(cls.dir, "notify")
            cls.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            cls.notify.bind(path)
            cls.notify.settimeout(0.05)
            env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(cls.watchdog_usec))
        with open(cls.daemon_log, "w") as log:
            cls.daemon = subprocess.Popen(
                WRAPPER + [SRMD, "--root", cls.tree, "--policy-dir", cls.policy_dir,
                 "--state-dir", os.path.join(cls.dir, "state"), "--bus", f"unix:path={cls.socket}",
                 "--log-target", "console"] + cls.daemon_args,
                stdout=log, stderr=subprocess.STDOUT, env=env)
        cls.processes.append(cls.daemon)

    @classmethod
    def notifications(cls):
        """What srmd sent to its NOTIFY_SOCKET since the last call, one datagram each."""
        messages = []
        while True:
            try:
                messages.append(cls.notify.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                return messages

    @classmethod
    def read_daemon_log(cls):
        with open(cls.daemon_log) as f:
            return f.read()

    @classmethod
    def wait_for_daemon(cls):
        wait_for(lambda: cls.bus.name_has_owner(NAME), "srmd on the bus")
        cls.manager = dbus.Interface(cls.bus.get_object(NAME, MANAGER_PATH), MANAGER)
        # Settled once a pass had nothing to do: the coldplug pass and, when it acted, the pass
        # that the events of its own steps bring. Tests that count passes start from there.
        wait_for(lambda: cls.manager_property("State") != "starting"
                 and cls.manager_property("LastReconcile")["steps"] == 0, "a settled daemon")

    # ---- asking ----

    @classmethod
    def manager_property(cls, name):
        return cls.bus.get_object(NAME, MANAGER_PATH).Get(
            MANAGER, name, dbus_interface="org.freedesktop.DBus.Properties")

    def range_properties(self, range_id):
        path = f"/org/srmd1/ranges/{range_id}"
        return self.bus.get_object(NAME, path).GetAll(
            RANGE, dbus_interface="org.freedesktop.DBus.Properties")

    def assertDBusError(self, name, call, *args, **kwargs):
        with self.assertRaises(dbus.exceptions.DBusException) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.get_dbus_name(), name, caught.exception.get_dbus_message())
        return caught.exception.get_dbus_message()

    def srmctl(self, *args):
        run = subprocess.run([SRMCTL] + list(args), capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout

    def simulated_ranges(self):
        """The ranges srmctl finds in the tree now, with the same policy."""
        out = self.srmctl("simulate", "--root", self.tree, "--policy-dir", self.policy_dir,
                          "--json")
        return json.loads(out)["ranges"]

    def call_as_nobody(self, method, *args):
        """Calls a Manager method from a process running as nobody. Returns ("ok", reply) or
        (error name, message). Arguments: str, or dict for a{sv} (bool and list-of-str values)."""
        code = r"""
import json, sys, dbus
address, method, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def convert(a):
    if isinstance(a, dict):
        return dbus.Dictionary({k: (dbus.Boolean(v) if isinstance(v, bool) else
                                    dbus.Array(v, signature="s") if isinstance(v, list) else
                                    dbus.String(v)) for k, v in a.items()}, signature="sv")
    return dbus.String(a)
bus = dbus.bus.BusConnection(address)
try:
    proxy = bus.get_object("org.srmd1", "/org/srmd1")
    reply = getattr(proxy, method)(*[convert(a) for a in args],
                                   dbus_interface="org.srmd1.Manager", timeout=30)
    print(json.dumps(["ok", str(reply) if not isinstance(reply, list) else [str(x) for x in reply]]))
except dbus.exceptions.DBusException as e:
    print(json.dumps([e.get_dbus_name(), e.get_dbus_message()]))
"""
        run = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             "/usr/bin/python3", "-c", code, self.address, method, json.dumps(list(args))],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        return tuple(json.loads(run.stdout))

    FLOOD_CLIENT = r"""
import json, sys, dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
address, count, connections, wait = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
loop = GLib.MainLoop()
buses = [dbus.bus.BusConnection(address, mainloop=DBusGMainLoop()) for _ in range(connections)]
answers = []
barriers = []

def report():
    counts = {}
    for status, _ in answers:
        counts[status] = counts.get(status, 0) + 1
    print(json.dumps({"answered": len(answers), "counts": counts,
                      "messages": sorted({m for _, m in answers})}), flush=True)

def answered(status, message):
    answers.append((status, message))
    if barriers and len(barriers) == connections and wait == "wait" and len(answers) == count:
        report()
        loop.quit()

def barrier(*_):
    barriers.append(1)
    if len(barriers) == connections:
        report()
        if wait != "wait" or len(answers) == count:
            loop.quit()

for i in range(count):
    manager = buses[i % connections].get_object("org.srmd1", "/org/srmd1", introspect=False)
    manager.Apply(dbus.Dictionary({}, signature="sv"), dbus_interface="org.srmd1.Manager",
                  timeout=120, reply_handler=lambda reply: answered("ok", ""),
                  error_handler=lambda e: answered(e.get_dbus_name(), e.get_dbus_message()))
# Replies come in the order srmd sends them: once GetRanges is answered on a connection, every
# call sent on it before has been either answered at once or handed to polkit.
for bus in buses:
    bus.get_object("org.srmd1", "/org/srmd1", introspect=False).GetRanges(
        dbus.Dictionary({}, signature="sv"), dbus_interface="org.srmd1.Manager",
        reply_handler=barrier, error_handler=barrier)
loop.run()
"""

    def flood_as(self, uid, count, connections=1, wait=False):
        """Sends `count` Apply calls as `uid`, spread over `connections` connections, without
        waiting for their answers. Returns the process; its first line (read_report) says what
        was answered once srmd had handled every call, and with `wait` a second line once all
        were answered."""
        return subprocess.Popen(
            ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
             "/usr/bin/python3", "-c", self.FLOOD_CLIENT, self.address, str(count),
             str(connections), "wait" if wait else "no"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def read_report(self, process):
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=PATIENCE)
            raise AssertionError(f"the flooding client said nothing: {process.stderr.read()}")
        return json.loads(line)

    def collect_signals_during(self, method, *args):
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib

        loop = GLib.MainLoop()
        bus = dbus.bus.BusConnection(self.address, mainloop=DBusGMainLoop())
        signals = []
        bus.add_signal_receiver(
            lambda *a, **kw: signals.append((kw["interface"], kw["member"], kw["path"], a)),
            bus_name=NAME, interface_keyword="interface", member_keyword="member",
            path_keyword="path")
        outcome = {}

        def done(key, value):
            outcome[key] = value
            loop.quit()

        getattr(bus.get_object(NAME, MANAGER_PATH), method)(
            *args, dbus_interface=MANAGER, timeout=30,
            reply_handler=lambda reply: done("reply", reply),
            error_handler=lambda error: done("error", error))
        GLib.timeout_add_seconds(30, loop.quit)
        loop.run()
        bus.close()
        self.assertNotIn("error", outcome, outcome.get("error"))
        self.assertIn("reply", outcome, "no reply in 30 s")
        return outcome["reply"], signals
