#!/bin/sh
# Fuzzes the state file reader (state_from_text, the path load_state takes, and the JSON reader and
# writer under it) with libFuzzer for SECONDS (default 60), starting from the state files in
# tests/fuzz/state-corpus/. Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings are
# written to build-fuzz/fuzz-state-artifacts/; the corpus grows in build-fuzz/fuzz-state-corpus/.
#
#   scripts/fuzz-state.sh [SECONDS]
set -eu

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build-fuzz}

if [ ! -f "$build_dir/build.ninja" ]; then
    CC=clang CXX=clang++ meson setup "$build_dir" "$source_dir" -Dfuzz=true
else
    meson configure "$build_dir" -Dfuzz=true
fi
ninja -C "$build_dir" tests/fuzz/fuzz-state

corpus=$build_dir/fuzz-state-corpus
artifacts=$build_dir/fuzz-state-artifacts
mkdir -p "$corpus" "$artifacts"
for state in "$source_dir"/tests/fuzz/state-corpus/*.json; do
    cp "$state" "$corpus/seed-${state##*/}"
done

exec "$build_dir/tests/fuzz/fuzz-state" \
    -max_total_time="$seconds" \
    -max_len=8192 \
    -timeout=10 \
    -print_final_stats=1 \
    -dict="$source_dir/tests/fuzz/state.dict" \
    -artifact_prefix="$artifacts/" \
    "$corpus"
