#!/usr/bin/env bash
# Figures from the real 7.2 kernel in the VM lane's guest (tests/vm/scenarios/bench72-onlining.sh):
# srmd's time from a dax device's add uevent to its last block online beside a bare
# `daxctl reconfigure-device -m system-ram` on the same device, and srmd's coldplug read beside a
# plain pass over the same files, each as a ratio. Prints figures, asserts nothing.
# Usage: bench/run-vm-figures.sh      (BUILD_DIR, VM_DIR as for tests/vm/run)
set -uo pipefail
cd "$(dirname "$0")/.."
vm_dir=${VM_DIR:-build-vm}
tests/vm/run bench72-onlining | grep -v '^build-initramfs'
console=$vm_dir/out/7.2/bench72-onlining/console.log
figure() { tr -d '\r' <"$console" | sed -n "s/^BENCH $1 //p" | tail -n 1; }
srmd=$(figure srmd_add_to_online_ms)
daxctl=$(figure daxctl_reconfigure_ms)
coldplug=$(figure srmd_coldplug_pass_ms)
snapshot=$(figure snapshot_median_s)
plain=$(figure plain_pass_median_s)
echo
echo "srmd, dax add uevent to last block online: ${srmd:-?} ms"
echo "daxctl reconfigure-device -m system-ram:    ${daxctl:-?} ms"
[ -n "$srmd" ] && [ -n "$daxctl" ] && [ "$daxctl" -gt 0 ] &&
    awk -v a="$srmd" -v b="$daxctl" 'BEGIN { printf "ratio srmd / daxctl:                     %.2f\n", a / b }'
echo "srmd coldplug pass (its log):              ${coldplug:-?} ms"
echo "snapshot (median) / plain pass (median):   ${snapshot:-?} s / ${plain:-?} s"
[ -n "$snapshot" ] && [ -n "$plain" ] &&
    awk -v a="$snapshot" -v b="$plain" 'BEGIN { if (b > 0) printf "ratio snapshot / plain pass:             %.2f\n", a / b }'
