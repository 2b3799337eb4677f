#!/usr/bin/env bash
# The main job: install what is missing, build srmctl, and show what srmd makes of the example
# machines shipped in tests/fixtures (a real capture from a 6.1 kernel and the constructed cases).
# Until the daemon exists this is, for each of them, `srmctl simulate` against the vendor policy
# and then `srmctl simulate --apply`: the plan carried out by the simulated kernel.
# Usage (as root on Debian bookworm): scripts/demo.sh [--json]
# BUILD_DIR overrides the build directory (default build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

json=()
for arg in "$@"; do
    case $arg in
    --json) json=(--json) ;;
    -h | --help)
        sed -n '2,7s/^# \{0,1\}//p' "$0"
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
if ! ninja -C "$build_dir" cli/srmctl >"$log" 2>&1; then
    cat "$log" >&2
    echo "demo: build failed" >&2
    exit 1
fi
rm -f "$log"
srmctl=$build_dir/cli/srmctl

trees=(tests/fixtures/kernel-6.1/both)
for tree in tests/fixtures/constructed/*/; do
    [ -d "$tree/sys" ] || [ -d "$tree/proc" ] || continue
    trees+=("${tree%/}")
done

# A heading says which machine follows. With --json it goes to stderr so that stdout is a stream of
# JSON documents (jq reads them one after another).
heading() {
    if [ ${#json[@]} -gt 0 ]; then
        echo "$1" >&2
    else
        echo "$1"
    fi
}

status=0
first=1
for tree in "${trees[@]}"; do
    if [ -f "$tree/DESCRIPTION" ]; then
        description=$(head -n 1 "$tree/DESCRIPTION")
    elif [ -f "$(dirname "$tree")/README.md" ]; then
        description="$(basename "$tree") (described in $(dirname "$tree")/README.md)"
    else
        description=$(basename "$tree")
    fi
    [ $first -eq 1 ] || heading ""
    first=0
    heading "== $tree"
    heading "   $description"
    # What srmd sees and what the vendor policy wants of it...
    heading "-- as found, against the vendor policy (policy/vendor):"
    if ! "$srmctl" simulate --root "$tree" --policy-dir policy/vendor "${json[@]}"; then
        echo "demo: srmctl simulate failed on $tree" >&2
        status=1
    fi
    # ...then what it would do: the plan carried out by the simulated kernel on a private copy
    # of the tree (the tree itself is never changed). Exit status 1 means a range was left
    # degraded, which the output explains; it is part of the demonstration, not a failure.
    heading "-- after srmd's plan, applied through the simulated kernel:"
    "$srmctl" simulate --root "$tree" --policy-dir policy/vendor --apply "${json[@]}" || true
done
exit $status
