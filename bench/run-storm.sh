#!/usr/bin/env bash
# The event-storm benchmark (bench/storm-bench.py): srmd on the large synthetic machine while
# 32768 memory blocks are hot-added and onlined from outside.
#
# Usage: bench/run-storm.sh [BUILD_DIR]   (default build-bench, a release build)
# IDLE_SECONDS sets how long the idle wakeups are counted (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" -Dbuildtype=release -Dtests=false >/dev/null
fi
ninja -C "$build" srmd bench/srmd-mkmachine bench/srmd-sim-write >/dev/null
base=${TMPDIR:-/dev/shm}
[ -d "$base" ] || base=/tmp
work=$(mktemp -d "$base/srmd-storm.XXXXXX")
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/storm-bench.py "$build/srmd" "$build/bench/srmd-sim-write" \
    "$build/bench/srmd-mkmachine" "$work" --idle-seconds "${IDLE_SECONDS:-30}"
