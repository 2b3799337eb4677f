#!/usr/bin/env bash
# Every test: install what is missing, then run each lane (a build and its tests) and print the
# total of individual test cases across all lanes as the last line: "N passed, N failed".
# Exits non-zero when anything failed, a build included.
# Usage (as root on Debian bookworm): scripts/test.sh
# BUILD_DIR and ASAN_BUILD_DIR override the build directories (default build/ and build-asan/).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

build_dir=${BUILD_DIR:-build}
asan_build_dir=${ASAN_BUILD_DIR:-${BUILD_DIR:+$BUILD_DIR-asan}}
asan_build_dir=${asan_build_dir:-build-asan}

# Undefined behaviour and memory errors end the test that hit them, with a stack.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

# The lanes, in order. Each is a function below that builds, tests, and appends a line
# "<lane> <passed> <failed>" to $results. Later lanes (VM, integration) are added here.
# SRMD_LANES="normal asan" runs only those lanes.
LANES=(lane_layers lane_normal lane_install lane_deb lane_asan lane_fuzz lane_vm)
if [ -n "${SRMD_LANES:-}" ]; then
    read -ra LANES <<<"$(sed 's/\([a-z]\+\)/lane_\1/g' <<<"$SRMD_LANES")"
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# Configures DIR with OPTIONS unless it already is; the options are remembered in the build
# directory so that a change of options reconfigures instead of silently testing the old ones.
configure() {
    local dir=$1
    shift
    local wanted="$*"
    local stamp="$dir/srmd-test-options"
    if [ -f "$dir/build.ninja" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    local setup=(meson setup "$dir" "$@")
    [ -d "$dir/meson-private" ] && setup+=(--reconfigure)
    if ! "${setup[@]}" >"$dir.log" 2>&1; then
        cat "$dir.log" >&2
        return 1
    fi
    rm -f "$dir.log"
    echo "$wanted" >"$stamp"
}

build() {
    local dir=$1
    if ! ninja -C "$dir" >"$dir.log" 2>&1; then
        cat "$dir.log" >&2
        return 1
    fi
    rm -f "$dir.log"
}

# Builds DIR with OPTIONS, runs `meson test`, and counts its test cases.
meson_lane() {
    local name=$1 dir=$2
    shift 2
    echo "== $name ($dir)"
    if ! configure "$dir" "$@" || ! build "$dir"; then
        echo "$name: build failed" >&2
        echo "$name 0 1" >>"$results"
        return
    fi
    # A stale log from an earlier run must not be counted.
    rm -f "$dir/meson-logs/testlog.json"
    # --no-rebuild: the build above is the one to test, and its errors were already shown.
    meson test -C "$dir" --no-rebuild --print-errorlogs </dev/null
    local rc=$?
    if [ ! -f "$dir/meson-logs/testlog.json" ]; then
        echo "$name 0 1" >>"$results"
        return
    fi
    python3 scripts/count-tests.py "$name" "$dir/meson-logs/testlog.json" "$rc" >>"$results"
}

# Compile time is most of CI's time on two cores. Debug information doubles it and optimising an
# ASan build doubles it again, so the normal lane is -O2 without -g (the optimiser's warnings
# still count; GCC 12 warns falsely at -O1) and the ASan+UBSan lane is -O0 with line tables only (stacks still name lines).
lane_normal() { meson_lane normal "$build_dir" -Dprefix=/usr -Doptimization=2 -Ddebug=false; }
lane_asan() {
    meson_lane asan "$asan_build_dir" -Db_sanitize=address,undefined -Db_lundef=false \
        -Doptimization=0 -Ddebug=false -Dcpp_args=-g1
}

# The layer rule: no include from a later stage into an earlier one (scripts/check-layers.sh).
lane_layers() {
    echo "== layers"
    if bash scripts/check-layers.sh; then
        echo "layers 1 0" >>"$results"
    else
        echo "layers 0 1" >>"$results"
    fi
}

# Every libFuzzer target (tests/fuzz/fuzz-NAME.cpp, run by scripts/fuzz-NAME.sh) built with clang
# and run for a few seconds from its seed corpus: a smoke run that proves it builds and that the
# seeds are clean. Long runs are the scripts' job (scripts/fuzz-NAME.sh SECONDS).
lane_fuzz() {
    echo "== fuzz (build-fuzz)"
    local target name passed=0 failed=0
    for target in tests/fuzz/fuzz-*.cpp; do
        name=$(basename "$target" .cpp)
        if [ ! -f "scripts/$name.sh" ]; then
            echo "$name: no scripts/$name.sh" >&2
            failed=$((failed + 1))
            continue
        fi
        if sh "scripts/$name.sh" "${FUZZ_SECONDS:-10}" >"build-fuzz-$name.log" 2>&1; then
            echo "$name: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "build-fuzz-$name.log")"
            passed=$((passed + 1))
            rm -f "build-fuzz-$name.log"
        else
            tail -n 40 "build-fuzz-$name.log" >&2
            echo "$name: failed (build-fuzz-$name.log)" >&2
            failed=$((failed + 1))
        fi
    done
    echo "fuzz $passed $failed" >>"$results"
}

# `meson install` of the normal build into a scratch DESTDIR: every file where Debian expects it.
lane_install() {
    echo "== install ($build_dir)"
    local out
    out=$(bash scripts/check-install.sh "$build_dir")
    echo "$out"
    echo "install $(grep -c '^ok ' <<<"$out") $(grep -vc '^ok ' <<<"$out")" >>"$results"
}

# The Debian package, built from a clean copy of the sources (scripts/build-deb.sh): the build,
# then lintian with no error. The systemd lane of tests/vm/ installs this .deb.
lane_deb() {
    echo "== deb (build-deb)"
    if bash scripts/build-deb.sh build-deb; then
        echo "deb 1 0" >>"$results"
    else
        echo "deb 0 1" >>"$results"
    fi
}

# The real kernel in QEMU (tests/vm/run), with the normal build's srmd and srmctl. Its last line
# is "N passed, N failed".
lane_vm() {
    echo "== vm (tests/vm/run)"
    # tee into a file of our own: `tee /dev/stderr` would reopen (and truncate) a log that
    # stderr is redirected to.
    local log out
    log=$(mktemp)
    BUILD_DIR="$build_dir" tests/vm/run 2>&1 | tee "$log"
    out=$(tail -n 1 "$log")
    rm -f "$log"
    if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        echo "vm ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" >>"$results"
    else
        echo "vm 0 1" >>"$results"
    fi
}

bash scripts/install-deps.sh || exit 1

for lane in "${LANES[@]}"; do
    "$lane"
done

echo
passed=0
failed=0
while read -r name p f; do
    echo "$name: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
done <"$results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
