#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M
# CXL hot-remove with the region's memory online: the region disabled from outside, then the
# memdev unbound from cxl_mem. What the kernel does is recorded (it refuses to tear down online
# memory, or it does not); srmd stays up, reports the change, and its state file reads back.
# Last of the CXL scenarios of this boot: it may leave the region unusable.
# shellcheck source=lib.sh
. /scenarios/lib.sh

start=$(cat $cxl_devices/region0/resource 2>/dev/null)
range=r${start#0x}
dax=$(dax_at "$start")
check "the region's dax device is there" test -n "$dax"
start_dbus
start_srmd_with cxl72-movable
wait_settled "srmd converges" 0 converged
expect_range "before" "$range" "system-ram kmem 4/4 movable true"

step "the region disabled from outside, memory online"
echo region0 >/sys/bus/cxl/drivers/cxl_region/unbind 2>/tmp/unbind.err
echo "    unbind region0: exit $? $(cat /tmp/unbind.err)"
udevadm settle --timeout=30
sleep 1
echo "    region0 driver: $(driver_of $cxl_devices/region0), dax: $(driver_of "$dax" 2>/dev/null)"
echo "    blocks: $(cat $(memory_blocks_of "$dax" | sed 's|$|/state|') 2>/dev/null | tr '\n' ' ')"
check "srmd is alive" srmd_alive
run "srmctl ranges" srmctl ranges

step "the memdev unbound from cxl_mem"
echo mem0 >/sys/bus/cxl/drivers/cxl_mem/unbind 2>/tmp/unbind.err
echo "    unbind mem0: exit $? $(cat /tmp/unbind.err)"
udevadm settle --timeout=30
sleep 2
check "srmd is alive" srmd_alive
run "srmctl ranges" srmctl ranges
dmesg | grep -E 'cxl|dax|kmem' | tail -n 15 | sed 's/^/    dmesg: /'

step "srmd's state reads back after a restart"
stop_srmd TERM
check "state.json is valid JSON" jq -e . /var/lib/srmd/state.json
start_srmd "$policy_dir" --log-target console
check "the restarted srmd answers" srmctl ranges
capture cxl72-removed

finish
