#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -s 256M@0x40000000 -x
# The emulated CXL topology (one type-3 device, 256 MiB of pmem, a 4 GiB window): a pmem region
# is created with the cxl tool, given a devdax namespace, then destroyed, and the uevents reach
# udev. QEMU 7.2 has no volatile CXL capacity, and CXL memory must never be onlined here: the
# guest crashes when it runs on it (QEMU emulates it as MMIO). QEMU puts the window after the
# guest's RAM, so its address depends on the machine: it is read from sysfs.
# shellcheck source=lib.sh
. /scenarios/lib.sh

cxl_devices=/sys/bus/cxl/devices

step "boot: the topology, no region"
expect_file "root decoder type" $cxl_devices/decoder0.0/devtype cxl_decoder_root
window=$(cat $cxl_devices/decoder0.0/start)
window_hex=${window#0x}
check "the window starts above RAM (6 GiB)" test $((window)) -ge $((0x180000000))
expect_file "the window is 4 GiB" $cxl_devices/decoder0.0/size 0x100000000
# The region takes the window's first 256 MiB; /proc/iomem prints addresses without 0x.
region_last=$(printf '%x' $((window + 0x10000000 - 1)))
expect_file "the window takes pmem" $cxl_devices/decoder0.0/cap_pmem 1
expect_file "the window targets host bridge 12" $cxl_devices/decoder0.0/target_list 12
expect_iomem "CXL Window 0 in /proc/iomem" "^$window_hex-$(printf '%x' $((window + 0x100000000 - 1))) : CXL Window 0\$"
expect_eq "cxl_mem is bound to mem0" "$(driver_of $cxl_devices/mem0)" cxl_mem
expect_file "mem0 has 256 MiB of pmem" $cxl_devices/mem0/pmem/size 0x10000000
expect_file "mem0 has no volatile capacity" $cxl_devices/mem0/ram/size 0x0
expect_file "mem0 label storage" $cxl_devices/mem0/label_storage_size 268435456
# udev loads cxl_pmem for the nvdimm bridge at coldplug, which brings up an nvdimm bus.
check "udev loaded cxl_pmem at coldplug" wait_until 10 grep -q '^cxl_pmem ' /proc/modules
check "the nvdimm bridge has a bus" wait_until 10 test -d /sys/bus/nd/devices/ndbus0
expect_eq "no region at boot" "$(first_device $cxl_devices region)" ""
capture cxl-no-region

step "create a pmem region"
mark=$(uevent_mark)
run "cxl create-region" cxl create-region -m -d decoder0.0 -w 1 -t pmem mem0
# cxl create-region's exit status is 0 even when it created nothing: look in sysfs.
region=$(first_device $cxl_devices region)
check "a region exists" test -n "$region"
expect_file "it is committed" "$cxl_devices/$region/commit" 1
expect_file "it starts at the window's start" "$cxl_devices/$region/resource" "$window"
expect_file "it is 256 MiB" "$cxl_devices/$region/size" 0x10000000
expect_eq "cxl_region is bound" "$(driver_of "$cxl_devices/$region")" cxl_region
expect_iomem "the region is in /proc/iomem" "^ +$window_hex-$region_last : $region\$"
expect_uevent "uevent: region added" "$mark" "^UDEV .* add +/devices/platform/ACPI0017:00/root0/decoder0\\.0/$region \\(cxl\\)"
expect_uevent "uevent: region bound" "$mark" "^UDEV .* bind +/devices/platform/ACPI0017:00/root0/decoder0\\.0/$region \\(cxl\\)"
check "libnvdimm made an nd region of it" wait_until 10 first_device /sys/bus/nd/devices region
nd_region=$(first_device /sys/bus/nd/devices region)

step "a devdax namespace on the region (never onlined)"
mark=$(uevent_mark)
run "ndctl create-namespace -m devdax" ndctl create-namespace -m devdax -r "$nd_region" -a 4K
cxl_dax=
for device in /sys/bus/dax/devices/*; do
    case $(readlink -f "$device") in */"$nd_region"/*) cxl_dax=$device ;; esac
done
check "a dax device on the CXL region" test -n "$cxl_dax"
if [ -n "$cxl_dax" ]; then
    expect_eq "device_dax is bound" "$(driver_of "$cxl_dax")" device_dax
    expect_iomem "the dax device ends with the region" "^ +[0-9a-f]+-$region_last : ${cxl_dax##*/}\$"
    expect_uevent "uevent: CXL dax device bound" "$mark" "^UDEV .* bind +/devices/.*/${cxl_dax##*/} \\(dax\\)"
fi
# Other scenarios of this boot may online hmem memory: only the region's blocks matter here.
expect_absent "no memory block of the region exists" "/sys/devices/system/memory/memory$((window / 0x8000000))"
capture cxl-pmem-devdax

step "destroy the namespace and the region"
mark=$(uevent_mark)
namespace=$(first_device /sys/bus/nd/devices namespace)
run "ndctl destroy-namespace" ndctl destroy-namespace -f "$namespace"
run "cxl disable-region" cxl disable-region "$region"
run "cxl destroy-region" cxl destroy-region "$region"
expect_absent "the region is gone" "$cxl_devices/$region"
expect_no_iomem "nothing of it is left in /proc/iomem" " : $region\$"
expect_uevent "uevent: region unbound" "$mark" "^UDEV .* unbind +/devices/platform/ACPI0017:00/root0/decoder0\\.0/$region \\(cxl\\)"
expect_uevent "uevent: region removed" "$mark" "^UDEV .* remove +/devices/platform/ACPI0017:00/root0/decoder0\\.0/$region \\(cxl\\)"

finish
