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

# ---- the kernel's own words (issue 14 part 3): helpers for the kernel log checks below ----
# kernel_log_count RANGE MEANING: how many of the range's kernel log lines mean MEANING, in
# srmctl's JSON.
kernel_log_count() {
    srmctl --json show "$1" | jq -r --arg m "$2" '[.kernel_log[] | select(.meaning == $m)] | length'
}
# expect_kernel_line DESCRIPTION RANGE MEANING WORDS: srmctl show --json, srmctl show and the
# bus's KernelLog property all carry the range's line of that meaning, in the kernel's words.
expect_kernel_line() {
    expect_eq "$1: srmctl --json show $2 kernel_log has $3" "$(kernel_log_count "$2" "$3")" 1
    if srmctl show "$2" | grep -A20 '^Kernel log:' | grep -qF "$3: " &&
        srmctl show "$2" | grep -A20 '^Kernel log:' | grep -qF "$4"; then
        pass "$1: srmctl show $2 prints the line under Kernel log:"
    else
        fail "$1: srmctl show $2 prints the line under Kernel log:" "no '$3: ...$4...' line"
        srmctl show "$2" 2>&1 | sed 's/^/    /'
    fi
    expect_eq "$1: busctl $2 KernelLog has $3" \
        "$(bus_range "$2" KernelLog | jq -r --arg m "$3" '[.[] | select(.[3] == $m)] | length')" 1
    expect_eq "$1: the bus and the JSON give the line the same sequence number" \
        "$(bus_range "$2" KernelLog | jq -r --arg m "$3" '.[] | select(.[3] == $m) | .[0]')" \
        "$(srmctl --json show "$2" | jq -r --arg m "$3" '.kernel_log[] | select(.meaning == $m) | .seq')"
}
# expect_problem_explained DESCRIPTION RANGE CODE MEANING: the problem is linked (kernel_seq) to
# the range's line of that meaning, and quotes it.
expect_problem_explained() {
    local json seq
    json=$(srmctl --json show "$2")
    seq=$(echo "$json" | jq -r --arg m "$4" '.kernel_log[] | select(.meaning == $m) | .seq')
    expect_eq "$1: problem $3 is explained by the $4 line" \
        "$(echo "$json" | jq -r --arg c "$3" '.problems[] | select(.code == $c) | .kernel_seq')" "$seq"
    expect_eq "$1: problem $3 quotes the kernel" \
        "$(echo "$json" | jq -r --arg c "$3" '.problems[] | select(.code == $c) | .message | contains("the kernel logged: ")')" true
}
# srmd_log_has DESCRIPTION TEXT: the log of the srmd started last has TEXT.
srmd_log_has() {
    if awk '/^==== srmd started/ { text = "" } { text = text $0 "\n" } END { printf "%s", text }' \
        /captures/srmd.log | grep -qF -- "$2"; then
        pass "$1"
    else
        fail "$1" "no '$2' in /captures/srmd.log since srmd started"
    fi
}
# ---- end of the kernel log helpers ----

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
    # ---- the kernel's own words (issue 14 part 3): the ownership decision on the range ----
    expect_kernel_line "seed [1]" $range cxl-claims "CXL claims resource, dropping: [mem 0x110000000-0x12fffffff"
    if srmctl explain $range | grep -qF 'the kernel logged: "hmem_platform hmem_platform.0: CXL claims resource, dropping'; then
        pass "seed [1]: srmctl explain quotes the kernel"
    else
        fail "seed [1]: srmctl explain quotes the kernel" "no 'the kernel logged: ...' line"
        srmctl explain $range 2>&1 | sed 's/^/    /'
    fi
    srmd_log_has "seed [1]: srmd logged the kernel's line with its meaning" \
        "SRMD_KERNEL_MEANING=cxl-claims"
    # ---- end of the kernel log checks of stage 2 ----
    capture firmware72-sr-equal
    # ---- kernel log: the captured tree keeps the line it used ----
    check "seed [1]: the capture keeps the kernel's line in dev/kmsg" \
        grep -qF "CXL claims resource, dropping" /captures/firmware72-sr-equal/dev/kmsg
    expect_eq "seed [1]: srmctl simulate on the capture shows the line" \
        "$(srmctl simulate --json --root /captures/firmware72-sr-equal | jq -r --arg r $range '[.ranges[] | select(.id == $r) | .kernel_log[] | select(.meaning == "cxl-claims")] | length')" 1
    # ---- end ----
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
    # ---- the kernel's own words (issue 14 part 3): who registered what, and what failed ----
    expect_kernel_line "seed [4]" $range hmem-registers "CXL did not claim resource, registering: [mem 0x110000000-0x14fffffff"
    expect_kernel_line "seed [4]" $range dax-region-conflict "dax_region0: dax_region resource conflict"
    expect_kernel_line "seed [4]" $range kmem-reserve-failed "could not reserve region"
    expect_problem_explained "seed [4]" $range dax-region-conflict dax-region-conflict
    expect_problem_explained "seed [4]" $range dax-unbound kmem-reserve-failed
    if srmctl explain $range | grep -qF 'the kernel logged: "cxl_dax_region dax_region0: dax_region resource conflict'; then
        pass "seed [4]: srmctl explain quotes the conflict"
    else
        fail "seed [4]: srmctl explain quotes the conflict" "no such line"
        srmctl explain $range 2>&1 | sed 's/^/    /'
    fi
    srmd_log_has "seed [4]: srmd logged the conflict with its meaning" \
        "SRMD_KERNEL_MEANING=dax-region-conflict"
    srmd_log_has "seed [4]: srmd logged the problem with the kernel's sequence number" \
        "SRMD_PROBLEM=dax-region-conflict SRMD_KERNEL_SEQ="
    # ---- end of the kernel log checks of stage 3 ----
    capture firmware72-partial
    # ---- kernel log: the captured tree explains itself ----
    check "seed [4]: the capture keeps the conflict in dev/kmsg" \
        grep -qF "dax_region resource conflict" /captures/firmware72-partial/dev/kmsg
    expect_eq "seed [4]: srmctl simulate on the capture links the problem to the kernel's line" \
        "$(srmctl simulate --json --root /captures/firmware72-partial | jq -r --arg r $range '.ranges[] | select(.id == $r) | .problems[] | select(.code == "dax-region-conflict") | .kernel_seq != null')" true
    # ---- end ----
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
