#!/usr/bin/env bash
# The incremental snapshot benchmark: builds srmd (optimised), writes the large synthetic machine
# (16 windows, 64 ram regions, 64 kmem dax devices, 32768 memory blocks, a NUMA node per window)
# and prints what a full snapshot reads beside what a pass after events reads: one memory block
# offlined, one dax device reconfigured to devdax (its 512 blocks), and a storm naming every block.
# Issue 5's target: a steady-state pass reads at most 5% of what a full snapshot does.
#
# Usage: bench/run-refresh.sh [BUILD_DIR]     (default build-bench, an -O2 build: GCC 12 at -O3 warns falsely in libstdc++)
# TMPDIR chooses where the tree goes (default /dev/shm: it is 400 000 small files). RUNS sets the
# runs per figure (default 5; times are medians).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
runs=${RUNS:-5}

. bench/common.sh
bench_build "$build" bench/srmd-mkmachine bench/srmd-bench-refresh

work=$(bench_workdir srmd-refresh)
trap 'rm -rf "$work"' EXIT

echo "writing the synthetic machine into $work/tree ..." >&2
"$build/bench/srmd-mkmachine" synthetic "$work/tree"
echo "running srmd-bench-refresh (it changes the tree through the simulated kernel) ..." >&2
"$build/bench/srmd-bench-refresh" "$work/tree" --runs "$runs" > "$work/out"

field() { sed -n "s/^$1: //p" "$work/out"; }
# "files F dirs D total T (P% of full; files Q%) time S s" -> one table row.
row() {
    local name=$1 line
    line=$(field "$2")
    echo "$line" | awk -v name="$name" '{
        pct = $7; sub(/^\(/, "", pct)
        printf "%-44s %9s %7s %9s %10s %10s\n", name, $2, $4, $6, pct, $(NF - 1)
    }'
}

echo
echo "synthetic machine: $(field machine); host $(uname -r), $(nproc) CPUs; trees on" \
    "$(df --output=fstype "$base" | tail -1); $runs runs, median times"
echo
printf "%-44s %9s %7s %9s %10s %10s\n" "" "files" "dirs" "total" "% of full" "time (s)"
row "full read_snapshot" full
row "refresh: one block offlined" one_block
dax=$(field dax_reconfigured)
row "refresh: ${dax%%,*} to devdax (${dax#*, })" dax_device
row "refresh: storm over $(field storm_blocks) blocks" storm
echo
echo "each refresh equal to a full read: one block $(field one_block_matches_full_read)," \
    "dax device $(field dax_device_matches_full_read), storm $(field storm_matches_full_read)"
