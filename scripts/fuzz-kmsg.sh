#!/bin/sh
# Fuzzes the kernel log reader (/dev/kmsg records and the patterns for the kernel's lines) with
# libFuzzer for SECONDS (default 60), starting from the logs the captured trees keep
# (tests/fixtures/*/*/dev/kmsg). Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings
# are written to build-fuzz/fuzz-kmsg-artifacts/; the corpus grows in build-fuzz/fuzz-kmsg-corpus/.
#
#   scripts/fuzz-kmsg.sh [SECONDS]
set -eu
. "$(dirname "$0")/fuzz-common.sh"

fuzz_setup kmsg "$@"
for kmsg in "$source_dir"/tests/fixtures/*/*/dev/kmsg; do
    [ -f "$kmsg" ] || continue
    tree_dir=${kmsg%/dev/kmsg}
    tree=${tree_dir##*/}
    kernel_dir=${tree_dir%/*}
    cp "$kmsg" "$corpus/seed-${kernel_dir##*/}-$tree"
done

fuzz_run kmsg -max_len=8192
