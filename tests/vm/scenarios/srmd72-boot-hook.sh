#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -N 1G -d
# boot: kexec
# Winning the boot-time race with srmd's boot hook (srmd(8), BOOT HOOK), on Debian's 7.x default
# (auto_online_blocks=online, no memhp_default_state=): kmem binds hmem's dax device at coldplug
# and the kernel onlines its memory in ZONE_NORMAL before srmd starts.
#   stage 1: srmd with exclusive_onlining installs /etc/modprobe.d/srmd-kmem.conf; this boot's
#            memory stays trapped in ZONE_NORMAL, and srmd says so.
#   stage 2: the same kernel again (kexec): udev loads kmem through the hook, which sets
#            auto_online_blocks to offline first; the memory comes up offline, and srmd with the
#            vendor policy onlines it movable, then gives control back: the hook goes, the
#            setting returns to the value the hook recorded.
# shellcheck source=lib.sh
. /scenarios/lib.sh

range=r100000000
hook=/etc/modprobe.d/srmd-kmem.conf
# The kexec'd kernel's segments stay below 4 GiB, out of node 1's memory.
vmtest_kexec_options=--mem-max=0xffffffff

case $(vmtest_stage) in
1)
    step "stage 1: Debian's default boot, srmd told to online memory alone"
    expect_file "auto_online_blocks is online" /sys/devices/system/memory/auto_online_blocks online
    dax=$(dax_at 0x100000000)
    check "a dax device for node 1's range" test -n "$dax"
    expect_dax_kmem "at boot" "$dax" Normal
    expect_absent "no boot hook yet" $hook
    start_dbus
    start_srmd_with exclusive72
    wait_settled "srmd settles" 0 not-converged
    expect_exists "srmd installed the boot hook" $hook
    # shellcheck disable=SC2016 # $CMDLINE_OPTS is modprobe's, written as it is
    check "the hook loads kmem through srmd-kmem-hook" \
        grep -qx 'install kmem if \[ -x /usr/libexec/srmd/srmd-kmem-hook \]; then /usr/libexec/srmd/srmd-kmem-hook $CMDLINE_OPTS; else /sbin/modprobe --ignore-install kmem $CMDLINE_OPTS; fi' $hook
    expect_eq "bus: BootHook" "$(bus_manager BootHook)" '"installed"'
    check "srmctl status shows the hook" sh -c "srmctl status | grep -q '^Boot hook: installed'"
    check "the state file records it" \
        sh -c "jq -e '.installed_files[0].path == \"$hook\"' /var/lib/srmd/state.json"
    expect_problem "still trapped this boot" $range offline-normal-refused
    expect_dax_kmem "untouched" "$dax" Normal
    stop_srmd TERM
    kexec_stage 2
    ;;
2)
    step "stage 2: the same kernel again, kmem loaded through the hook"
    expect_exists "the hook survived the reboot" $hook
    expect_file "the hook set auto_online_blocks to offline" \
        /sys/devices/system/memory/auto_online_blocks offline
    expect_file "the hook recorded the kernel's value" /run/srmd/auto-online-blocks.original online
    dax=$(dax_at 0x100000000)
    check "a dax device for node 1's range" test -n "$dax"
    expect_eq "kmem bound it at coldplug" "$(driver_of "$dax")" kmem
    expect_blocks "its blocks came up offline" "$dax" state offline
    start_dbus
    start_srmd_vendor
    wait_settled "srmd converges with the vendor policy" 0 converged
    expect_range "movable" $range "system-ram kmem 8/8 movable true"
    expect_dax_kmem "vendor policy" "$dax" Movable
    step "the vendor policy does not ask srmd alone to online: srmd gives control back"
    expect_absent "srmd removed its boot hook" $hook
    expect_eq "bus: BootHook" "$(bus_manager BootHook)" '"off"'
    expect_file "auto_online_blocks is back to online" \
        /sys/devices/system/memory/auto_online_blocks online
    check "the state file no longer records it" \
        sh -c "jq -e '.installed_files == null' /var/lib/srmd/state.json"
    expect_eq "no failed step" "$(bus_manager LastReconcile | jq -r .failed.data)" 0
    finish
    ;;
esac
