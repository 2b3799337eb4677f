#!/bin/sh
# Fuzzes the policy loader with libFuzzer for SECONDS (default 60), starting from the vendor
# policy and the examples. Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings are
# written to build-fuzz/fuzz-policy-artifacts/; the corpus grows in build-fuzz/fuzz-policy-corpus/.
#
#   scripts/fuzz-policy.sh [SECONDS]
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
ninja -C "$build_dir" tests/fuzz/fuzz-policy

corpus=$build_dir/fuzz-policy-corpus
artifacts=$build_dir/fuzz-policy-artifacts
mkdir -p "$corpus" "$artifacts"
for policy in "$source_dir"/policy/vendor/*.yaml "$source_dir"/policy/examples/*.yaml; do
    cp "$policy" "$corpus/seed-${policy##*/}"
done

exec "$build_dir/tests/fuzz/fuzz-policy" \
    -max_total_time="$seconds" \
    -max_len=8192 \
    -timeout=10 \
    -print_final_stats=1 \
    -dict="$source_dir/tests/fuzz/policy.dict" \
    -artifact_prefix="$artifacts/" \
    "$corpus"
