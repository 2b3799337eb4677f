#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M
# The seed's shapes on the real 7.2 kernel, as firmware leaves them: QEMU programs no decoders,
# so stage 1 creates and commits a region, and kexec boots the same kernel again with the
# decoders still committed and Soft Reserved set by memmap= (vm-kernel-7.2.md §5).
#   stage 2, seed [1]: Soft Reserved equal to the auto-assembled region: CXL keeps it.
#   stage 3, seed [4]: Soft Reserved larger than the region: nobody gets usable memory.
#   stage 4: the region destroyed, Soft Reserved over a window no region maps: hmem owns, and
#            a region a user creates lands after it.
# shellcheck source=lib.sh
. /scenarios/lib.sh

# dmesg_has DESCRIPTION REGEX: a kernel log line matches.
dmesg_has() {
    if dmesg | grep -qE "$2"; then pass "$1"; else fail "$1" "no kernel log line matches '$2'"; fi
}

window=0x110000000
range=r110000000
case $(vmtest_stage) in
1)
    step "stage 1: a region committed as firmware would leave it"
    region=$(create_ram_region mem0 0x20000000)
    check "region0 committed at the window's start" test "$(cat $cxl_devices/$region/resource)" = $window
    kexec_stage 2 "memmap=512M%$window+0xefffffff" dax_hmem.dyndbg=+p
    ;;
2)
    step "stage 2 (seed [1]): Soft Reserved == the auto-assembled region"
    expect_file "region0 assembled committed" $cxl_devices/region0/commit 1
    dmesg_has "dax_hmem: CXL claims resource" 'CXL claims resource.*dropping'
    dax=$(dax_at $window)
    check "dax_cxl gave it a dax device" test -n "$dax"
    expect_eq "its parent is the CXL dax region" "$(basename "$(dirname "$(readlink -f "$dax")")")" dax_region0
    expect_eq "kmem bound it" "$(driver_of "$dax")" kmem
    start_dbus
    start_srmd_vendor
    wait_settled "srmd converges" 0 converged
    expect_eq "srmctl: kernel owner, owner" \
        "$(srmctl --json show $range | jq -r '"\(.kernel_owner) \(.owner) \(.soft_reserved)"')" "cxl cxl true"
    expect_range "seed [1]" $range "system-ram kmem 4/4 movable true"
    expect_dax_kmem "seed [1]" "$dax" Movable
    capture firmware72-sr-equal
    stop_srmd TERM
    kexec_stage 3 "memmap=1G%$window+0xefffffff" dax_hmem.dyndbg=+p
    ;;
3)
    step "stage 3 (seed [4]): Soft Reserved larger than the region"
    expect_file "region0 assembled committed" $cxl_devices/region0/commit 1
    dmesg_has "dax_hmem: CXL did not claim" 'CXL did not claim resource.*registering'
    dmesg_has "the region's dax region lost the resource conflict" 'dax_region resource conflict'
    dmesg_has "kmem could not reserve hmem's range" 'could not reserve region'
    start_dbus
    start_srmd_vendor
    wait_settled "srmd settles" 0 not-converged
    run "srmctl ranges" srmctl ranges
    run "srmctl show $range" srmctl --json show $range
    capture firmware72-partial
    stop_srmd TERM
    ;;
esac

finish
