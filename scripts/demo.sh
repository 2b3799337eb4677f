#!/usr/bin/env bash
# The main job: install what is missing, build srmd and srmctl, and run the daemon on the example
# machines shipped in tests/fixtures (a real capture from a 6.1 kernel and the constructed cases).
# For each machine: what srmd finds, the daemon taking a copy of it from its boot state to the
# vendor policy through the simulated kernel (its log says what it decides and does, and why),
# and what the machine looks like afterwards. Then one machine live: srmd running, someone takes
# memory offline behind its back, and srmd puts it back.
# Usage (as root on Debian bookworm): scripts/demo.sh [--json]
# BUILD_DIR overrides the build directory (default build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

json=()
for arg in "$@"; do
    case $arg in
    --json) json=(--json) ;;
    -h | --help)
        sed -n '2,9s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *)
        echo "demo: unknown argument '$arg' (try --help)" >&2
        exit 2
        ;;
    esac
done

build_dir=${BUILD_DIR:-build}

bash scripts/install-deps.sh

log="$build_dir.log"
if [ ! -f "$build_dir/build.ninja" ]; then
    echo "demo: configuring $build_dir" >&2
    # --reconfigure keeps a rerun over a half-made directory from failing.
    setup=(meson setup "$build_dir")
    [ -d "$build_dir/meson-private" ] && setup+=(--reconfigure)
    if ! "${setup[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        echo "demo: meson setup failed" >&2
        exit 1
    fi
fi
# ninja re-runs meson by itself when a meson.build changed.
if ! ninja -C "$build_dir" srmd cli/srmctl bench/srmd-sim-write >"$log" 2>&1; then
    cat "$log" >&2
    echo "demo: build failed" >&2
    exit 1
fi
rm -f "$log"
srmd=$build_dir/srmd
srmctl=$build_dir/cli/srmctl
sim_write=$build_dir/bench/srmd-sim-write

work=$(mktemp -d "${TMPDIR:-/tmp}/srmd-demo.XXXXXX")
daemon_pid=
cleanup() {
    [ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A writable copy: the daemon changes the tree it runs on, and the fixtures stay as they are.
copy_tree() {
    rm -rf "$2"
    cp -a "$1" "$2"
    chmod -R u+w "$2"
}

# With --json the headings go to stderr, so that stdout is a stream of JSON documents.
heading() {
    if [ ${#json[@]} -gt 0 ]; then
        echo "$1" >&2
    else
        echo "$1"
    fi
}

daemon_args=(--policy-dir policy/vendor --bus none --log-target console --quiet-ms 100)

trees=(tests/fixtures/kernel-6.1/both)
for tree in tests/fixtures/constructed/*/; do
    [ -d "$tree/sys" ] || [ -d "$tree/proc" ] || continue
    trees+=("${tree%/}")
done

status=0
first=1
for tree in "${trees[@]}"; do
    if [ -f "$tree/DESCRIPTION" ]; then
        description=$(head -n 1 "$tree/DESCRIPTION")
    else
        description="$(basename "$tree") (described in $(dirname "$tree")/README.md)"
    fi
    copy=$work/$(basename "$tree")
    copy_tree "$tree" "$copy"
    [ $first -eq 1 ] || heading ""
    first=0
    heading "== $tree"
    heading "   $description"
    heading "-- as found, against the vendor policy (policy/vendor):"
    "$srmctl" simulate --root "$copy" --policy-dir policy/vendor "${json[@]}" ||
        { echo "demo: srmctl simulate failed on $tree" >&2; status=1; }
    # The daemon, from coldplug until nothing is left to do. Exit status 2 means the machine did
    # not converge (a rule asks for what srmd may not do, which the log explains): part of the
    # demonstration, not a failure.
    heading "-- srmd --root $copy --until-converged:"
    rc=0
    metrics=$work/metrics-$(basename "$tree")
    mkdir -p "$metrics"
    "$srmd" --root "$copy" "${daemon_args[@]}" --state-dir "$work/state-$(basename "$tree")" \
        --metrics-file "$metrics/srmd.prom" --until-converged 2>&1 | sed 's/^/   /' || rc=$?
    [ "$rc" -le 2 ] || { echo "demo: srmd failed on $tree" >&2; status=1; }
    # What node_exporter's textfile collector would serve (srmd(8), METRICS): the per-range
    # series here; the file also has the pass's figures and the totals.
    if [ ${#json[@]} -eq 0 ]; then
        heading "-- the metrics file for node_exporter, per range:"
        grep -E '^srmd_range_(online_bytes|converged)' "$metrics/srmd.prom" | sed 's/^/   /' ||
            true
    fi
    heading "-- afterwards:"
    "$srmctl" simulate --root "$copy" --policy-dir policy/vendor "${json[@]}" ||
        { echo "demo: srmctl simulate failed on $tree" >&2; status=1; }
done

# One range in full, as `srmctl show` prints it: with the Performance block, what the kernel
# knows about how fast the range is and where it sits (HMAT and CDAT figures, QoS classes, the
# memory tier of its node).
heading ""
heading "== srmctl show r2080000000 --root $work/two-windows-kmem (one range, with its performance)"
show=("$srmctl" show r2080000000 --root "$work/two-windows-kmem" --policy-dir policy/vendor)
if [ ${#json[@]} -gt 0 ]; then
    "${show[@]}" --json || { echo "demo: srmctl show failed" >&2; status=1; }
elif shown=$("${show[@]}"); then
    echo "$shown" | sed 's/^./   &/'
else
    echo "demo: srmctl show failed" >&2
    status=1
fi

# Live: the daemon keeps watching. Someone offlines a memory block behind its back; the kernel's
# event reaches srmd, which logs the change it did not make, keeps its hands off the range for a
# few seconds (whoever acts on it is not raced), then brings the block back online as the policy
# wants.
live=$work/live
copy_tree tests/fixtures/constructed/two-windows-kmem "$live"
heading ""
heading "== live: srmd watching tests/fixtures/constructed/two-windows-kmem"
"$srmd" --root "$live" "${daemon_args[@]}" --state-dir "$work/state-live" \
    > >(sed -u 's/^/   /') 2>&1 &
daemon_pid=$!
sleep 1
block=/sys/devices/system/memory/memory73/state
heading "-- someone writes 'offline' to $block"
"$sim_write" "$live" "$block" offline
for _ in $(seq 100); do
    [ "$(cat "$live$block")" = online ] && break
    sleep 0.1
done
heading "-- $block is now: $(cat "$live$block")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
exit $status
