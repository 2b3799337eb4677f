#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M
# kill -9 in the middle of a plan and a restart, a bad policy reload, and a burst of block events
# from onlining, on 7.2 with the CXL region of srmd72-cxl-1-ram (same boot).
# shellcheck source=lib.sh
. /scenarios/lib.sh

start=$(cat $cxl_devices/region0/resource 2>/dev/null)
range=r${start#0x}
dax=$(dax_at "$start")
check "the region's dax device is there" test -n "$dax"
start_dbus
start_srmd_with cxl72-movable
wait_settled "srmd converges" 0 converged

step "kill -9 in the middle of a plan (devdax: offline, then rebind)"
use_policy cxl72-devdax-by-serial
srmctl reload >/dev/null 2>&1 &
# srmd writes the step it is in to its state file before it touches the kernel, and the two
# steps take a few hundred ms here: look without sleeping, and kill it there.
tries=0
until grep -q '"in_progress": {' /var/lib/srmd/state.json 2>/dev/null || [ $tries -ge 3000 ]; do
    tries=$((tries + 1))
done
stop_srmd KILL
cp /var/lib/srmd/state.json /captures/state-at-kill-72.json
check "srmd's state file names the step it was in" grep -q '"in_progress": {' /captures/state-at-kill-72.json
start_srmd "$policy_dir" --log-target console
wait_settled "the restarted srmd converges on devdax" 0 converged
expect_range "after the restart" "$range" "devdax device_dax 0/0 none true"
check "the restarted srmd said where the last one stopped" grep -q "the previous run stopped during" /captures/srmd.log

step "a bad policy reload is refused and the last good policy stays"
cp /policies/invalid.yaml "$policy_dir/"
if srmctl reload >/tmp/reload.out 2>&1; then
    fail "srmctl reload of a broken policy fails"
else
    pass "srmctl reload of a broken policy fails"
fi
check "the error names the file and position" grep -qE 'invalid.yaml:[0-9]+:[0-9]+' /tmp/reload.out
expect_eq "busctl: PolicyValid" "$(bus_manager PolicyValid)" false
expect_range "the last good policy stays" "$range" "devdax device_dax 0/0 none true"
rm -f "$policy_dir/invalid.yaml"

step "a burst of block events: devdax to movable onlines 4 blocks at once"
start_monitor
mark=$(monitor_mark)
reload_and_settle "converged on movable" converged cxl72-movable
expect_range "movable" "$range" "system-ram kmem 4/4 movable true"
udevadm settle --timeout=30
sleep 1
expect_eq "srmd is converged after the block events" "$(srmd_state)" converged

finish
