#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M
# boot: bench
# Figures, not checks of speed (bench/run-vm-figures.sh prints them; the lane does not run
# bench* scenarios). On one 7.2 boot with a CXL ram region:
#   - srmd: from the dax device's add uevent to the last of its blocks online (the kernel's own
#     uevent timestamps), with srmd running the vendor policy when the region is created;
#   - a bare `daxctl reconfigure-device -m system-ram` (which onlines, movable) on the same
#     device, from devdax, wall time in the guest;
#   - srmd's coldplug pass beside a plain pass over the same files (srmd-bench-snapshot /).
# Each figure is a line "BENCH NAME VALUE".
# shellcheck source=lib.sh
. /scenarios/lib.sh

uptime_ms() {
    local up
    read -r up _ </proc/uptime
    echo "${up%.*}${up#*.}0" | sed 's/^0*//'
}

start_dbus
start_srmd_vendor
wait_settled "srmd converges" 0 converged
mark=$(uevent_mark)
region=$(create_ram_region mem0 0x20000000)
start=$(cat "$cxl_devices/$region/resource")
range=r${start#0x}
wait_until 30 dax_at "$start"
dax=$(dax_at "$start")
wait_settled "srmd onlines the region" 0 converged
expect_range "srmd" "$range" "system-ram kmem 4/4 movable true"
udevadm settle --timeout=30
# KERNEL[123.456789] add      /devices/.../dax0.0 (dax)
added=$(tail -n +"$((mark + 1))" "$uevent_log" | sed -n "s|^KERNEL\[\([0-9.]*\)\] add .*/${dax##*/} (dax)\$|\1|p" | head -n 1)
online=$(tail -n +"$((mark + 1))" "$uevent_log" | sed -n 's|^KERNEL\[\([0-9.]*\)\] online .*/memory[0-9]* (memory)$|\1|p' | tail -n 1)
check "the add and online uevents are in the log" test -n "$added" -a -n "$online"
echo "BENCH srmd_add_to_online_ms $(awk -v a="$added" -v b="$online" 'BEGIN { printf "%d", (b - a) * 1000 }')"
grep -m 1 'pass 1 (coldplug' /captures/srmd.log | sed -n 's/.* \([0-9]*\) ms).*/BENCH srmd_coldplug_pass_ms \1/p'
stop_srmd TERM

step "the same device by hand: devdax, then daxctl reconfigure-device -m system-ram"
run "offline" daxctl offline-memory "${dax##*/}"
run "devdax" daxctl reconfigure-device -m devdax -f "${dax##*/}"
t0=$(uptime_ms)
run "daxctl reconfigure-device -m system-ram" daxctl reconfigure-device -m system-ram "${dax##*/}"
t1=$(uptime_ms)
expect_dax_kmem "daxctl" "$dax" Movable
echo "BENCH daxctl_reconfigure_ms $((t1 - t0))"

step "srmd's reading beside a plain pass over the same files"
srmd-bench-snapshot / >/tmp/snapshot.out 2>&1
sed 's/^/    /' /tmp/snapshot.out
sed -n 's/^snapshot_s: min [0-9.]* median \([0-9.]*\)$/BENCH snapshot_median_s \1/p; s/^plain_pass_s: min [0-9.]* median \([0-9.]*\)$/BENCH plain_pass_median_s \1/p' /tmp/snapshot.out
finish
