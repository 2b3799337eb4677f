#!/bin/sh
# Fuzzes the state file reader (state_from_text, the path load_state takes, and the JSON reader and
# writer under it) with libFuzzer for SECONDS (default 60), starting from the state files in
# tests/fuzz/state-corpus/. Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings are
# written to build-fuzz/fuzz-state-artifacts/; the corpus grows in build-fuzz/fuzz-state-corpus/.
#
#   scripts/fuzz-state.sh [SECONDS]
set -eu
. "$(dirname "$0")/fuzz-common.sh"

fuzz_setup state "$@"
for state in "$source_dir"/tests/fuzz/state-corpus/*.json; do
    cp "$state" "$corpus/seed-${state##*/}"
done

fuzz_run state -max_len=8192 -dict="$source_dir/tests/fuzz/state.dict"
