#!/usr/bin/python3
"""srmd's D-Bus API (org.srmd1) on a private system bus: the contract, reads, polkit, acting,
reloading and refusing. Run one class: test_bus_api.py Reads. Exit 77 when a tool is missing."""

import errno
import json
import os
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from srmd_bus import (DEVDAX, MANAGER, MANAGER_PATH, MOVABLE, NAME, NOBODY,  # noqa: E402
                      PATIENCE, RANGE, SOURCE, SRMCTL, BusTestCase, tree_contents,
                      wait_for)
import dbus  # noqa: E402

ERROR = "org.srmd1.Error."
# Unprivileged callers besides nobody: Debian's base-passwd users daemon, bin, sys, ... (the bus
# daemon wants a user it can look up).
OTHER_UID = 1
MORE_UIDS = range(1, 10)
MUTATING = [  # method, arguments, polkit action
    ("Apply", [{}], "org.srmd1.manage"),
    ("Reconcile", [{}], "org.srmd1.manage"),
    ("SetLogLevel", ["info", {}], "org.srmd1.manage"),
    ("ReloadPolicy", [{}], "org.srmd1.reload-policy"),
]


def interface_members(root, interface):
    """Methods, signals and properties of one interface in introspection XML, with their
    arguments, comparable across the contract and the live object (annotations left out)."""
    node = root.find(f"interface[@name='{interface}']")
    if node is None:
        return None
    members = {}
    for method in node.findall("method"):
        members["method " + method.get("name")] = [
            (a.get("name"), a.get("type"), a.get("direction", "in")) for a in method.findall("arg")]
    for signal in node.findall("signal"):
        members["signal " + signal.get("name")] = [
            (a.get("name"), a.get("type")) for a in signal.findall("arg")]
    for prop in node.findall("property"):
        members["property " + prop.get("name")] = [(prop.get("type"), prop.get("access"))]
    return members


def dict_of(value):
    """A D-Bus a{sv} as plain Python values (lists for arrays)."""
    return {str(k): (list(int(i) for i in v) if isinstance(v, list) else
                     str(v) if isinstance(v, str) else int(v)) for k, v in value.items()}


def flat_performance(perf, prefix=""):
    """The Performance property a range's "performance" JSON object should give: dotted keys,
    nulls left out, each memdev's QoS class as qos_class.<memdev>."""
    out = {}
    for key, value in perf.items():
        name = prefix + key
        if value is None:
            continue
        if key == "qos_class" and not prefix:
            if value["window"] is not None:
                out["qos_class.window"] = value["window"]
            for memdev in value["memdevs"]:
                if memdev["ram"] is not None:
                    out["qos_class." + memdev["memdev"]] = memdev["ram"]
        elif isinstance(value, dict):
            out.update(flat_performance(value, name + "."))
        else:
            out[name] = value
    return out


def ranges_by_id(ranges):
    return {r["id"]: r for r in ranges}


class Introspection(BusTestCase):
    def test_live_objects_match_the_contract(self):
        contract = ElementTree.parse(os.path.join(SOURCE, "dbus/org.srmd1.xml")).getroot()
        manager = ElementTree.fromstring(self.bus.get_object(NAME, MANAGER_PATH).Introspect(
            dbus_interface="org.freedesktop.DBus.Introspectable"))
        range_path = "/org/srmd1/ranges/r40000000"
        live_range = ElementTree.fromstring(self.bus.get_object(NAME, range_path).Introspect(
            dbus_interface="org.freedesktop.DBus.Introspectable"))

        self.assertEqual(interface_members(manager, MANAGER), interface_members(contract, MANAGER))
        self.assertEqual(interface_members(live_range, RANGE), interface_members(contract, RANGE))
        names = {i.get("name") for i in manager.findall("interface")}
        self.assertIn("org.freedesktop.DBus.ObjectManager", names)
        # The manager lists its children: the ranges node.
        self.assertIn("ranges", {n.get("name") for n in manager.findall("node")})


