#!/usr/bin/python3
"""The event-storm benchmark: srmd on the large synthetic machine (64 dax devices, 32768 memory
blocks) through two storms of 32768 blocks' events:
  1. the 64 devices bound to kmem from outside (as daxctl or the kernel would), one after another,
     each bind hot-adding 512 blocks that auto-online: an add and an online per block;
  2. one unbroken stream of 65536 block events over several seconds, as one very large device's
     hot-add sends them.
For each it prints the events srmd consumed, its reconcile passes (with events, files read and
time per pass), and its CPU time and peak RSS; then its idle wakeups per minute.

Usage: storm-bench.py SRMD SIM_WRITE MKMACHINE WORKDIR [--idle-seconds N]
"""

import os
import re
import signal
import subprocess
import sys
import time

PASS = re.compile(r"pass (\d+) \((\w+), (\d+) events, (full read, )?(\d+) files, (\d+) ms\): (\d+) steps")
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
        return [(int(m[1]), m[2], int(m[3]), bool(m[4]), int(m[5]), int(m[7]), int(m[6]))
                for m in PASS.finditer(f.read())]


def wait_quiet(log_path, quiet=6.0, timeout=900):
    # Longer than srmd's longest wait for a pass (max_delay, 2 s) plus a pass.
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


def report(title, during, pid, before_cpu):
    print(title)
    print(f"  events consumed by srmd: {sum(p[2] for p in during)}")
    print(f"  reconcile passes: {len(during)} (steps {sum(p[5] for p in during)}, "
          f"full reads {sum(1 for p in during if p[3])})")
    if during:
        for name, index in (("events", 2), ("files read", 4), ("ms", 6)):
            values = sorted(p[index] for p in during)
            print(f"  per pass, {name}: min {values[0]}, median {values[len(values) // 2]}, "
                  f"max {values[-1]}")
    print(f"  CPU time: {cpu_seconds(pid) - before_cpu:.2f} s; peak RSS so far: "
          f"{proc_status(pid, 'VmHWM') / 1024:.1f} MiB")


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
    log_path = os.path.join(work, "srmd.log")
    # No NOTIFY_SOCKET: a socket nobody reads fills up after ten datagrams and then blocks
    # sd_notify(), which systemd, always reading, never does.
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([srmd, "--root", root, "--policy-dir", policy,
                                   "--state-dir", os.path.join(work, "state"),
                                   "--log-target", "console", "--bus", "none"],
                                  stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_quiet(log_path)
        coldplug = passes(log_path)
        print(f"coldplug: {len(coldplug)} pass(es), full read of {coldplug[0][4]} files")
        before_cpu = cpu_seconds(daemon.pid)
        print(f"  peak RSS after coldplug: {proc_status(daemon.pid, 'VmHWM') / 1024:.1f} MiB")
        skip = len(coldplug)

        # Storm 1: each device leaves device_dax and is bound to kmem, whose 512 blocks
        # auto-online: the kernel's add and online for every block, one device after another.
        t = time.monotonic()
        storm = []
        for d in daxes:
            storm += [f"/sys/bus/dax/drivers/device_dax/unbind {d}", f"/sys/bus/dax/drivers/kmem/bind {d}"]
        sim_write(sim, root, storm)
        seconds = time.monotonic() - t
        wait_quiet(log_path)
        during = passes(log_path)[skip:]
        skip += len(during)
        report(f"storm 1: 64 kmem binds through the simulated kernel ({len(blocks)} blocks added and "
               f"onlined, {seconds:.1f} s)", during, daemon.pid, before_cpu)

        # Storm 2: one stream of 65536 block events (an add and an online per block) arriving
        # without a pause for several seconds, as one very large device's hot-add sends them.
        before_cpu = cpu_seconds(daemon.pid)
        t = time.monotonic()
        with open(root + "/.sim-kernel/uevents", "a") as log:
            for start in range(0, len(blocks), 128):
                chunk = blocks[start:start + 128]
                log.write("".join(f"add memory /devices/system/memory/memory{b}\n"
                                  f"online memory /devices/system/memory/memory{b}\n" for b in chunk))
                log.flush()
                time.sleep(0.02)
        seconds = time.monotonic() - t
        wait_quiet(log_path)
        during = passes(log_path)[skip:]
        report(f"storm 2: {2 * len(blocks)} block events in one stream over {seconds:.1f} s",
               during, daemon.pid, before_cpu)

        w = wakeups(daemon.pid)
        time.sleep(idle_seconds)
        per_minute = (wakeups(daemon.pid) - w) * 60 / idle_seconds
        print(f"idle: {per_minute:.1f} wakeups per minute (measured over {idle_seconds} s, no watchdog)")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(120)


if __name__ == "__main__":
    main()
