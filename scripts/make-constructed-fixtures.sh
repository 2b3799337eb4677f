#!/usr/bin/env bash
# Regenerates tests/fixtures/constructed/<scenario>/ with srmd-mkmachine (bench/mkmachine.cpp).
# The trees model what no VM here produces; each one's DESCRIPTION says what and from which source.
# Usage: scripts/make-constructed-fixtures.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build" bench/srmd-mkmachine
mkmachine=$build/bench/srmd-mkmachine
out=tests/fixtures/constructed
mkdir -p "$out"
for scenario in $("$mkmachine" --list); do
    [ "$scenario" = synthetic ] && continue
    rm -rf "${out:?}/$scenario"
    "$mkmachine" "$scenario" "$out/$scenario"
    # git keeps no empty directories; a tree that needs one would not survive a commit.
    if [ -n "$(find "$out/$scenario" -type d -empty)" ]; then
        echo "$out/$scenario: empty directories would be lost in git:" >&2
        find "$out/$scenario" -type d -empty >&2
        exit 1
    fi
    echo "$out/$scenario: $(find "$out/$scenario" -type f | wc -l) files, $(find "$out/$scenario" -type l | wc -l) links"
done
