#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M
# srmd on Linux 7.2 with volatile CXL memory: a type-3 device (serial 0x2, 512 MiB) in a 4 GiB
# window on a NUMA node of its own. srmd runs with the vendor policy before any region exists;
# a ram region is then created and committed through raw sysfs, dax_cxl gives its dax device,
# kmem binds it, and srmd onlines it movable on the uevents. A few MB are then really used on
# that node. Last, a policy for the memdev's serial makes it devdax.
# shellcheck source=lib.sh
. /scenarios/lib.sh

step "boot: a CXL memdev, no region"
check "mem0 exists" test -e $cxl_devices/mem0
expect_file "mem0's serial" $cxl_devices/mem0/serial 0x2
check "no region yet" sh -c "! ls -d $cxl_devices/region* 2>/dev/null"
start_dbus
start_srmd_vendor
wait_settled "srmd converges with nothing to do" 0 converged
start_monitor
mark=$(monitor_mark)

step "a ram region through raw sysfs"
region=$(create_ram_region mem0 0x20000000)
check "region created and committed ($region)" test "$(cat $cxl_devices/$region/commit 2>/dev/null)" = 1
expect_file "its mode is ram" "$cxl_devices/$region/mode" ram
start=$(cat "$cxl_devices/$region/resource")
range=r${start#0x}
step "the region's range is $range"
wait_until 30 dax_at "$start"
dax=$(dax_at "$start")
check "dax_cxl gave it a dax device ($dax)" test -n "$dax"
expect_pass "srmd ran a pass on the events and acted" "$mark" events 1
wait_settled "srmd converges on the new range" 0 converged
expect_range "vendor" "$range" "system-ram kmem 4/4 movable true"
expect_dax_kmem "vendor" "$dax" Movable
expect_eq "srmctl: owner and kernel owner" \
    "$(srmctl --json show "$range" | jq -r '"\(.kernel_owner) \(.owner) \(.claimants[0].device)"')" "cxl cxl $region"
node=$(cat "$dax/target_node")
step "the CXL memory is node $node"
check "node $node has the region's memory" grep -qE "^Node $node MemTotal: +524288 kB$" /sys/devices/system/node/node$node/meminfo
# Under TCG CXL memory runs at about 2 MB/s: a few MB only.
run "4 MB allocated and touched on node $node" numactl --membind="$node" memhog 4M
capture cxl72-movable

step "policy: devdax for the memdev's serial"
reload_and_settle "converged on devdax" converged cxl72-devdax-by-serial
expect_range "devdax" "$range" "devdax device_dax 0/0 none true"
expect_dax_devdax "devdax" "$dax"
capture cxl72-devdax

step "policy: movable again"
reload_and_settle "converged on movable" converged cxl72-movable
expect_range "movable again" "$range" "system-ram kmem 4/4 movable true"
expect_dax_kmem "movable again" "$dax" Movable

finish
