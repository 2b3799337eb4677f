#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -N 1G
# srmd on Linux 7.2 with Soft Reserved memory as a CPU-less NUMA node with HMAT (1 GiB at
# 4 GiB, r100000000). 7.2 lists neither Soft Reserved nor hmem.N in /proc/iomem and numbers
# hmem.N under hmem_platform.0; kmem binds the dax device at boot (memhp_default_state=offline
# keeps its blocks offline). The vendor policy brings it online movable; then, by reload,
# devdax, movable again, normal, and devdax refused for the ZONE_NORMAL memory.
# shellcheck source=lib.sh
. /scenarios/lib.sh

range=r100000000
nodes=/sys/devices/system/node

step "boot: 7.2 shows the range only through its dax device"
dax=$(dax_at 0x100000000)
check "a dax device for node 1's range" test -n "$dax"
expect_file "it targets node 1" "$dax/target_node" 1
expect_eq "kmem bound it at boot" "$(driver_of "$dax")" kmem
expect_blocks "its blocks are offline (memhp_default_state=offline)" "$dax" state offline
expect_no_iomem "no Soft Reserved line in /proc/iomem" 'Soft Reserved'
expect_iomem "the range shows as the dax device" '^100000000-13fffffff : dax'
check "hmem.N sits under hmem_platform.0" sh -c 'ls -d /sys/devices/platform/hmem_platform.0/hmem.*'
capture numa72-boot
start_dbus
start_srmd_vendor

step "vendor policy: online movable"
wait_settled "srmd converges after coldplug" 0 converged
expect_range "vendor" $range "system-ram kmem 8/8 movable true"
expect_dax_kmem "vendor" "$dax" Movable
expect_eq "srmctl: owner and kernel owner" \
    "$(srmctl --json show $range | jq -r '"\(.kernel_owner) \(.owner) \(.soft_reserved)"')" "hmem hmem true"
check "node 1 has 1 GiB of memory" grep -qE '^Node 1 MemTotal: +1048576 kB$' $nodes/node1/meminfo
capture numa72-movable

step "performance: what the kernel knows of node 1, as srmctl and the bus show it"
performance=$(srmctl --json show $range | jq -c .performance)
expect_eq "srmctl: the node" "$(echo "$performance" | jq -r .node)" 1
for class in access0 access1; do
    for figure in read_latency write_latency read_bandwidth write_bandwidth; do
        expect_eq "srmctl: HMAT node $class $figure as sysfs has it" \
            "$(echo "$performance" | jq -r ".node_$class.$figure")" \
            "$(cat $nodes/node1/$class/initiators/$figure)"
    done
done
expect_eq "bus: node_access0.read_latency" \
    "$(bus_range $range Performance | jq -r '."node_access0.read_latency".data')" \
    "$(cat $nodes/node1/access0/initiators/read_latency)"
tier=$(grep -lx '1' /sys/devices/virtual/memory_tiering/memory_tier*/nodelist | sed 's|.*/memory_tier\([0-9]*\)/nodelist|\1|')
check "node 1 sits in a memory tier of its own" test -n "$tier"
expect_eq "srmctl: the memory tier" "$(echo "$performance" | jq -r .tier)" "$tier"
expect_eq "srmctl: no DRAM node shares it" "$(echo "$performance" | jq -c .tier_dram_nodes)" '[]'

step "policy: devdax"
reload_and_settle "converged on devdax" converged numa72-devdax
expect_range "devdax" $range "devdax device_dax 0/0 none true"
expect_dax_devdax "devdax" "$dax"

step "policy: movable again"
reload_and_settle "converged on movable" converged numa72-movable
expect_range "movable again" $range "system-ram kmem 8/8 movable true"
expect_dax_kmem "movable again" "$dax" Movable

step "policy: normal (offline, online as kernel memory)"
reload_and_settle "converged on normal" converged numa72-normal
expect_range "normal" $range "system-ram kmem 8/8 normal true"
expect_dax_kmem "normal" "$dax" Normal

step "policy: devdax for ZONE_NORMAL memory is refused"
reload_and_settle "srmd reports not-converged" not-converged numa72-normal-to-devdax
expect_range "refused" $range "system-ram kmem 8/8 normal false"
expect_problem "refused" $range offline-normal-refused
expect_dax_kmem "refused: the memory stays online" "$dax" Normal

finish
