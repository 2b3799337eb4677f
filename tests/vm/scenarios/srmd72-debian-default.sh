#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -N 1G -d
# Debian's 7.x default (auto_online_blocks=online, no memhp_default_state=): kmem binds hmem's
# dax device at boot and the kernel onlines the memory in ZONE_NORMAL before srmd starts. The
# vendor policy acts only on memory nobody can use: it must count the range as converged and
# report no refusal (no crying wolf over memory in use). An administrator's strict rule (the
# shipped example 45-all-movable.yaml) must then say the range can no longer become movable,
# why, and what prevents it from the next boot on (its boot hook among them: srmd72-boot-hook).
# Neither may touch the memory.
# shellcheck source=lib.sh
. /scenarios/lib.sh

range=r100000000

step "boot: the kernel onlined the range in ZONE_NORMAL"
expect_file "auto_online_blocks is online" /sys/devices/system/memory/auto_online_blocks online
dax=$(dax_at 0x100000000)
check "a dax device for node 1's range" test -n "$dax"
expect_dax_kmem "at boot" "$dax" Normal
capture default72-boot
start_dbus
start_srmd_vendor

step "vendor policy: memory in use is left alone and counts as converged"
wait_settled "srmd converges with nothing to do" 0 converged
expect_range "in use" $range "system-ram kmem 8/8 normal true"
expect_eq "no problem reported" "$(srmctl --json show $range | jq -c '[.problems[].code]')" '[]'
expect_eq "no step ran" "$(bus_manager LastReconcile | jq -r .steps.data)" 0
expect_dax_kmem "untouched by the vendor policy" "$dax" Normal

step "a strict rule (45-all-movable.yaml): srmd refuses and explains"
before=$(srmd_pass)
rm -f "$policy_dir"/*.yaml
cp /usr/share/doc/srmd/examples/policy/45-all-movable.yaml /usr/lib/srmd/policy.d/50-default.yaml "$policy_dir/"
run "srmctl reload (45-all-movable)" srmctl reload
wait_settled "srmd reports not-converged" "$before" not-converged
expect_range "trapped" $range "system-ram kmem 8/8 normal false"
expect_problem "trapped" $range offline-normal-refused
message=$(srmctl --json show $range | jq -r '.problems[] | select(.code == "offline-normal-refused") | .message')
check "the problem says the kernel onlined it at boot" contains "$message" auto_online_blocks=online
check "the problem names the remedy" contains "$message" memhp_default_state=offline
check "the problem names srmd's own remedy" contains "$message" exclusive_onlining
check "the problem names srmd's boot hook" contains "$message" /etc/modprobe.d/srmd-kmem.conf
expect_eq "bus: no boot hook (the vendor policy does not ask for it)" "$(bus_manager BootHook)" '"off"'
check "srmctl status: Boot hook: off" sh -c "srmctl status | grep -qx 'Boot hook: off'"
expect_absent "srmd installed no boot hook" /etc/modprobe.d/srmd-kmem.conf
expect_dax_kmem "untouched" "$dax" Normal
expect_eq "no failed step" "$(bus_manager LastReconcile | jq -r .failed.data)" 0

finish
