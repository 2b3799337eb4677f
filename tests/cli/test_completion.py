#!/usr/bin/python3
"""srmctl's bash completion (cli/completion/srmctl.bash), sourced into a real bash: what COMPREPLY
holds for a few command lines, range ids from the daemon (a stand-in srmctl answering
`ranges --json`, and one that does not answer), and that every option each command's --help names
is offered, so that the completion cannot fall behind srmctl.

Environment (tests/meson.build): SRMCTL, SRMD_COMPLETION."""

import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

SRMCTL = os.environ.get("SRMCTL", "build/cli/srmctl")
SCRIPT = os.environ.get("SRMD_COMPLETION", "cli/completion/srmctl.bash")

# What a daemon answers to `srmctl ranges --json`, cut down to what matters: two ranges (their dax
# devices and problems have no "id" that looks like a range's).
RANGES_JSON = ('[{"id": "r2080000000", "start": 139586437120, "dax": [{"device": "dax0.0"}], '
               '"problems": [{"code": "x"}]}, {"id": "r2480000000", "start": 156766306304}]')


class Completion(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="srmd-completion-")
        self.calls = os.path.join(self.dir, "calls")
        self.stub_dir = os.path.join(self.dir, "stub")
        os.mkdir(self.stub_dir)
        stub = os.path.join(self.stub_dir, "srmctl")
        with open(stub, "w") as f:
            f.write("#!/bin/sh\necho \"$*\" >> %s\n" % self.calls +
                    "case \"$*\" in *'ranges --json'*) echo '%s' ;; *) exit 3 ;; esac\n"
                    % RANGES_JSON)
        os.chmod(stub, os.stat(stub).st_mode | stat.S_IXUSR)
        self.real_dir = os.path.join(self.dir, "real")
        os.mkdir(self.real_dir)
        os.symlink(os.path.abspath(SRMCTL), os.path.join(self.real_dir, "srmctl"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def complete(self, line, srmctl_dir=None, cwd=None):
        """COMPREPLY for `line`, the cursor at its end (a trailing space starts a new word)."""
        words = line.split()
        if line.endswith(" "):
            words.append("")
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                  '_srmctl; printf "%s\\n" "${COMPREPLY[@]}"')
        env = dict(os.environ, PATH=(srmctl_dir or self.stub_dir) + ":/usr/bin:/bin")
        run = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", SCRIPT] +
                             words, capture_output=True, text=True, env=env, cwd=cwd, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stderr, "")
        return sorted(w for w in run.stdout.split("\n") if w)

    def test_commands(self):
        self.assertEqual(self.complete("srmctl re"), ["reconcile", "reload"])
        self.assertIn("monitor", self.complete("srmctl "))
        self.assertEqual(self.complete("srmctl --json st"), ["status"])
        self.assertEqual(self.complete("srmctl --address unix:path=/x ra"), ["ranges"])

    def test_options_and_values(self):
        self.assertEqual(self.complete("srmctl monitor --c"), ["--count"])
        self.assertEqual(self.complete("srmctl apply --r"), ["--range"])
        self.assertEqual(self.complete("srmctl log-level "),
                         ["debug", "err", "info", "notice", "warning"])
        self.assertEqual(self.complete("srmctl log-level w"), ["warning"])
        self.assertEqual(self.complete("srmctl log-level info "), [])
        os.mkdir(os.path.join(self.dir, "tree"))
        self.assertEqual(self.complete("srmctl simulate --root tr", cwd=self.dir), ["tree"])

    def test_range_ids_come_from_the_daemon(self):
        self.assertEqual(self.complete("srmctl show "), ["r2080000000", "r2480000000"])
        self.assertEqual(self.complete("srmctl show r24"), ["r2480000000"])
        self.assertEqual(self.complete("srmctl apply --range r20"), ["r2080000000"])
        self.assertEqual(self.complete("srmctl explain "), ["r2080000000", "r2480000000"])
        # Only one id per show.
        self.assertEqual(self.complete("srmctl show r2080000000 "), [])
        # The bus the command line names is the one asked.
        self.complete("srmctl --address unix:path=/run/other show ")
        with open(self.calls) as f:
            self.assertIn("--address unix:path=/run/other ranges --json", f.read())

    def test_no_daemon_means_no_ids_and_no_noise(self):
        # The real srmctl on a bus where nobody answers: exit 3, nothing offered, nothing printed.
        self.assertEqual(self.complete("srmctl --address unix:path=/nonexistent show ",
                                       srmctl_dir=self.real_dir), [])

    def test_every_option_of_every_command_is_offered(self):
        commands = ["status", "ranges", "show", "plan", "explain", "apply", "reconcile", "reload",
                    "log-level", "monitor", "simulate", "capture", "check-policy"]
        self.assertEqual(sorted(commands + ["help"]), self.complete("srmctl "))
        for command in commands:
            run = subprocess.run([SRMCTL, command, "--help"], capture_output=True, text=True)
            usage = run.stdout + run.stderr
            # The options of its usage line and of its option list (not those its prose names).
            listed = "\n".join(line for line in usage.splitlines()
                               if line.lower().startswith("usage:") or re.match(r"\s+--", line))
            options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", listed))
            self.assertTrue(options, command)
            offered = set(self.complete("srmctl %s --" % command))
            self.assertLessEqual(options, offered | {"--help"}, command)


if __name__ == "__main__":
    unittest.main()
