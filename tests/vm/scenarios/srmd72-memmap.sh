#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -N 1G -a memory_hotplug.memmap_on_memory=1
# The policy's memmap_on_memory on Linux 7.2 (the per-device attribute of 6.8+), with memory
# hotplug's memmap_on_memory parameter on: srmd makes node 1's range devdax, then system RAM with
# memmap_on_memory, which it writes before kmem binds the device (the kernel refuses a change
# while kmem holds it, EBUSY).
# shellcheck source=lib.sh
. /scenarios/lib.sh

range=r100000000

step "boot: memory hotplug's memmap_on_memory is on, kmem holds node 1's dax device"
expect_file "memory_hotplug.memmap_on_memory" /sys/module/memory_hotplug/parameters/memmap_on_memory Y
dax=$(dax_at 0x100000000)
check "a dax device for node 1's range" test -n "$dax"
expect_file "its memmap_on_memory is off" "$dax/memmap_on_memory" 0
check "the kernel refuses a change while kmem holds it" sh -c "! echo 1 >$dax/memmap_on_memory"
start_dbus
start_srmd_with numa72-devdax
wait_settled "srmd converges on devdax" 0 converged
expect_dax_devdax "devdax" "$dax"

step "policy: system-ram with memmap_on_memory"
reload_and_settle "converged on movable with memmap_on_memory" converged numa72-memmap
expect_file "srmd wrote memmap_on_memory before kmem bound it" "$dax/memmap_on_memory" 1
expect_range "memmap" $range "system-ram kmem 8/8 movable true"
expect_dax_kmem "memmap" "$dax" Movable
expect_eq "no failed step" "$(bus_manager LastReconcile | jq -r .failed.data)" 0

finish