class StartBeforeTheBus(BusTestCase):
    """srmd started before dbus, as early at boot: it works meanwhile, and serves once the bus
    socket appears."""

    daemon_first = True
    watchdog_usec = 400000  # WATCHDOG=1 every 200 ms while srmd is healthy

    def test_serves_once_the_bus_is_there(self):
        self.assertEqual(self.manager_property("State"), "converged")
        self.assertEqual(json.loads(self.manager.GetRanges({})), self.simulated_ranges())

    def test_serves_again_after_the_bus_restarts(self):
        wait_for(lambda: any("WATCHDOG=1" in m for m in self.notifications()), "WATCHDOG=1")

        # dbus-daemon dies (its socket file stays behind), and polkit with it.
        for process in self.processes:
            if process is not self.daemon:
                process.kill()
                process.wait()
        try:
            wait_for(lambda: "lost the bus connection" in self.read_daemon_log(),
                     "the loss logged")
            # From the loss on, systemd hears no WATCHDOG=1: a daemon that stays off the bus is
            # restarted. Three periods of silence.
            self.notifications()
            time.sleep(3 * self.watchdog_usec / 2 / 1e6)
            self.assertEqual([m for m in self.notifications() if "WATCHDOG=1" in m], [])
            self.assertIsNone(self.daemon.poll())
        finally:
            # A new dbus-daemon on the same socket: srmd is back without being told.
            self.start_bus()
            self.start_polkit()
        self.wait_for_daemon()
        self.assertEqual(json.loads(self.manager.GetRanges({})), self.simulated_ranges())
        objects = self.bus.get_object(NAME, MANAGER_PATH).GetManagedObjects(
            dbus_interface="org.freedesktop.DBus.ObjectManager")
        self.assertIn("/org/srmd1/ranges/r40000000", objects)
        self.assertRegex(self.read_daemon_log(),
                         r"back on the bus after \d+\.\d s: owns org.srmd1 again")
        wait_for(lambda: any("WATCHDOG=1" in m for m in self.notifications()),
                 "WATCHDOG=1 again")


