#!/usr/bin/python3
"""srmd's metrics file as a fleet reads it: srmd runs on a copy of a tree until it converges and
writes the file into a directory; Debian's own prometheus-node-exporter reads that directory with
its textfile collector and serves it on a loopback port; the scrape must carry srmd's series with
the values of the tree, and promtool must accept the file. Exits 77 (skipped) when
prometheus-node-exporter or promtool is not installed (scripts/install-deps.sh installs both)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import DEVDAX_AND_RAM, Daemon, Workdir, copy_tree, write_policy  # noqa: E402

NODE_EXPORTER = shutil.which("prometheus-node-exporter")
PROMTOOL = shutil.which("promtool")

# The devdax tree: dax0.0 (r2080000000, decoder0.0) on device_dax, dax1.0 (r2480000000,
# decoder0.1) unbound; 16 GiB each. DEVDAX_AND_RAM keeps the first as devdax and puts the second
# online, movable: 2 steps, then converged.

GIB16 = 16 << 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(text):
    """{(name, frozenset of label pairs): value} of the samples in an exposition text."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, value = line.rsplit(" ", 1)
        name, labels = head, frozenset()
        if "{" in head:
            name, rest = head.split("{", 1)
            pairs = []
            for part in rest.rstrip("}").split('",'):
                if not part:
                    continue
                key, val = part.split('="', 1)
                pairs.append((key, val.rstrip('"')))
            labels = frozenset(pairs)
        samples[(name, labels)] = float(value)
    return samples


def find(samples, name, **labels):
    """The values of `name` whose labels include `labels`."""
    want = set(labels.items())
    return [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.workdir_cm = Workdir()
        self.work = self.workdir_cm.__enter__()
        self.root = copy_tree("constructed/devdax", self.work)
        self.collector = os.path.join(self.work, "node-exporter")
        os.mkdir(self.collector)
        self.metrics = os.path.join(self.collector, "srmd.prom")
        self.exporter = None

    def tearDown(self):
        if self.exporter and self.exporter.poll() is None:
            self.exporter.terminate()
            self.exporter.wait(10)
        if self.exporter:
            self.exporter.stderr.close()
        self.workdir_cm.__exit__(None, None, None)

    def run_srmd(self):
        policy = os.path.join(self.work, "policy.d")
        write_policy(policy, "50-test.yaml", DEVDAX_AND_RAM)
        d = Daemon(self.work, self.root, policy,
                   ["--until-converged", "--metrics-file", self.metrics]).start()
        self.assertEqual(d.process.wait(60), 0, d.log_text())
        d.close()

    def scrape(self):
        port = free_port()
        self.exporter = subprocess.Popen(
            [NODE_EXPORTER, "--collector.disable-defaults", "--collector.textfile",
             "--collector.textfile.directory=" + self.collector,
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                if self.exporter.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("node_exporter did not serve:\n" +
                                         (self.exporter.stderr.read() if self.exporter.poll()
                                          is not None else "still running"))
                time.sleep(0.1)

    def test_node_exporter_serves_the_series_of_the_tree(self):
        self.run_srmd()
        samples = parse(self.scrape())
        # node_exporter read the file without complaint.
        self.assertEqual(find(samples, "node_textfile_scrape_error"), [0.0])

        ram = dict(range="r2480000000", start="0x2480000000", owner="cxl", kernel_owner="cxl",
                   mode="system-ram", status="ok", problems="")
        dax = dict(range="r2080000000", start="0x2080000000", owner="cxl", kernel_owner="cxl",
                   mode="devdax", status="ok")
        self.assertEqual(find(samples, "srmd_range_size_bytes", range="r2480000000"), [GIB16])
        self.assertEqual(find(samples, "srmd_range_size_bytes", **dax), [GIB16])
        self.assertEqual(find(samples, "srmd_range_online_bytes", range="r2480000000",
                              mode="system-ram"), [GIB16])
        self.assertEqual(find(samples, "srmd_range_online_bytes", **dax), [0.0])
        self.assertEqual(find(samples, "srmd_range_converged", range="r2480000000"), [1.0])
        self.assertEqual(find(samples, "srmd_range_converged", **dax), [1.0])
        # An empty label value is no label at all in Prometheus: what node_exporter serves has
        # every other label of the range.
        ram_labels = [dict(ls) for (n, ls) in samples if n == "srmd_range_size_bytes"
                      and dict(ls).get("range") == "r2480000000"][0]
        for key, value in ram.items():
            if value:
                self.assertEqual(ram_labels.get(key), value, ram_labels)
        self.assertEqual(find(samples, "srmd_converged"), [1.0])
        self.assertEqual(find(samples, "srmd_steps_total", action="enable-dax", result="ok"),
                         [1.0])
        self.assertEqual(find(samples, "srmd_steps_total", action="online-memory", result="ok"),
                         [1.0])
        self.assertEqual(find(samples, "srmd_step_failures_total"), [0.0])
        passes = find(samples, "srmd_passes_total")
        self.assertEqual(len(passes), 1)
        self.assertGreaterEqual(passes[0], 2.0)  # the coldplug pass, then one with nothing to do
        self.assertEqual(find(samples, "srmd_pass_number"), passes)
        self.assertEqual(len(find(samples, "srmd_pass_duration_seconds")), 1)

    def test_promtool_accepts_the_file(self):
        self.run_srmd()
        with open(self.metrics) as f:
            check = subprocess.run([PROMTOOL, "check", "metrics"], stdin=f, capture_output=True,
                                   text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual((check.stdout + check.stderr).strip(), "")
        self.assertEqual(sorted(os.listdir(self.collector)), ["srmd.prom"])

    def test_no_collector_directory_means_no_file_and_one_notice(self):
        os.rmdir(self.collector)
        self.run_srmd()
        self.assertFalse(os.path.exists(self.collector))
        with open(os.path.join(self.work, "srmd.log")) as f:
            log = f.read()
        self.assertEqual(log.count("not writing metrics: " + self.collector + " does not exist"),
                         1, log)

    def test_the_option_wants_an_absolute_path_or_nothing(self):
        run = subprocess.run([os.environ.get("SRMD", "build/srmd"), "--metrics-file", "srmd.prom"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn("--metrics-file needs an absolute path", run.stderr)
        # "" writes none, even into a directory that exists.
        self.metrics = ""
        self.run_srmd()
        self.assertEqual(os.listdir(self.collector), [])


if __name__ == "__main__":
    if not NODE_EXPORTER or not PROMTOOL:
        print("skipped: prometheus-node-exporter or promtool (package prometheus) is not "
              "installed; scripts/install-deps.sh installs them", file=sys.stderr)
        sys.exit(77)
    unittest.main()
