#!/bin/sh
# Fuzzes RootReader and quote_value with libFuzzer for SECONDS (default 60): the quoting of read
# values, attributes of fuzzed content and length read through the bounded reader, and fuzzed paths
# resolved inside a tree of hostile symlinks by openat2 and by the walk that replaces it on old
# kernels (tests/fuzz/fuzz-reader.cpp). Builds with clang in build-fuzz (ASan+UBSan+libFuzzer).
# Findings are written to build-fuzz/fuzz-reader-artifacts/; the corpus grows in
# build-fuzz/fuzz-reader-corpus/. The target writes its trees in /dev/shm.
#
#   scripts/fuzz-reader.sh [SECONDS]
set -eu
. "$(dirname "$0")/fuzz-common.sh"

fuzz_setup reader "$@"
# Seeds: the first byte picks the check (0 quoting, 1 reading, 2 paths); see fuzz-reader.cpp.
n=0
for attr in "$source_dir"/tests/fixtures/kernel-6.1/*/sys/devices/system/memory/block_size_bytes \
    "$source_dir"/tests/fixtures/kernel-6.1/*/sys/bus/dax/devices/dax0.0/target_node \
    "$source_dir"/tests/fixtures/kernel-6.1/*/proc/iomem; do
    [ -f "$attr" ] || continue
    n=$((n + 1))
    { printf '\000\310'; cat "$attr"; } > "$corpus/seed-quote-$n"
    { printf '\001\000\000'; cat "$attr"; } > "$corpus/seed-read-$n"
done
printf '\033\001\033[2J\033]0;title\007\377\200' > "$corpus/seed-quote-escapes"
for path in inside/file abs up sys/a/b/up sys/a/b/in/file sys/a/out/secret chain loop dangling \
    rootlink/inside/file ../secret dirlink/ sys/a/b/../../../inside/file; do
    n=$((n + 1))
    printf '\002\001%s' "$path" > "$corpus/seed-path-$n"
done

fuzz_run reader -max_len=8192
