#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M -S 512M@0x110000000
# boot: handover
# Giving a range to CXL on the real 7.2 kernel (issue 14, part 1).
#   stage 1: Soft Reserved over the CXL window where no region exists: hmem holds the range ("CXL
#            did not claim resource, registering"). With `owner: cxl` srmd offlines nothing (the
#            blocks are offline), unbinds hmem's dax device, releases hmem.N, creates a ram
#            region at the range's address through raw sysfs, and onlines the new dax device
#            movable. state.json records the region.
#   stage 2: kexec with a 1 GiB Soft Reserved range over that committed 512 MiB region: seed [4],
#            nobody gets the memory. srmd releases hmem, re-probes the region (disable, enable),
#            onlines the region's part movable and says the rest stays unusable.
# shellcheck source=lib.sh
. /scenarios/lib.sh

dmesg_has() {
    if dmesg | grep -qE "$2"; then pass "$1"; else fail "$1" "no kernel log line matches '$2'"; fi
}

# parent_of DAX: the directory its dax device hangs off (dax_region0, hmem.1, ...).
parent_of() {
    basename "$(dirname "$(readlink -f "$1")")"
}

window=0x110000000
range=r110000000
case $(vmtest_stage) in
1)
    step "stage 1: Soft Reserved in the CXL window, no region: hmem holds it"
    check "no region" sh -c "! ls -d $cxl_devices/region* 2>/dev/null"
    dax=$(dax_at $window)
    check "hmem's dax device holds the range" test -n "$dax"
    hmem=$(parent_of "$dax")
    check "its parent is an hmem device ($hmem)" contains "$hmem" hmem.
    start_dbus
    start_srmd_with handover72-cxl
    wait_settled "srmd converges" 0 converged 180
    run "srmctl ranges" srmctl ranges
    region=$(first_device $cxl_devices region)
    check "srmd created a region ($region)" test -n "$region"
    expect_file "the region starts at the range's address" "$cxl_devices/$region/resource" $window
    expect_file "the region is 512 MiB" "$cxl_devices/$region/size" 0x20000000
    expect_file "the region is committed" "$cxl_devices/$region/commit" 1
    expect_eq "the region is bound to cxl_region" "$(driver_of "$cxl_devices/$region")" cxl_region
    expect_eq "$hmem is released" "$(driver_of "/sys/bus/platform/devices/$hmem")" none
    dax=$(dax_at $window)
    check "a dax device holds the range again" test -n "$dax"
    expect_eq "its parent is the region's dax region" "$(parent_of "$dax")" "dax_region${region#region}"
    expect_eq "srmctl: kernel owner, owner" \
        "$(srmctl --json show $range | jq -r '"\(.kernel_owner) \(.owner)"')" "cxl cxl"
    expect_range "handed over" $range "system-ram kmem 4/4 movable true"
    expect_dax_kmem "handed over" "$dax" Movable
    expect_eq "state.json records the region srmd created" \
        "$(jq -r '.created_regions | map("\(.name) \(.root_decoder) \(.start)") | join(",")' /var/lib/srmd/state.json)" \
        "$region decoder0.0 $((window))"
    check "srmd logged the create-region step" grep -q "create-region decoder0.0" /captures/srmd.log
    capture handover72-created
    stop_srmd TERM
    kexec_stage 2 "memmap=1G%$window+0xefffffff" dax_hmem.dyndbg=+p
    ;;
2)
    step "stage 2 (seed [4]): Soft Reserved 1 GiB over the committed 512 MiB region"
    expect_file "region0 assembled committed" $cxl_devices/region0/commit 1
    dmesg_has "dax_hmem: CXL did not claim" 'CXL did not claim resource.*registering'
    dmesg_has "the region's dax region lost the resource conflict" 'dax_region resource conflict'
    check "no dax device of region0" sh -c "! ls -d $cxl_devices/region0/dax_region0/dax* 2>/dev/null"
    start_dbus
    start_srmd_with handover72-cxl
    wait_settled "srmd converges" 0 converged 180
    run "srmctl ranges" srmctl ranges
    check "srmd said what stays unusable" grep -q "rest-unusable: 512 MiB of this 1 GiB range" /captures/srmd.log
    check "hmem was released" sh -c "! ls -L /sys/bus/platform/drivers/hmem/ | grep -q hmem\\."
    dax=$(dax_at $window)
    check "a dax device holds the region's part" test -n "$dax"
    expect_eq "its parent is region0's dax region" "$(parent_of "$dax")" dax_region0
    expect_range "seed [4] recovered" $range "system-ram kmem 4/4 movable true"
    expect_dax_kmem "seed [4] recovered" "$dax" Movable
    capture handover72-partial-recovered
    ;;
esac

finish
