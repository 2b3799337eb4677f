#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -s 256M@0x40000000 -x
# Soft Reserved memory as a CPU-less NUMA node described by SRAT and HMAT: hmem's dax device
# targets node 1, HMAT's latency and bandwidth reach sysfs, and kmem gives the node its memory
# (movable) until the device goes back to devdax. Node 0 has 1 GiB above 4 GiB in this machine,
# so node 1 starts at 5 GiB.
# shellcheck source=lib.sh
. /scenarios/lib.sh

nodes=/sys/devices/system/node

step "boot: node 1 is Soft Reserved, held by hmem"
dax=$(dax_at 0x140000000)
check "a dax device starts at 5 GiB" test -n "$dax"
name=${dax##*/}
hmem=$(basename "$(dirname "$(readlink -f "$dax")")")
expect_iomem "$hmem holds node 1's range" "^140000000-17fffffff : $hmem\$"
expect_iomem "Soft Reserved below $hmem" '^  140000000-17fffffff : Soft Reserved$'
expect_file "it targets node 1" "$dax/target_node" 1
expect_file "its size" "$dax/size" 1073741824
expect_eq "device_dax is bound" "$(driver_of "$dax")" device_dax
expect_file "only node 0 has memory" $nodes/has_memory 0
expect_file "only node 0 has CPUs" $nodes/has_cpu 0
# Node 1 has no memory online and no CPU, so the kernel has not registered it in sysfs yet.
expect_absent "node 1 is not in sysfs before kmem" $nodes/node1
expect_file "HMAT: node 0 read latency (ns)" $nodes/node0/access0/initiators/read_latency 10
expect_file "HMAT: node 0 read bandwidth (MB/s)" $nodes/node0/access0/initiators/read_bandwidth 20480
capture numa-devdax

step "devdax -> kmem: node 1 gets its memory"
mark=$(uevent_mark)
run "reconfigure-device -m system-ram" daxctl reconfigure-device -m system-ram "$name"
expect_eq "kmem is bound" "$(driver_of "$dax")" kmem
expect_iomem "System RAM (kmem) below the dax device" '^      140000000-17fffffff : System RAM \(kmem\)$'
expect_blocks "blocks online" "$dax" state online
expect_blocks "blocks in ZONE_MOVABLE" "$dax" valid_zones Movable
not_on_node1=
for block in $(memory_blocks_of "$dax"); do
    [ -e "$block/node1" ] || not_on_node1="$not_on_node1 ${block##*/}"
done
expect_eq "every block of the device links to node1" "$not_on_node1" ""
expect_file "node 0 and 1 have memory" $nodes/has_memory 0-1
check "node 1 has 1 GiB" grep -qE '^Node 1 MemTotal: +1048576 kB$' $nodes/node1/meminfo
check "node 1 still has no CPU" test -z "$(cat $nodes/node1/cpulist)"
expect_file "HMAT: node 1 read latency (ns)" $nodes/node1/access0/initiators/read_latency 30
expect_file "HMAT: node 1 write latency (ns)" $nodes/node1/access0/initiators/write_latency 30
expect_file "HMAT: node 1 read bandwidth (MB/s)" $nodes/node1/access0/initiators/read_bandwidth 5120
expect_exists "HMAT: node 0 is node 1's best initiator" $nodes/node1/access0/initiators/node0
expect_uevent "uevent: first block of node 1 onlined" "$mark" '^UDEV .* online +/devices/system/memory/memory40 \(memory\)'
capture numa-kmem-movable

step "kmem -> devdax: node 1 empties"
run "reconfigure-device -m devdax -f" daxctl reconfigure-device -m devdax -f "$name"
expect_eq "device_dax is bound again" "$(driver_of "$dax")" device_dax
expect_no_iomem "the kmem resource is gone" '^ +140000000-17fffffff : System RAM \(kmem\)$'
expect_file "only node 0 has memory again" $nodes/has_memory 0
expect_absent "the memory blocks are removed" /sys/devices/system/memory/memory40

finish
