"""Running the real srmd on a copy of a tree, the way systemd would: a NOTIFY_SOCKET to hear
READY/STATUS, signals to reload and stop, and the tree and state file to see what it did.

Shared by the integration tests. Paths come from the environment meson sets:
SRMD (the daemon), SRMD_SIM_WRITE (writes through the simulated kernel), SRMD_FIXTURES.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

# A policy for the devdax tree (dax0.0 in decoder0.0 bound to device_dax, dax1.0 in decoder0.1
# unbound): keep the first as devdax, put the second online, movable. Two steps, then converged.
DEVDAX_AND_RAM = """version: 1
rules:
  - name: keep-devdax
    match:
      window: decoder0.0
    mode: devdax
  - name: ram
    mode: system-ram
    zone: movable
"""

SRMD = os.environ.get("SRMD", "build/srmd")
SIM_WRITE = os.environ.get("SRMD_SIM_WRITE", "build/bench/srmd-sim-write")
FIXTURES = os.environ.get("SRMD_FIXTURES", "tests/fixtures")

PASS_LINE = re.compile(r"pass (\d+) \(([\w-]+), (\d+) events, (full read, )?(\d+) files, (\d+) ms\): (\d+) steps")


def copy_tree(name, into):
    """A writable copy of a fixture tree; symlinks stay symlinks."""
    dest = os.path.join(into, "tree")
    shutil.copytree(os.path.join(FIXTURES, name), dest, symlinks=True)
    for base, dirs, files in os.walk(dest):
        for entry in dirs + files:
            path = os.path.join(base, entry)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o200)
    return dest


def write_policy(directory, name, text):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as f:
        f.write(text)


def sim_write(root, *pairs):
    """Writes PATH VALUE pairs through the simulated kernel; returns the completed process."""
    return subprocess.run([SIM_WRITE, root, *pairs], capture_output=True, text=True)


def dc_add(root, region, extents, tag=None):
    """The Dynamic Capacity device adds extents [(offset, length)] to a DC region (EXPERIMENTAL)."""
    spec = ",".join("%#x:%#x" % (offset, length) for offset, length in extents)
    return subprocess.run([SIM_WRITE, root, "--dc-add", region, spec] + ([tag] if tag else []),
                          capture_output=True, text=True)


def dc_release(root, region, what):
    """The device asks a tag group (a tag) or an extent ("OFFSET:LENGTH") back; its stdout says
    "released" or "ignored" (the kernel ignores a group a dax device holds)."""
    return subprocess.run([SIM_WRITE, root, "--dc-release", region, what],
                          capture_output=True, text=True)


def read(root, path):
    with open(root + path) as f:
        return f.read().strip()


def append_events(root, lines):
    os.makedirs(root + "/.sim-kernel", exist_ok=True)
    with open(root + "/.sim-kernel/uevents", "a") as f:
        f.write("".join(line + "\n" for line in lines))


class Daemon:
    """srmd --root TREE under test. Call start(), then the helpers; stop() or kill() at the end."""

    def __init__(self, workdir, root, policy_dir, extra=()):
        self.workdir = workdir
        self.root = root
        self.policy_dir = policy_dir
        self.state_dir = os.path.join(workdir, "state")
        self.extra = list(extra)
        self.log_path = os.path.join(workdir, "srmd.log")
        self.notify_path = os.path.join(workdir, "notify")
        self.notify = None
        self.messages = []
        self.process = None

    @property
    def state_path(self):
        return os.path.join(self.state_dir, "state.json")

    def start(self, extra=(), env=None, state_from_env=False):
        """state_from_env: give the state directory as systemd does, in $STATE_DIRECTORY."""
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notify.settimeout(0.1)
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path, **(env or {}))
        env.pop("STATE_DIRECTORY", None)
        state = ["--state-dir", self.state_dir]
        if state_from_env:
            os.makedirs(self.state_dir, exist_ok=True)
            env["STATE_DIRECTORY"] = self.state_dir
            state = []
        args = [SRMD, "--root", self.root, "--policy-dir", self.policy_dir, *state,
                "--log-target", "console", "--quiet-ms", "100", "--bus", "none"] + \
            self.extra + list(extra)
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        return self

    def poll_notify(self):
        while True:
            try:
                self.messages.append(self.notify.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                return self.messages

    def wait_for(self, predicate, timeout=30, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll_notify()
            if predicate():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"srmd exited ({self.process.returncode}) waiting for "
                                     f"{what}:\n{self.log_text()}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log_text()}")

    def notified(self, needle):
        return any(needle in m for m in self.poll_notify())

    def wait_ready(self):
        self.wait_for(lambda: self.notified("READY=1"), what="READY=1")

    def log_text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def passes(self):
        """(number, trigger, events, full, files, steps, ms) of every pass logged so far."""
        return [(int(m[1]), m[2], int(m[3]), bool(m[4]), int(m[5]), int(m[7]), int(m[6]))
                for m in PASS_LINE.finditer(self.log_text())]

    def wait_passes(self, count, timeout=30):
        self.wait_for(lambda: len(self.passes()) >= count, timeout, f"{count} passes")
        return self.passes()

    def wait_quiet(self, quiet=1.0, timeout=60):
        """Until no new pass has been logged for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        seen, since = len(self.passes()), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = len(self.passes())
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return self.passes()
        raise AssertionError("srmd never went quiet:\n" + self.log_text())

    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    def signal(self, sig):
        self.process.send_signal(sig)

    def stop(self, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.close()
        return self.process.returncode

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.close()

    def close(self):
        if self.notify:
            self.notify.close()
            self.notify = None
        if getattr(self, "log", None):
            self.log.close()


class Workdir:
    """A temporary directory on tmpfs, removed afterwards."""

    def __enter__(self):
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.path = tempfile.mkdtemp(prefix="srmd-it-", dir=base)
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
