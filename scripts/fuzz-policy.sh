#!/bin/sh
# Fuzzes the policy loader with libFuzzer for SECONDS (default 60), starting from the vendor
# policy and the examples. Builds with clang in build-fuzz (ASan+UBSan+libFuzzer). Findings are
# written to build-fuzz/fuzz-policy-artifacts/; the corpus grows in build-fuzz/fuzz-policy-corpus/.
#
#   scripts/fuzz-policy.sh [SECONDS]
set -eu
. "$(dirname "$0")/fuzz-common.sh"

fuzz_setup policy "$@"
for policy in "$source_dir"/policy/vendor/*.yaml "$source_dir"/policy/examples/*.yaml; do
    cp "$policy" "$corpus/seed-${policy##*/}"
done

fuzz_run policy -max_len=8192 -dict="$source_dir/tests/fuzz/policy.dict"
