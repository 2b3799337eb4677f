#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -s 256M@0x40000000 -x
# Soft Reserved carved from node-0 RAM, above 4 GiB (as on servers) and below it. hmem claims
# both as dax devices. The high one is taken through the states srmd's planner uses: kmem
# movable, offline, devdax, released and re-bound, kmem in the kernel zone. The low one shows
# that "not movable" below 4 GiB means ZONE_DMA32, not ZONE_NORMAL. /proc/iomem, sysfs and the
# uevents are checked at each step. Kernel-zone memory is never offlined: that can fail for good.
# It shares its boot with the other kernel-fact scenarios, so it looks only at its own ranges.
# shellcheck source=lib.sh
. /scenarios/lib.sh

step "boot: hmem owns both ranges, devdax"
dax=$(dax_at 0x100000000)
low=$(dax_at 0x40000000)
check "a dax device starts at 4 GiB" test -n "$dax"
check "a dax device starts at 1 GiB" test -n "$low"
name=${dax##*/}
hmem=$(basename "$(dirname "$(readlink -f "$dax")")")
case $hmem in hmem.[0-9]*) pass "$name hangs below $hmem" ;; *) fail "$name hangs below an hmem device" "parent $hmem" ;; esac
expect_iomem "$hmem holds the range" "^100000000-11fffffff : $hmem\$"
expect_iomem "Soft Reserved below $hmem" '^  100000000-11fffffff : Soft Reserved$'
expect_iomem "the dax device below Soft Reserved" "^    100000000-11fffffff : $name\$"
expect_no_iomem "no kmem at boot" '^ +100000000-11fffffff : System RAM \(kmem\)$'
expect_eq "udev loaded device_dax, which bound it" "$(driver_of "$dax")" device_dax
expect_file "its size" "$dax/size" 536870912
expect_file "its target node" "$dax/target_node" 0
expect_file "memory block size (128 MiB)" /sys/devices/system/memory/block_size_bytes 8000000
expect_file "Debian does not online hotplugged memory" /sys/devices/system/memory/auto_online_blocks offline
expect_absent "no memory block covers it yet" /sys/devices/system/memory/memory32
capture hmem-devdax

step "devdax -> kmem, movable"
mark=$(uevent_mark)
run "reconfigure-device -m system-ram" daxctl reconfigure-device -m system-ram "$name"
expect_eq "kmem is bound" "$(driver_of "$dax")" kmem
expect_iomem "System RAM (kmem) below the dax device" '^      100000000-11fffffff : System RAM \(kmem\)$'
expect_blocks "blocks online" "$dax" state online
expect_blocks "blocks in ZONE_MOVABLE" "$dax" valid_zones Movable
check "daxctl reports movable" sh -c "daxctl list -d $name | grep -q '\"movable\":true'"
expect_uevent "uevent: kmem bound" "$mark" "^UDEV .* bind +/devices/platform/$hmem/$name \\(dax\\)"
expect_uevent "uevent: memory32 added" "$mark" '^UDEV .* add +/devices/system/memory/memory32 \(memory\)'
expect_uevent "uevent: memory35 onlined" "$mark" '^UDEV .* online +/devices/system/memory/memory35 \(memory\)'
capture hmem-kmem-movable

step "offline"
mark=$(uevent_mark)
run "offline-memory" daxctl offline-memory "$name"
expect_blocks "blocks offline" "$dax" state offline
# An offline block lists the zones it may join, the default first.
expect_blocks "blocks may go to Normal or Movable" "$dax" valid_zones "Normal Movable"
expect_eq "kmem stays bound while offline" "$(driver_of "$dax")" kmem
expect_iomem "the kmem resource stays while offline" '^      100000000-11fffffff : System RAM \(kmem\)$'
expect_uevent "uevent: memory32 offlined" "$mark" '^UDEV .* offline +/devices/system/memory/memory32 \(memory\)'

step "kmem (offline) -> devdax"
mark=$(uevent_mark)
run "reconfigure-device -m devdax" daxctl reconfigure-device -m devdax "$name"
expect_eq "device_dax is bound again" "$(driver_of "$dax")" device_dax
expect_no_iomem "the kmem resource is gone" '^ +100000000-11fffffff : System RAM \(kmem\)$'
expect_absent "the memory blocks are removed" /sys/devices/system/memory/memory32
expect_uevent "uevent: kmem unbound" "$mark" "^UDEV .* unbind +/devices/platform/$hmem/$name \\(dax\\)"
expect_uevent "uevent: memory32 removed" "$mark" '^UDEV .* remove +/devices/system/memory/memory32 \(memory\)'

step "released and re-bound"
mark=$(uevent_mark)
run "disable-device" daxctl disable-device "$name"
expect_eq "no driver" "$(driver_of "$dax")" none
# The dax resource belongs to the bound driver: unbound, the range shows only hmem and Soft
# Reserved, exactly like a range that no dax device claims.
expect_no_iomem "no dax resource while unbound" " : $name\$"
expect_iomem "$hmem stays" "^100000000-11fffffff : $hmem\$"
expect_iomem "Soft Reserved stays below it" '^  100000000-11fffffff : Soft Reserved$'
run "enable-device" daxctl enable-device "$name"
expect_eq "device_dax is bound" "$(driver_of "$dax")" device_dax
expect_iomem "the dax resource is back" "^    100000000-11fffffff : $name\$"
expect_uevent "uevent: unbind" "$mark" "^UDEV .* unbind +/devices/platform/$hmem/$name \\(dax\\)"
expect_uevent "uevent: bind" "$mark" "^UDEV .* bind +/devices/platform/$hmem/$name \\(dax\\)"

step "devdax -> kmem, kernel zone"
run "reconfigure-device -m system-ram --no-movable" daxctl reconfigure-device -m system-ram --no-movable "$name"
expect_blocks "blocks online" "$dax" state online
expect_blocks "blocks in ZONE_NORMAL" "$dax" valid_zones Normal
check "daxctl reports not movable" sh -c "daxctl list -d $name | grep -q '\"movable\":false'"
capture hmem-kmem-normal

step "below 4 GiB the kernel zone is DMA32"
low_name=${low##*/}
run "reconfigure-device -m system-ram --no-movable" daxctl reconfigure-device -m system-ram --no-movable "$low_name"
expect_blocks "low blocks online" "$low" state online
expect_blocks "low blocks in ZONE_DMA32" "$low" valid_zones DMA32

finish
