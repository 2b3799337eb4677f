#!/usr/bin/python3
"""The event-storm benchmark: srmd on the large synthetic machine while 64 dax devices are bound
to kmem from outside (as daxctl or the kernel would), each bind hot-adding 512 memory blocks that
auto-online: 32768 add and 32768 online events, plus the binds. Prints the events srmd consumed,
its reconcile passes, the CPU time and peak RSS it used, and its idle wakeups per minute.

Usage: storm-bench.py SRMD SIM_WRITE MKMACHINE WORKDIR [--idle-seconds N]
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time

PASS = re.compile(r"pass (\d+) \((\w+), (\d+) events, (full read, )?(\d+) files\): (\d+) steps")
POLICY = """version: 1
rules:
  - name: ram
    mode: system-ram
    zone: movable
"""


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wakeups(pid):
    return proc_status(pid, "voluntary_ctxt_switches") + proc_status(pid, "nonvoluntary_ctxt_switches")


def passes(log_path):
    with open(log_path) as f:
        return [(int(m[1]), m[2], int(m[3]), bool(m[4]), int(m[5]), int(m[6]))
                for m in PASS.finditer(f.read())]


def wait_quiet(log_path, quiet=2.0, timeout=900):
    deadline = time.monotonic() + timeout
    seen, since = len(passes(log_path)), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = len(passes(log_path))
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet and now > 0:
            return
    raise SystemExit("srmd never went quiet")


def sim_write(sim_write_bin, root, lines):
    subprocess.run([sim_write_bin, root, "-"], input="\n".join(lines) + "\n", text=True, check=True)


def main():
    srmd, sim, mkmachine, work = sys.argv[1:5]
    idle_seconds = int(sys.argv[sys.argv.index("--idle-seconds") + 1]) if "--idle-seconds" in sys.argv else 30
    root = os.path.join(work, "machine")
    subprocess.run([mkmachine, "synthetic", root], check=True, stdout=subprocess.DEVNULL)
    daxes = sorted(os.listdir(root + "/sys/bus/dax/devices"))
    with open(root + "/sys/devices/system/memory/block_size_bytes") as f:
        block_size = int(f.read(), 16)
    # The dax devices' blocks: everything from 1 TiB up (boot memory lies below).
    blocks = sorted(int(b[6:]) for b in os.listdir(root + "/sys/devices/system/memory")
                    if b.startswith("memory") and b[6:].isdigit()
                    and int(b[6:]) * block_size >= 1 << 40)

    # Before: every device on device_dax, so no block exists (an application's devdax).
    t = time.monotonic()
    sim_write(sim, root, [f"/sys/devices/system/memory/memory{b}/state offline" for b in blocks] +
              [f"/sys/bus/dax/drivers/kmem/unbind {d}" for d in daxes] +
              [f"/sys/bus/dax/drivers/device_dax/bind {d}" for d in daxes])
    print(f"machine: {len(daxes)} dax devices, {len(blocks)} memory blocks "
          f"(prepared in {time.monotonic() - t:.1f} s)")

    policy = os.path.join(work, "policy.d")
    os.makedirs(policy, exist_ok=True)
    with open(os.path.join(policy, "50-ram.yaml"), "w") as f:
        f.write(POLICY)
    notify_path = os.path.join(work, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    log_path = os.path.join(work, "srmd.log")
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([srmd, "--root", root, "--policy-dir", policy,
                                   "--state-dir", os.path.join(work, "state"),
                                   "--log-target", "console", "--bus", "none"],
                                  stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_quiet(log_path)
        coldplug = passes(log_path)
        print(f"coldplug: {len(coldplug)} pass(es), full read of {coldplug[0][4]} files")
        before_cpu, before_rss = cpu_seconds(daemon.pid), proc_status(daemon.pid, "VmHWM")
        skip = len(coldplug)

        # The storm: each device leaves device_dax and is bound to kmem, whose blocks auto-online.
        t = time.monotonic()
        storm = []
        for d in daxes:
            storm += [f"/sys/bus/dax/drivers/device_dax/unbind {d}", f"/sys/bus/dax/drivers/kmem/bind {d}"]
        sim_write(sim, root, storm)
        storm_seconds = time.monotonic() - t
        with open(root + "/.sim-kernel/uevents") as f:
            lines = f.read().count("\n")
        wait_quiet(log_path)
        during = passes(log_path)[skip:]
        print(f"storm: {len(storm)} writes in {storm_seconds:.1f} s; the event log now holds {lines} events")
        print(f"  events consumed by srmd: {sum(p[2] for p in during)}")
        print(f"  reconcile passes: {len(during)} "
              f"(steps {sum(p[5] for p in during)}, full reads {sum(1 for p in during if p[3])})")
        for p in during:
            print(f"    pass {p[0]}: {p[2]} events, {p[4]} files read, {p[5]} steps")
        print(f"  CPU time: {cpu_seconds(daemon.pid) - before_cpu:.2f} s")
        print(f"  peak RSS: {proc_status(daemon.pid, 'VmHWM') / 1024:.1f} MiB "
              f"(before the storm {before_rss / 1024:.1f} MiB)")

        w = wakeups(daemon.pid)
        time.sleep(idle_seconds)
        per_minute = (wakeups(daemon.pid) - w) * 60 / idle_seconds
        print(f"idle: {per_minute:.1f} wakeups per minute (measured over {idle_seconds} s, no watchdog)")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
        notify.close()


if __name__ == "__main__":
    main()
