#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -x
# srmd on the real kernel takes two hmem ranges through the modes its policy asks for: the
# Soft Reserved range carved from node 0's RAM at 4 GiB (r100000000, 512 MiB) and the CPU-less
# NUMA node 1 with HMAT (r140000000, 1 GiB). Policy by policy, through `srmctl reload`:
# kmem movable -> devdax -> kmem movable, then the carved range to kmem normal. Each state is
# read through `srmctl --json show`, through the Range objects on the bus, and from sysfs.
# Last, devdax for the ZONE_NORMAL range must be refused: srmd never offlines kernel memory.
# shellcheck source=lib.sh
. /scenarios/lib.sh

carved=r100000000
node1=r140000000
nodes=/sys/devices/system/node

step "boot: hmem holds both ranges as devdax"
carved_dax=$(dax_at 0x100000000)
node1_dax=$(dax_at 0x140000000)
check "a dax device for the carved range" test -n "$carved_dax"
check "a dax device for node 1" test -n "$node1_dax"
expect_file "the carved range targets node 0" "$carved_dax/target_node" 0
expect_file "node 1's range targets node 1" "$node1_dax/target_node" 1
start_dbus
start_srmd_with modes-movable

step "policy: both ranges kmem movable (srmd's first pass)"
wait_settled "srmd converges after coldplug" 0 converged
expect_range "movable" $carved "system-ram kmem 4/4 movable true"
expect_range "movable" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "movable, carved" "$carved_dax" Movable
expect_dax_kmem "movable, node 1" "$node1_dax" Movable
# A rule's label is "FILE:LINE NAME"; node 1 is matched by its dax device's target node (HMAT).
expect_eq "srmctl show: the rule that decides node 1" \
    "$(srmctl --json show $node1 | jq -r '.policy.rule | sub(":[0-9]+ "; " ")')" "modes-movable.yaml node1"
expect_eq "busctl: the Policy of node 1" "$(bus_range $node1 Policy | jq -r '.[0] |= sub(":[0-9]+ "; " ") | join(" ")')" \
    "modes-movable.yaml node1 hmem system-ram movable"
check "node 1 has 1 GiB of memory" grep -qE '^Node 1 MemTotal: +1048576 kB$' $nodes/node1/meminfo
expect_eq "busctl: Manager State" "$(srmd_state)" converged

step "policy: both ranges devdax (srmd offlines movable memory and rebinds)"
reload_and_settle "converged on devdax" converged modes-devdax
expect_range "devdax" $carved "devdax device_dax 0/0 none true"
expect_range "devdax" $node1 "devdax device_dax 0/0 none true"
expect_dax_devdax "devdax, carved" "$carved_dax"
expect_dax_devdax "devdax, node 1" "$node1_dax"
expect_file "node 1 has no memory again" $nodes/has_memory 0
expect_eq "busctl: PolicyFiles" "$(bus_manager PolicyFiles | jq -r '.[]')" "$policy_dir/modes-devdax.yaml"

step "policy: both ranges kmem movable again"
reload_and_settle "converged on movable" converged modes-movable
expect_range "movable again" $carved "system-ram kmem 4/4 movable true"
expect_range "movable again" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "movable again, carved" "$carved_dax" Movable
expect_dax_kmem "movable again, node 1" "$node1_dax" Movable

step "policy: the carved range kmem normal (offline, online as kernel memory)"
reload_and_settle "converged on normal" converged modes-normal
expect_range "normal" $carved "system-ram kmem 4/4 normal true"
expect_range "normal stays movable" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "normal, carved" "$carved_dax" Normal
expect_dax_kmem "node 1 untouched" "$node1_dax" Movable

step "policy: devdax for the ZONE_NORMAL range is refused"
reload_and_settle "srmd reports not-converged" not-converged modes-normal-to-devdax
expect_range "refused" $carved "system-ram kmem 4/4 normal false"
expect_problem "refused" $carved offline-normal-refused
expect_dax_kmem "refused: the memory stays online" "$carved_dax" Normal
expect_range "refused: node 1 unaffected" $node1 "system-ram kmem 8/8 movable true"
expect_eq "refused: no failed step in the last pass" "$(bus_manager LastReconcile | jq -r .failed.data)" 0
capture srmd-modes-refused

finish
