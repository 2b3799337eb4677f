#!/usr/bin/env bash
# The event-storm benchmark (bench/storm-bench.py): srmd on the large synthetic machine while
# 32768 memory blocks are hot-added and onlined from outside.
#
# Usage: bench/run-storm.sh [BUILD_DIR]   (default build-bench, an -O2 build: GCC 12 at -O3 warns falsely in libstdc++)
# IDLE_SECONDS sets how long the idle wakeups are counted (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
. bench/common.sh
bench_build "$build" srmd bench/srmd-mkmachine bench/srmd-sim-write
work=$(bench_workdir srmd-storm)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/storm-bench.py "$build/srmd" "$build/bench/srmd-sim-write" \
    "$build/bench/srmd-mkmachine" "$work" --idle-seconds "${IDLE_SECONDS:-30}"
