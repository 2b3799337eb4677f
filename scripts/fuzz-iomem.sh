#!/bin/sh
# Fuzzes the /proc/iomem parser with libFuzzer for SECONDS (default 60), starting from the real
# captures in tests/fixtures. Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings are
# written to build-fuzz/fuzz-iomem-artifacts/; the corpus grows in build-fuzz/fuzz-iomem-corpus/.
#
#   scripts/fuzz-iomem.sh [SECONDS]
set -eu
. "$(dirname "$0")/fuzz-common.sh"

fuzz_setup iomem "$@"
for iomem in "$source_dir"/tests/fixtures/*/*/proc/iomem; do
    tree_dir=${iomem%/proc/iomem}
    tree=${tree_dir##*/}
    kernel_dir=${tree_dir%/*}
    cp "$iomem" "$corpus/seed-${kernel_dir##*/}-$tree"
done

fuzz_run iomem -max_len=16384 -dict="$source_dir/tests/fuzz/iomem.dict"