class Reads(BusTestCase):
    """A tree with a CXL window, a conflict and problems; --dry-run keeps it as it is."""

    fixture = "constructed/conflict-6x"
    daemon_args = ["--dry-run"]

    def test_get_ranges_equals_srmctl_simulate(self):
        ranges = json.loads(self.manager.GetRanges({}))
        self.assertEqual(ranges, self.simulated_ranges())
        self.assertTrue(ranges)

    def test_range_properties_equal_their_json_fields(self):
        for entry in json.loads(self.manager.GetRanges({})):
            props = self.range_properties(entry["id"])
            self.assertEqual(props["Id"], entry["id"])
            self.assertEqual(props["Start"], entry["start"])
            self.assertEqual(props["Size"], entry["size"])
            self.assertEqual(props["Window"], entry["window"] or "")
            self.assertEqual(bool(props["SoftReserved"]), entry["soft_reserved"])
            self.assertEqual(
                [(str(k), str(d), int(s), int(z), bool(c), str(v))
                 for k, d, s, z, c, v in props["Claimants"]],
                [(c["kind"], c["device"], c["start"], c["size"], c["committed"], c["covers"])
                 for c in entry["claimants"]])
            self.assertEqual(props["KernelOwner"], entry["kernel_owner"])
            self.assertEqual(props["Owner"], entry["owner"])
            self.assertEqual(props["Mode"], entry["mode"])
            self.assertEqual(props["Status"], entry["status"])
            self.assertEqual(
                [(str(d), str(v), int(s), int(n), (int(m[0]), int(m[1]), str(m[2])))
                 for d, v, s, n, m in props["Dax"]],
                [(d["device"], d["driver"] or "", d["size"], d["target_node"],
                  (d["memory"]["blocks"], d["memory"]["online"], d["memory"]["zone"] or ""))
                 for d in entry["dax"]])
            self.assertEqual([(str(c), str(m)) for c, m in props["Problems"]],
                             [(p["code"], p["message"]) for p in entry["problems"]])
            policy = entry["policy"] or {}
            self.assertEqual(tuple(str(x) for x in props["Policy"]),
                             (policy.get("rule", ""), policy.get("owner", ""),
                              policy.get("mode", ""), policy.get("zone") or ""))
            self.assertEqual(bool(props["Converged"]), entry["converged"])
            self.assertEqual(
                [(int(q), int(u), int(v), str(w), str(d), str(m))
                 for q, u, v, w, d, m in props["KernelLog"]],
                [(k["seq"], k["usec"], k["level"], k["meaning"], k["device"] or "", k["message"])
                 for k in entry["kernel_log"]])
            self.assertEqual(dict_of(props["Performance"]), flat_performance(entry["performance"]))
            dc = entry.get("dc") or {}
            self.assertEqual(
                [(str(n), int(o), int(l), str(t), str(d), bool(r))
                 for n, o, l, t, d, r in props["DcExtents"]],
                [(e["name"], e["offset"], e["length"], e["tag"] or "", e["device"] or "",
                  e["release_requested"]) for e in dc.get("extents", [])])
            # Every field of the contract is a property, and nothing else is: "dc" is there on
            # Dynamic Capacity ranges only, DcExtents (empty) on every range.
            self.assertEqual(len(props), len(entry) + (0 if "dc" in entry else 1))

    def test_get_range_and_unknown_ids(self):
        ranges = json.loads(self.manager.GetRanges({}))
        first = ranges[0]
        self.assertEqual(json.loads(self.manager.GetRange(first["id"], {})), first)
        message = self.assertDBusError(ERROR + "NoSuchRange", self.manager.GetRange, "r1", {})
        self.assertIn("r1", message)

    def test_object_manager_lists_every_range(self):
        objects = self.bus.get_object(NAME, MANAGER_PATH).GetManagedObjects(
            dbus_interface="org.freedesktop.DBus.ObjectManager")
        ranges = json.loads(self.manager.GetRanges({}))
        self.assertEqual({str(p) for p, ifaces in objects.items() if RANGE in ifaces},
                         {f"/org/srmd1/ranges/{r['id']}" for r in ranges})

    def test_explain_by_id_and_by_address(self):
        entry = json.loads(self.manager.GetRanges({}))[0]
        by_id = [str(x) for x in self.manager.Explain(entry["id"], {})]
        self.assertTrue(by_id[0].startswith(entry["id"] + ":"), by_id)
        inside = hex(entry["start"] + entry["size"] // 2)
        self.assertEqual([str(x) for x in self.manager.Explain(inside, {})], by_id)
        self.assertEqual([str(x) for x in self.manager.Explain(str(entry["start"]), {})], by_id)
        self.assertDBusError(ERROR + "NoSuchRange", self.manager.Explain, "0x1", {})
        self.assertDBusError(ERROR + "NoSuchRange", self.manager.Explain, "nonsense", {})

    def test_plan_and_manager_properties(self):
        plan = json.loads(self.manager.Plan({}))
        self.assertIsInstance(plan, (list, dict))
        self.assertEqual(self.manager_property("Root"), self.tree)
        self.assertTrue(self.manager_property("DryRun"))
        self.assertTrue(self.manager_property("PolicyValid"))
        self.assertEqual([str(f) for f in self.manager_property("PolicyFiles")],
                         [os.path.join(self.policy_dir, "10-test.yaml")])
        last = self.manager_property("LastReconcile")
        self.assertEqual(last["trigger"], "coldplug")
        self.assertEqual(last["error"], "")
        self.assertIn(self.manager_property("State"),
                      ("converged", "not-converged", "degraded"))
        for kind, where, what, can in self.manager_property("CompetingActors"):
            self.assertTrue(kind and what)


class Authorization(BusTestCase):
    """hmem-devdax, converged by the coldplug pass: nothing a refused call could do unnoticed."""

    def setUp(self):
        self.polkit_mock.SetAllowed(dbus.Array([], signature="s"))

    def test_reads_are_open_to_nobody(self):
        status, reply = self.call_as_nobody("GetRanges", {})
        self.assertEqual(status, "ok", reply)
        self.assertEqual(json.loads(reply), json.loads(self.manager.GetRanges({})))
        self.assertEqual(self.call_as_nobody("Plan", {})[0], "ok")
        self.assertEqual(self.call_as_nobody("Explain", "r40000000", {})[0], "ok")

    def test_mutating_methods_refused_until_polkit_allows(self):
        before = tree_contents(self.tree)
        passes = self.manager_property("LastReconcile")["number"]
        for method, args, action in MUTATING:
            status, message = self.call_as_nobody(method, *args)
            self.assertEqual(status, ERROR + "AccessDenied", f"{method}: {message}")
            self.assertIn(action, message)
        self.assertEqual(tree_contents(self.tree), before)
        self.assertEqual(self.manager_property("LastReconcile")["number"], passes)

        # One action allowed, the other still refused.
        self.polkit_mock.SetAllowed(["org.srmd1.manage"])
        for method, args, action in MUTATING:
            status, message = self.call_as_nobody(method, *args)
            if action == "org.srmd1.manage":
                self.assertEqual(status, "ok", f"{method}: {message}")
            else:
                self.assertEqual(status, ERROR + "AccessDenied", f"{method}: {message}")
        self.assertGreater(self.manager_property("LastReconcile")["number"], passes)

        self.polkit_mock.SetAllowed(["org.srmd1.manage", "org.srmd1.reload-policy"])
        status, files = self.call_as_nobody("ReloadPolicy", {})
        self.assertEqual(status, "ok", files)
        self.assertEqual(files, [os.path.join(self.policy_dir, "10-test.yaml")])

    def test_root_passes_without_polkit(self):
        reply = json.loads(self.manager.Reconcile({}))
        self.assertEqual(reply["trigger"], "request")
        self.assertTrue(reply["full_read"])

    def test_reads_answer_while_polkit_thinks(self):
        # The check is asynchronous: while polkit takes its time, srmd serves everyone else.
        self.polkit_mock.SetAllowed(["org.srmd1.manage"])
        self.polkit_mock.SetDelay(2.0)
        try:
            waiting = subprocess.Popen(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "busctl",
                 f"--address={self.address}", "call", NAME, MANAGER_PATH, MANAGER, "Reconcile",
                 "a{sv}", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.5)  # the call reaches polkit, which sleeps
            self.assertTrue(json.loads(self.manager.GetRanges({})))
            self.assertIsNone(waiting.poll(), "the authorized call should still be waiting")
            out, err = waiting.communicate(timeout=30)
            self.assertEqual(waiting.returncode, 0, err)
        finally:
            self.polkit_mock.SetDelay(0.0)

    # While polkit hangs (its mock holds every answer), callers pile up checks.

    def test_a_flooding_caller_fills_only_its_own_share(self):
        self.polkit_mock.SetAllowed(["org.srmd1.manage"])
        self.polkit_mock.SimulateHang(True)
        try:
            # More than dbus-daemon lets srmd's connection wait for (128), from one uid.
            flood = self.flood_as(NOBODY, 140, connections=2)
            first = self.read_report(flood)
            flood.wait(timeout=PATIENCE)
            self.assertEqual(first["counts"], {ERROR + "Busy": 132}, first)
            self.assertEqual(first["messages"], [
                "uid 65534 already has 8 authorization checks waiting for polkit; try again once "
                "they are answered"])

            # Another caller is still asked about, and allowed once polkit answers.
            other = self.flood_as(OTHER_UID, 1, wait=True)
            self.assertEqual(self.read_report(other)["answered"], 0)
            self.polkit_mock.ReleaseHangingCalls()
            last = self.read_report(other)
            self.assertEqual(last["counts"], {"ok": 1}, last)
            self.assertIn("uid 65534 has 8 authorization checks waiting for polkit",
                          self.read_daemon_log())
        finally:
            self.polkit_mock.SimulateHang(False)
            self.polkit_mock.ReleaseHangingCalls()

    def test_all_callers_together_are_bounded(self):
        self.polkit_mock.SimulateHang(True)
        try:
            for uid in MORE_UIDS[:8]:  # 8 callers with 8 checks each: 64 in all
                flood = self.flood_as(uid, 8)
                self.assertEqual(self.read_report(flood)["answered"], 0)
                flood.wait(timeout=PATIENCE)
            late = self.flood_as(MORE_UIDS[8], 1)
            report = self.read_report(late)
            late.wait(timeout=PATIENCE)
            self.assertEqual(report["counts"], {ERROR + "Busy": 1}, report)
            self.assertEqual(report["messages"], [
                "64 authorization checks are waiting for polkit; try again once it answers"])
        finally:
            self.polkit_mock.SimulateHang(False)
            self.polkit_mock.ReleaseHangingCalls()
        # Answered, the checks free their places: the next caller is asked about again (polkit's
        # answers reached srmd before ReleaseHangingCalls returned).
        status, message = self.call_as_nobody("Apply", {})
        self.assertEqual(status, ERROR + "AccessDenied", message)


class NoPolkit(BusTestCase):
    polkit = False

    def test_unprivileged_callers_are_refused_and_root_is_not(self):
        before = tree_contents(self.tree)
        for method, args, action in MUTATING:
            status, message = self.call_as_nobody(method, *args)
            self.assertEqual(status, ERROR + "AccessDenied", f"{method}: {message}")
        self.assertEqual(tree_contents(self.tree), before)
        self.assertEqual(json.loads(self.manager.Reconcile({}))["trigger"], "request")


class ApplyAndSignals(BusTestCase):
    """The tree starts as devdax, which the first policy wants. The operator loads a policy that
    wants system-ram, looks at the plan, and applies it."""

    policy = DEVDAX

    def test_apply_changes_the_tree_and_announces_it(self):
        self.assertEqual(self.simulated_ranges()[0]["mode"], "devdax")
        self.write_policy(MOVABLE)
        files = self.manager.ReloadPolicy({"reconcile": dbus.Boolean(False)})
        self.assertEqual([str(f) for f in files], [os.path.join(self.policy_dir, "10-test.yaml")])
        plan = json.loads(self.manager.Plan({}))
        self.assertIn("reconfigure-dax", json.dumps(plan))
        self.assertEqual(self.simulated_ranges()[0]["mode"], "devdax", "nothing acts before Apply")
        path = "/org/srmd1/ranges/r40000000"
        self.assertEqual(self.range_properties("r40000000")["Mode"], "devdax")

        reply, signals = self.collect_signals_during("Apply", dbus.Dictionary({}, signature="sv"))
        result = json.loads(reply)
        self.assertFalse(result["dry_run"])
        self.assertEqual([a["outcome"] for a in result["applied"]], ["ok", "ok"])
        self.assertTrue(result["pass"]["converged"])

        # The simulated kernel changed the tree, as srmctl reads it.
        after = self.simulated_ranges()[0]
        self.assertEqual(after["mode"], "system-ram")
        self.assertEqual(after["dax"][0]["memory"]["zone"], "movable")

        finished = [s for s in signals if s[1] == "ReconcileFinished"]
        self.assertEqual(len(finished), 1, signals)
        number, trigger, converged, steps, failed = finished[0][3]
        self.assertEqual((int(number), str(trigger), bool(converged), int(steps), int(failed)),
                         (result["pass"]["number"], "apply", True, 2, 0))
        changed = [s for s in signals if s[1] == "RangeChanged"]
        self.assertEqual([(str(a[0]), str(a[1]), str(a[2])) for *_, a in changed],
                         [(path, "r40000000", "ok")])
        range_changes = [s for s in signals
                         if s[1] == "PropertiesChanged" and s[2] == path]
        self.assertEqual(len(range_changes), 1, signals)
        interface, values, _ = range_changes[0][3]
        self.assertEqual(interface, RANGE)
        self.assertEqual(values["Mode"], "system-ram")
        self.assertIn("Dax", values)
        manager_changes = [s for s in signals
                           if s[1] == "PropertiesChanged" and s[2] == MANAGER_PATH]
        self.assertTrue(manager_changes)
        self.assertIn("LastReconcile", manager_changes[-1][3][1])
        self.assertEqual(self.range_properties("r40000000")["Mode"], "system-ram")


class ActionFailure(BusTestCase):
    """A step the simulated kernel refuses (EBUSY) is announced and leaves the range degraded."""

    policy = DEVDAX
    daemon_args = ["--inject", "fail:reconfigure-dax:dax0.0:EBUSY", "--retry-s", "3600"]

    def test_a_failed_step_is_announced(self):
        before = tree_contents(self.tree)
        self.write_policy(MOVABLE)
        self.manager.ReloadPolicy({"reconcile": dbus.Boolean(False)})
        reply, signals = self.collect_signals_during("Apply", dbus.Dictionary({}, signature="sv"))
        result = json.loads(reply)
        self.assertEqual(result["pass"]["failed"], 1)
        failed = [s[3] for s in signals if s[1] == "ActionFailed"]
        self.assertEqual(len(failed), 1, signals)
        range_id, action, target, error, message = failed[0]
        self.assertEqual((str(range_id), str(action), str(target), int(error)),
                         ("r40000000", "reconfigure-dax", "dax0.0", errno.EBUSY))
        self.assertTrue(message)
        self.assertEqual(self.manager_property("State"), "degraded")
        self.assertEqual(self.range_properties("r40000000")["Status"], "degraded")
        changed = [s[3] for s in signals if s[1] == "RangeChanged"]
        self.assertEqual([str(a[2]) for a in changed], ["degraded"])
        self.assertEqual(tree_contents(self.tree), before, "the failed step changed nothing")


class ReloadPolicy(BusTestCase):
    def test_a_broken_policy_is_refused_and_the_old_one_stays(self):
        good = [str(f) for f in self.manager_property("PolicyFiles")]
        self.write_policy("version: 1\nrules:\n  - name: bad\n    match: {}\n    mode: sideways\n",
                          name="20-broken.yaml")
        message = self.assertDBusError(ERROR + "PolicyInvalid", self.manager.ReloadPolicy, {})
        broken = os.path.join(self.policy_dir, "20-broken.yaml")
        self.assertRegex(message, rf"{broken}:5:\d+: error: ")
        self.assertIn("last good policy stays", message)
        self.assertEqual([str(f) for f in self.manager_property("PolicyFiles")], good)
        self.assertFalse(self.manager_property("PolicyValid"))
        # The old policy is still the one explained.
        self.assertIn("10-test.yaml", " ".join(self.manager.Explain("r40000000", {})))

        os.unlink(broken)
        self.assertEqual([str(f) for f in self.manager.ReloadPolicy({})], good)
        self.assertTrue(self.manager_property("PolicyValid"))

    def test_a_flood_of_diagnostics_is_cut_short(self):
        # 20000 aliases, an error each: the reply, the log and srmctl check-policy list the
        # first 50 and count the rest.
        good = [str(f) for f in self.manager_property("PolicyFiles")]
        flood = os.path.join(self.policy_dir, "30-aliases.yaml")
        self.write_policy("version: 1\nrules:\n  - &a {name: a, mode: ignore}\n" +
                          "  - *a\n" * 20000, name="30-aliases.yaml")
        note = (f"{flood}: note: and 19951 more not shown (19951 errors, 0 warnings): only the "
                "first 50 diagnostics are listed")
        try:
            message = self.assertDBusError(ERROR + "PolicyInvalid", self.manager.ReloadPolicy, {})
            lines = message.splitlines()
            self.assertEqual(lines[0], "policy refused (20001 errors); the last good policy stays:")
            self.assertEqual(len(lines), 1 + 50 + 1)
            self.assertEqual(lines[1], f"{flood}:3:5: error: anchors (&a) are not supported in "
                             "policy files: write each rule out")
            self.assertEqual(lines[-1], note)
            log = self.read_daemon_log()
            self.assertEqual(len([line for line in log.splitlines() if flood in line]), 51)
            self.assertIn(note, log)

            check = subprocess.run([SRMCTL, "check-policy", "--policy-dir", self.policy_dir],
                                   capture_output=True, text=True)
            self.assertEqual(check.returncode, 1)
            self.assertEqual(check.stderr.splitlines(), lines[1:])
            self.assertEqual(check.stdout, "policy refused: 20001 errors, 0 warnings in 2 files\n")
        finally:
            os.unlink(flood)
        self.assertEqual([str(f) for f in self.manager.ReloadPolicy({})], good)


class LogControl(BusTestCase):
    """org.freedesktop.LogControl1, for systemctl service-log-level: root only."""

    def test_root_sets_the_level_and_nobody_cannot(self):
        control = self.bus.get_object(NAME, "/org/freedesktop/LogControl1")
        props = "org.freedesktop.DBus.Properties"
        iface = "org.freedesktop.LogControl1"
        self.assertEqual(control.Get(iface, "SyslogIdentifier", dbus_interface=props), "srmd")
        control.Set(iface, "LogLevel", "debug", dbus_interface=props)
        self.assertEqual(control.Get(iface, "LogLevel", dbus_interface=props), "debug")
        self.assertDBusError(ERROR + "InvalidArgs", control.Set, iface, "LogLevel", "loud",
                             dbus_interface=props)
        refused = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "busctl",
             f"--address={self.address}", "set-property", NAME, "/org/freedesktop/LogControl1",
             iface, "LogLevel", "s", "err"], capture_output=True, text=True)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("denied", refused.stderr.lower())
        self.assertEqual(control.Get(iface, "LogLevel", dbus_interface=props), "debug")
        control.Set(iface, "LogLevel", "info", dbus_interface=props)


