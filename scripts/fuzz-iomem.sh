#!/bin/sh
# Fuzzes the /proc/iomem parser with libFuzzer for SECONDS (default 60), starting from the real
# captures in tests/fixtures. Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings are
# written to build-fuzz/fuzz-iomem-artifacts/; the corpus grows in build-fuzz/fuzz-iomem-corpus/.
#
#   scripts/fuzz-iomem.sh [SECONDS]
set -eu

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$source_dir/build-fuzz

if [ ! -f "$build_dir/build.ninja" ]; then
    CC=clang CXX=clang++ meson setup "$build_dir" "$source_dir" -Dfuzz=true
else
    meson configure "$build_dir" -Dfuzz=true
fi
# Only the fuzz target: the rest of the project is built and tested by the usual commands.
ninja -C "$build_dir" tests/fuzz/fuzz-iomem

corpus=$build_dir/fuzz-iomem-corpus
artifacts=$build_dir/fuzz-iomem-artifacts
mkdir -p "$corpus" "$artifacts"
for iomem in "$source_dir"/tests/fixtures/*/*/proc/iomem; do
    tree_dir=${iomem%/proc/iomem}
    tree=${tree_dir##*/}
    kernel_dir=${tree_dir%/*}
    cp "$iomem" "$corpus/seed-${kernel_dir##*/}-$tree"
done

exec "$build_dir/tests/fuzz/fuzz-iomem" \
    -max_total_time="$seconds" \
    -max_len=16384 \
    -timeout=10 \
    -print_final_stats=1 \
    -dict="$source_dir/tests/fuzz/iomem.dict" \
    -artifact_prefix="$artifacts/" \
    "$corpus"
