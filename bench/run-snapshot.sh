#!/usr/bin/env bash
# The snapshot benchmark: builds srmd (optimised), writes the large synthetic machine (16 windows,
# 64 ram regions, 64 kmem dax devices, 32768 memory blocks) twice, once with a NUMA node per window
# and once with everything on one node, and prints, for each, srmd's snapshot and ownership time,
# files opened and peak memory, a single plain pass over the same files, and what `cxl list -RD`
# and `daxctl list -RDM` take on the same tree (run as root: the tree is bind-mounted over /sys in a
# private mount namespace by bench/with-fake-sys.sh; without root those two rows say "skipped").
#
# Usage: bench/run-snapshot.sh [BUILD_DIR]     (default build-bench, an -O2 build: GCC 12 at -O3 warns falsely in libstdc++)
# TMPDIR chooses where the trees go (default /dev/shm: the trees are 400 000 small files each).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
runs=${RUNS:-5}

. bench/common.sh
bench_build "$build" bench/srmd-mkmachine bench/srmd-bench-snapshot

work=$(bench_workdir srmd-bench)
# Results stay outside /dev: with-fake-sys.sh hides /dev (and so /dev/shm) behind a fresh tmpfs.
results=$(mktemp -d /tmp/srmd-bench-results.XXXXXX)
trap 'rm -rf "$work" "$results"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# A "name: value" line of the benchmark's output.
field() { sed -n "s/^$2: //p" "$1"; }

can_mount=no
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
    can_mount=yes
fi

variants=(spread one-node)
declare -A gen bench cxl dax cxl_count dax_count
for variant in "${variants[@]}"; do
    tree=$work/$variant
    flags=()
    [ "$variant" = one-node ] && flags=(--one-node)
    echo "writing the synthetic machine ($variant) into $tree ..." >&2
    t0=$(now)
    "$build/bench/srmd-mkmachine" synthetic "$tree" "${flags[@]}"
    gen[$variant]=$(elapsed "$t0" "$(now)")

    echo "running srmd-bench-snapshot ($variant) ..." >&2
    "$build/bench/srmd-bench-snapshot" "$tree" --runs "$runs" > "$results/$variant.bench"
    bench[$variant]=$results/$variant.bench

    if [ "$can_mount" = yes ]; then
        echo "running cxl list -RD and daxctl list -RDM ($variant) ..." >&2
        # Timed inside the namespace, so the mounts and mknods are not counted.
        bench/with-fake-sys.sh "$tree" bash -c '
            out=$1
            t0=$(date +%s.%N); cxl list -RD > "$out.cxl.json" 2> "$out.cxl.err"; t1=$(date +%s.%N)
            daxctl list -RDM > "$out.dax.json" 2> "$out.dax.err"; t2=$(date +%s.%N)
            echo "$t0 $t1 $t2" > "$out.times"' _ "$results/$variant"
        read -r t0 t1 t2 < "$results/$variant.times"
        cxl[$variant]=$(elapsed "$t0" "$t1")
        dax[$variant]=$(elapsed "$t1" "$t2")
        cxl_count[$variant]=$(grep -c '"decode_state"' "$results/$variant.cxl.json" || true)
        dax_count[$variant]=$(grep -c '"chardev"' "$results/$variant.dax.json" || true)
    else
        cxl[$variant]=skipped
        dax[$variant]=skipped
        cxl_count[$variant]=-
        dax_count[$variant]=-
    fi
    rm -rf "$tree"
done

row() { printf '%-42s %-28s %-28s\n' "$1" "$2" "$3"; }
# The value of one benchmark line for both variants; with a third argument, only its first word.
both() {
    local name=$1 key=$2 a b
    a=$(field "${bench[spread]}" "$key")
    b=$(field "${bench[one-node]}" "$key")
    if [ -n "${3:-}" ]; then a=${a%% *}; b=${b%% *}; fi
    row "$name" "$a" "$b"
}
sum() {
    if [ "$1" = skipped ]; then echo skipped; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; fi
}

echo
echo "synthetic machine: 16 windows, 64 ram regions, 64 kmem dax devices, 32768 memory blocks"
echo "host: $(uname -r), $(nproc) CPUs; trees on $(df --output=fstype "$base" | tail -1) ($base); $runs runs each"
echo
row "" "node per window" "one node"
row "machine (as srmd read it)" "" ""
sed -n 's/^machine: //p' "${bench[spread]}" | sed 's/^/    spread: /'
sed -n 's/^machine: //p' "${bench[one-node]}" | sed 's/^/    one node: /'
row "writing the tree (s)" "${gen[spread]}" "${gen[one-node]}"
both "srmd snapshot (s)" snapshot_s
both "srmd ownership (s)" ranges_s
both "plain pass over the files (s)" plain_pass_s
both "snapshot / plain pass (target <= 1.2)" snapshot_vs_plain first
both "files opened by srmd" files_opened
both "directories listed by srmd" dirs_listed
both "files in the plain pass" plain_pass_files first
both "peak RSS (KiB)" peak_rss_kib first
row "cxl list -RD (s)" "${cxl[spread]}" "${cxl[one-node]}"
row "daxctl list -RDM (s)" "${dax[spread]}" "${dax[one-node]}"
row "cxl + daxctl (s)" "$(sum "${cxl[spread]}" "${dax[spread]}")" \
    "$(sum "${cxl[one-node]}" "${dax[one-node]}")"
row "regions cxl listed / dax daxctl" "${cxl_count[spread]} / ${dax_count[spread]}" \
    "${cxl_count[one-node]} / ${dax_count[one-node]}"