class MalformedArguments(BusTestCase):
    """Each bad call gets a named error and changes nothing."""

    def test_bad_arguments_get_named_errors_and_change_nothing(self):
        before = tree_contents(self.tree)
        passes = self.manager_property("LastReconcile")["number"]
        m = self.manager
        cases = [
            ("InvalidArgs", "Apply", m.Apply, {"full": "yes"}),
            ("InvalidArgs", "Apply", m.Apply, {"ranges": "r40000000"}),
            ("InvalidArgs", "Apply", m.Apply, {"ranges": dbus.Array([], signature="s")}),
            ("InvalidArgs", "Apply", m.Apply, {"bogus": True}),
            ("InvalidArgs", "Reconcile", m.Reconcile, {"full": True}),
            ("InvalidArgs", "GetRanges", m.GetRanges, {"verbose": True}),
            ("InvalidArgs", "ReloadPolicy", m.ReloadPolicy, {"reconcile": "no"}),
            ("InvalidArgs", "SetLogLevel", m.SetLogLevel, "loud", {}),
            ("NoSuchRange", "Apply", m.Apply, {"ranges": ["r40000000", "r1"]}),
            ("NoSuchRange", "GetRange", m.GetRange, "r2", {}),
        ]
        for name, label, call, *args in cases:
            with self.subTest(method=label, args=args):
                self.assertDBusError(ERROR + name, call, *args)
        # A call of the wrong shape is refused by sd-bus itself before srmd sees it.
        self.assertDBusError("org.freedesktop.DBus.Error.InvalidArgs", self.bus.call_blocking,
                             NAME, MANAGER_PATH, MANAGER, "Apply", "s", ["r40000000"])
        self.assertEqual(tree_contents(self.tree), before)
        self.assertEqual(self.manager_property("LastReconcile")["number"], passes)

    def test_apply_on_named_ranges_only(self):
        result = json.loads(self.manager.Apply({"ranges": ["r40000000"], "full": True}))
        self.assertEqual(result["pass"]["trigger"], "apply")
        self.assertTrue(result["pass"]["full_read"])


if __name__ == "__main__":
    unittest.main()
