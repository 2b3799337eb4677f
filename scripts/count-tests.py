#!/usr/bin/env python3
"""Counts individual test cases in a meson testlog.json; prints "<lane> <passed> <failed>".

Usage: count-tests.py LANE TESTLOG_JSON [MESON_TEST_EXIT_STATUS]

A GoogleTest executable counts as its cases, read from its output: "[       OK ]" and
"[  FAILED  ]" lines that end a case. A case that started but never ended (the process crashed
or was killed by a sanitizer) is a failure, and so is a test that meson failed although every
case it printed passed (a leak found at exit, a timeout). Any other test counts as one case.
"""

import json
import re
import sys

CASE_END = re.compile(r"^\[\s+(OK|FAILED|SKIPPED)\s+\] ([^\s,]+)(?:,.*)? \(\d+ ms\)$")
CASE_START = re.compile(r"^\[ RUN\s+\] (\S+)$")
MESON_PASS = {"OK", "EXPECTEDFAIL"}
MESON_SKIP = {"SKIP"}


def count(entry):
    started = set()
    ended = {}
    for line in (entry.get("stdout") or "").splitlines():
        start = CASE_START.match(line)
        if start:
            started.add(start.group(1))
            continue
        end = CASE_END.match(line)
        if end:
            ended[end.group(2)] = end.group(1)
    result = entry.get("result", "")
    if not started:
        if result in MESON_PASS:
            return 1, 0
        if result in MESON_SKIP:
            return 0, 0
        return 0, 1
    passed = sum(1 for r in ended.values() if r == "OK")
    failed = sum(1 for r in ended.values() if r == "FAILED")
    failed += len(started - set(ended))
    if failed == 0 and result not in MESON_PASS | MESON_SKIP:
        failed = 1
    return passed, failed


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.splitlines()[2])
    lane, path = sys.argv[1], sys.argv[2]
    passed = failed = 0
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                sys.exit(f"{path}:{number}: not JSON: {error}")
            p, f = count(entry)
            passed += p
            failed += f
    # meson test failed but no entry says why (a test that could not be started): count it.
    if len(sys.argv) == 4 and sys.argv[3] != "0" and failed == 0:
        failed = 1
    print(lane, passed, failed)


if __name__ == "__main__":
    main()
