#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -X 512M
# boot: kexec
# The seed's shapes on the real 7.2 kernel, as firmware leaves them: QEMU programs no decoders,
# so stage 1 creates and commits a region, and kexec boots the same kernel again with the
# decoders still committed and Soft Reserved set by memmap= (vm-kernel-7.2.md §5).
#   stage 2, seed [1]: Soft Reserved equal to the auto-assembled region: CXL keeps it.
#   stage 3, seed [4]: Soft Reserved larger than the region: nobody gets usable memory.
#   stage 4: the region destroyed, Soft Reserved over a window nothing decodes: hmem owns, srmd
#            refuses to online memory no device backs, and a region a user creates lands after
#            the range; srmd onlines that one.
# 7.2 shows Soft Reserved nowhere but in the kernel log once CXL claims it: srmd cannot see it.
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
        "$(srmctl --json show $range | jq -r '"\(.kernel_owner) \(.owner)"')" "cxl cxl"
    expect_range "seed [1]" $range "system-ram kmem 4/4 movable true"
    expect_dax_kmem "seed [1]" "$dax" Movable
    capture firmware72-sr-equal
    stop_srmd TERM
    kexec_stage 3 "memmap=1G%$window+0xefffffff"
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
    expect_eq "srmctl: kernel owner, owner, status" \
        "$(srmctl --json show $range | jq -r '"\(.kernel_owner) \(.owner) \(.status) \(.size)"')" \
        "hmem none conflict 1073741824"
    for code in dax-region-conflict region-smaller-than-range dax-unbound committed-region-in-the-way; do
        expect_problem "seed [4]" $range $code
    done
    # Blocks of 128 MiB: 0x110000000 is block 34, the 1 GiB range ends before block 42.
    online=0
    for n in 34 35 36 37 38 39 40 41; do
        [ "$(cat /sys/devices/system/memory/memory$n/state 2>/dev/null)" = online ] && online=$((online + 1))
    done
    expect_eq "nobody has the memory: no block of the range online" "$online" 0
    capture firmware72-partial
    stop_srmd TERM
    step "destroy region0 as an operator would, then boot with Soft Reserved over the window"
    echo region0 >/sys/bus/cxl/drivers/cxl_region/unbind
    echo 0 >$cxl_devices/region0/commit
    echo region0 >$cxl_devices/decoder0.0/delete_region
    endpoint=$(endpoint_decoder_of mem0)
    echo 0 >"$cxl_devices/$endpoint/dpa_size"
    check "region0 is gone" test ! -e $cxl_devices/region0
    kexec_stage 4 "memmap=512M%$window+0xefffffff"
    ;;
4)
    step "stage 4: Soft Reserved over a window that nothing decodes"
    check "no region" sh -c "! ls -d $cxl_devices/region* 2>/dev/null"
    dmesg_has "dax_hmem: CXL did not claim" 'CXL did not claim resource.*registering'
    dax=$(dax_at $window)
    check "hmem's dax device holds the range" test -n "$dax"
    start_dbus
    start_srmd_vendor
    wait_settled "srmd settles" 0 not-converged
    expect_problem "undecoded" $range window-not-decoded
    expect_problem "undecoded" $range not-decoded-refused
    expect_blocks "srmd onlined none of it" "$dax" state offline
    capture firmware72-undecoded
    step "a region created now lands after the range"
    region=$(create_ram_region mem0 0x20000000)
    start=$(cat "$cxl_devices/$region/resource")
    expect_eq "the new region starts after hmem's range" "$start" 0x130000000
    wait_until 30 dax_at "$start"
    before=$(srmd_pass)
    wait_settled "srmd settles after the region's events" "$before" not-converged
    expect_range "the region's range" r130000000 "system-ram kmem 4/4 movable true"
    expect_dax_kmem "the region's range" "$(dax_at "$start")" Movable
    ;;
esac

finish
