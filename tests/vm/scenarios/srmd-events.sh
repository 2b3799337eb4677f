#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -x
# Events while srmd runs reach it through udev and it acts on them alone, with no request: node
# 1's range is wanted as devdax; its dax device is released with daxctl, then its hmem device is
# unbound from the hmem driver, and srmd brings both back. A CXL pmem region is then created and
# destroyed with the cxl tool: srmd runs a pass for each and leaves the region alone (pmem is
# not memory srmd manages, and CXL memory must never be onlined here: QEMU 7.2 crashes).
# shellcheck source=lib.sh
. /scenarios/lib.sh

node1=r140000000
cxl_devices=/sys/bus/cxl/devices

step "srmd holds node 1 as devdax"
node1_dax=$(dax_at 0x140000000)
check "a dax device for node 1" test -n "$node1_dax"
start_dbus
start_srmd_with node1-devdax
wait_settled "srmd converges after coldplug" 0 converged
expect_range "devdax" $node1 "devdax device_dax 0/0 none true"
expect_dax_devdax "devdax" "$node1_dax"
start_monitor
# srmctl monitor subscribes before it prints anything; give it the time to.
sleep 1

step "daxctl disable-device: srmd binds the device again"
before=$(srmd_pass)
mark=$(monitor_mark)
run "daxctl disable-device" daxctl disable-device "${node1_dax##*/}"
# A change srmd did not make: the events pass notes it and keeps its hands off the range for a
# few seconds (whoever acts on it is not raced); the pass after the hold binds it again.
expect_pass "srmctl monitor: an events pass sees it" "$mark" events 0
expect_pass "srmctl monitor: after the hold, a pass with steps" "$mark" retry 1
wait_settled "srmd converges again" "$before" converged
expect_problem "the other hand is reported" $node1 changed-outside-srmd
expect_range "re-enabled" $node1 "devdax device_dax 0/0 none true"
expect_dax_devdax "re-enabled" "$node1_dax"
check "srmd's step history names enable-dax" sh -c \
    "jq -e '[.ranges.$node1.steps[] | select(.action == \"enable-dax\" and .result == \"ok\")] | length > 0' /var/lib/srmd/state.json"

step "hmem released: srmd binds it again"
hmem=$(basename "$(dirname "$(readlink -f "$node1_dax")")")
before=$(srmd_pass)
mark=$(monitor_mark)
echo "VMTEST-RUN echo $hmem > /sys/bus/platform/drivers/hmem/unbind"
check "unbind $hmem from hmem" sh -c "echo $hmem > /sys/bus/platform/drivers/hmem/unbind"
expect_pass "srmctl monitor: an events pass with steps" "$mark" events 1
wait_settled "srmd converges again" "$before" converged
expect_eq "$hmem is bound to hmem again (sysfs)" "$(driver_of "/sys/bus/platform/devices/$hmem")" hmem
node1_dax=$(dax_at 0x140000000)
check "a dax device for node 1 again" test -n "$node1_dax"
expect_range "re-claimed" $node1 "devdax device_dax 0/0 none true"
[ -n "$node1_dax" ] && expect_dax_devdax "re-claimed" "$node1_dax"
expect_eq "busctl: LastReconcile trigger" "$(bus_manager LastReconcile | jq -r .trigger.data)" events

step "a CXL pmem region created: srmd sees the events and leaves it alone"
ranges_before=$(srmctl --json ranges | jq -c '[.[] | .id]')
before=$(srmd_pass)
mark=$(monitor_mark)
run "cxl create-region" cxl create-region -m -d decoder0.0 -w 1 -t pmem mem0
region=$(first_device $cxl_devices region)
check "a region exists (sysfs)" test -n "$region"
expect_pass "srmctl monitor: an events pass" "$mark" events 0
wait_settled "srmd converged after the region's events" "$before" converged
expect_eq "busctl: LastReconcile trigger" "$(bus_manager LastReconcile | jq -r .trigger.data)" events
check "busctl: the last pass consumed events" test "$(bus_manager LastReconcile | jq -r .events.data)" -gt 0
# A pmem region is not Soft Reserved memory: no Range for it, and nothing of it onlined.
expect_eq "srmctl ranges: the same ranges" "$(srmctl --json ranges | jq -c '[.[] | .id]')" "$ranges_before"
window=$(cat $cxl_devices/decoder0.0/start)
expect_absent "no memory block in the CXL window (sysfs)" "/sys/devices/system/memory/memory$((window / 0x8000000))"

step "the CXL region disabled, then destroyed: srmd sees both"
before=$(srmd_pass)
mark=$(monitor_mark)
run "cxl disable-region" cxl disable-region "$region"
expect_pass "srmctl monitor: an events pass" "$mark" events 0
wait_settled "srmd converged after the region was disabled" "$before" converged
# 6.1 shows a disabled pmem region without its pmem child or a mode file: still no Range.
expect_eq "srmctl ranges: the same ranges" "$(srmctl --json ranges | jq -c '[.[] | .id]')" "$ranges_before"
before=$(srmd_pass)
mark=$(monitor_mark)
run "cxl destroy-region" cxl destroy-region "$region"
expect_absent "the region is gone (sysfs)" "$cxl_devices/$region"
expect_pass "srmctl monitor: an events pass" "$mark" events 0
wait_settled "srmd converged after the region went" "$before" converged
expect_eq "srmctl ranges: still the same ranges" "$(srmctl --json ranges | jq -c '[.[] | .id]')" "$ranges_before"
expect_range "node 1 unaffected" $node1 "devdax device_dax 0/0 none true"

finish
