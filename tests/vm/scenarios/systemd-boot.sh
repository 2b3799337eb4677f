#!/bin/sh
# kernel: 6.1 7.2
# image: systemd
# vm: -m 3072M -N 1G -s 512M@0x100000000
# vm 7.2: -m 2048M -N 1G -X 512M
# srmd as Debian runs it: a bookworm root file system with systemd as PID 1, udev, dbus and the
# real polkitd, srmd's .deb installed with dpkg (tests/vm/build-rootfs.sh), run by
# vmtest.service once multi-user.target is reached. Checks that the package's unit started srmd
# early (READY before sysinit.target, the memory placed by the vendor policy before
# multi-user.target), that an unprivileged user reads the ranges on the bus and is refused
# changes by polkitd while root and a polkit rule's group are not, reloads through systemctl
# (a broken file refused, its position in the journal), the journal's SRMD_* fields and
# `systemctl service-log-level`, every kind of step under the unit's sandbox, a stop during a
# step, the watchdog, and D-Bus activation.
# 6.1: node 1 (HMAT, r140000000) and Soft Reserved carved from RAM at 4 GiB (r100000000); 6.1
# binds them to device_dax, so the image has an administrator's policy allowing srmd to unbind
# it (tests/vm/policies/systemd61-boot.yaml). 7.2: node 1 at 4 GiB (r100000000) under the vendor
# policy alone, and a CXL ram region created while srmd runs.
# shellcheck source=lib.sh
. /scenarios/lib.sh

export SYSTEMD_PAGER=cat
case $(uname -r) in
    6.1.*)
        node1=r140000000 node1_start=0x140000000 carved_start=0x100000000
        ;;
    *)
        node1=r100000000 node1_start=0x100000000 carved_start=
        ;;
esac
policy=/etc/srmd/policy.d/10-vmtest.yaml

# prop UNIT PROPERTY: the value of a unit's property.
prop() {
    systemctl show -P "$2" "$1"
}

# as_user USER COMMAND...: COMMAND run by USER (no session: what polkit sees of a daemon or a
# script, not of someone at the console).
as_user() {
    user=$1
    shift
    runuser -u "$user" -- "$@"
}

# node1_policy MODE: node 1 by its address in MODE (devdax, or system-ram movable), teardown
# allowed; every other range keeps the vendor policy (50-default.yaml sorts after this file).
node1_policy() {
    {
        echo "version: 1"
        echo "rules:"
        echo "  - name: vmtest-node1"
        echo "    match:"
        echo "      address: $node1_start"
        echo "    owner: kernel"
        echo "    mode: $1"
        [ "$1" = devdax ] || echo "    zone: movable"
        echo "    allow_teardown: true"
    } >"$policy"
}

# no_online_block DAX: no memory block of the device is online (absent ones are not).
no_online_block() {
    for block in $(memory_blocks_of "$1"); do
        [ "$(cat "$block/state" 2>/dev/null)" != online ] || return 1
    done
}

# step_in_progress: srmd's state file names a step, read with the shell's own read (no process
# started: under TCG a grep costs more than a short step lasts).
step_in_progress() {
    while IFS= read -r state_line; do
        case $state_line in *'"in_progress": {'*) return 0 ;; esac
    done 2>/dev/null </var/lib/srmd/state.json
    return 1
}

journal_cursor() {
    journalctl -u srmd -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'
}

step "the boot: srmd started by its unit"
expect_eq "PID 1 is systemd" "$(cat /proc/1/comm)" systemd
expect_eq "srmd.service is enabled (by the package's postinst)" "$(systemctl is-enabled srmd)" enabled
expect_eq "srmd.service is active" "$(systemctl is-active srmd)" active
expect_eq "its MainPID is srmd" "$(cat /proc/"$(prop srmd MainPID)"/comm 2>&1)" srmd
ready=$(prop srmd ActiveEnterTimestampMonotonic)
sysinit=$(prop sysinit.target ActiveEnterTimestampMonotonic)
multi_user=$(prop multi-user.target ActiveEnterTimestampMonotonic)
step "READY at ${ready} us, sysinit.target at ${sysinit} us, multi-user.target at ${multi_user} us"
check "srmd was READY before sysinit.target completed" test "$ready" -gt 0 -a "$ready" -lt "$sysinit"
check "org.srmd1 is on the bus" bus_name_has_owner org.srmd1
expect_eq "srmd's state" "$(srmd_state)" converged
expect_range "boot policy" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "boot policy" "$(dax_at $node1_start)" Movable
if [ -n "$carved_start" ]; then
    expect_dax_kmem "boot policy, carved range" "$(dax_at $carved_start)" Movable
fi
# The last block srmd brought online at boot, by the journal's own clock (the same monotonic
# clock as the units' timestamps).
placed=$(journalctl -b -u srmd -o json SRMD_ACTION=online-memory --no-pager |
    jq -s 'map(.__MONOTONIC_TIMESTAMP | tonumber) | max // 0')
step "the last online-memory step started at $placed us"
check "srmd onlined the memory before multi-user.target" test "$placed" -gt 0 -a "$placed" -lt "$multi_user"
check "... and before its READY" test "$placed" -lt "$ready"

step "an unprivileged user reads the ranges on the bus"
expect_eq "tester is not root" "$(as_user tester id -u)" "$(id -u tester)"
as_user tester busctl --system tree org.srmd1 >/tmp/tree.out 2>&1
sed 's/^/    /' /tmp/tree.out
check "busctl tree org.srmd1 (tester) lists /org/srmd1/ranges/$node1" grep -q "/org/srmd1/ranges/$node1" /tmp/tree.out
expect_eq "busctl get-property Mode (tester)" \
    "$(as_user tester busctl --system get-property org.srmd1 /org/srmd1/ranges/$node1 org.srmd1.Range Mode 2>&1)" \
    's "system-ram"'
expect_eq "srmctl --json show (tester)" "$(as_user tester srmctl --json show $node1 | jq -r .mode)" system-ram

step "polkit: tester refused, root allowed, a rule's group allowed"
as_user tester srmctl apply --no-ask-password >/tmp/apply.out 2>&1
status=$?
sed 's/^/    /' /tmp/apply.out
check "tester's srmctl apply is refused" test "$status" -ne 0
check "... by polkit (the error says so)" grep -qiE 'polkit|authoriz|not allowed|denied|InteractiveAuthorizationRequired' /tmp/apply.out
check "polkitd runs (the real one, activated on the bus)" pidof polkitd
run "root's srmctl apply works" srmctl apply
as_user srmd-op srmctl apply --no-ask-password >/tmp/apply.out 2>&1
check "srmd-op (group srmd-admins) is refused before the rule" test $? -ne 0
cat >/etc/polkit-1/rules.d/50-srmd-admins.rules <<'EOF'
// The lane's local rule: members of srmd-admins may manage srmd without authentication.
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.srmd1.") == 0 && subject.isInGroup("srmd-admins")) {
        return polkit.Result.YES;
    }
});
EOF
# polkitd reads rules.d again when it changes; give it the moment it takes.
check "with the rule, srmd-op's srmctl apply works" wait_until 20 as_user srmd-op srmctl apply --no-ask-password
as_user tester srmctl apply --no-ask-password >/dev/null 2>&1
check "tester (not in the group) is still refused" test $? -ne 0

step "systemctl reload: a broken file is refused, the journal names its position"
cursor=$(journal_cursor)
cp /policies/invalid.yaml /etc/srmd/policy.d/20-invalid.yaml
bad=/etc/srmd/policy.d/20-invalid.yaml
line=$(grep -n 'zone: no$' "$bad" | cut -d: -f1)
column=$(($(sed -n "${line}p" "$bad" | sed 's/no$//' | wc -c)))
systemctl reload srmd >/tmp/reload.out 2>&1
status=$?
sed 's/^/    /' /tmp/reload.out
check "systemctl reload srmd fails" test "$status" -ne 0
check "the journal has $bad:$line:$column" wait_until 20 sh -c \
    "journalctl -u srmd --no-pager --after-cursor='$cursor' | grep -qF '$bad:$line:$column'"
expect_eq "srmd still active" "$(systemctl is-active srmd)" active
expect_eq "PolicyValid is false" "$(bus_manager PolicyValid)" false
rm -f "$bad"
run "systemctl reload srmd with the file gone" systemctl reload srmd
expect_eq "PolicyValid is true" "$(bus_manager PolicyValid)" true

step "the journal's fields, and service-log-level"
journalctl -u srmd -o verbose --no-pager >/tmp/verbose.out 2>&1
check "journalctl -o verbose: SRMD_RANGE=$node1" grep -q "SRMD_RANGE=$node1" /tmp/verbose.out
check "journalctl -o verbose: SRMD_ACTION=online-memory" grep -q "SRMD_ACTION=online-memory" /tmp/verbose.out
check "journalctl -o verbose: SRMD_POLICY_FILE=$bad" grep -q "SRMD_POLICY_FILE=$bad" /tmp/verbose.out
run "systemctl service-log-level srmd debug" systemctl service-log-level srmd debug
expect_eq "systemctl service-log-level srmd" "$(systemctl service-log-level srmd 2>&1)" debug
run "systemctl service-log-level srmd info" systemctl service-log-level srmd info

step "under the unit's sandbox: offline, unbind kmem, bind device_dax; stop during a step"
dax=$(dax_at $node1_start)
# Pages on node 1 that the offline step must migrate: it lasts long enough to be caught.
mkdir -p /mnt/node1
mount -t tmpfs -o size=256M,mpol=bind:1 vmtest-node1 /mnt/node1
run "200 MB of tmpfs on node 1" dd if=/dev/zero of=/mnt/node1/fill bs=1M count=200
node1_policy devdax
# systemctl stop while a step runs: srmd's state file names the step before the kernel is
# touched; the stop is sent then, and must wait for the step to end.
cursor=$(journal_cursor)
run "srmctl reload (node 1 devdax)" srmctl reload
tries=0
until step_in_progress || [ $tries -ge 20000 ]; do
    tries=$((tries + 1))
done
cp /var/lib/srmd/state.json /captures/state-at-stop.json
check "srmd's state file names a step in progress" grep -q '"in_progress": {' /captures/state-at-stop.json
run "systemctl stop srmd" systemctl stop srmd
journalctl -u srmd --no-pager --after-cursor="$cursor" -o cat >/tmp/stop.out
sed 's/^/    /' /tmp/stop.out
expect_eq "srmd.service is inactive" "$(systemctl is-active srmd)" inactive
expect_eq "it stopped cleanly (Result)" "$(prop srmd Result)" success
expect_eq "its exit status" "$(prop srmd ExecMainStatus)" 0
check "it stopped on SIGTERM, after the step" sh -c "grep -A 100 'offline-memory' /tmp/stop.out | grep -q 'stopping on Terminated'"
check "no step is left in progress in the state file" sh -c "! grep -q '\"in_progress\": {' /var/lib/srmd/state.json"
check "no block of node 1 is online: the offline step ran to its end" no_online_block "$dax"

step "D-Bus activation: a bus call starts srmd"
as_user tester busctl --system --timeout=180 get-property org.srmd1 /org/srmd1 org.srmd1.Manager State >/tmp/activate.out 2>&1
check "tester's busctl get-property State answered" grep -q '^s ' /tmp/activate.out
expect_eq "srmd.service is active again" "$(systemctl is-active srmd)" active
wait_settled "srmd converges on devdax" 0 converged 180
expect_range "devdax" $node1 "devdax device_dax 0/0 none true"
expect_dax_devdax "devdax" "$dax"
rm -f /mnt/node1/fill
umount /mnt/node1

step "under the unit's sandbox: unbind device_dax, bind kmem, online"
before=$(srmd_pass)
node1_policy system-ram
run "systemctl reload srmd" systemctl reload srmd
wait_settled "srmd converges on movable" "$before" converged 180
expect_range "movable" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "movable" "$dax" Movable

if [ -e "$cxl_devices/mem0" ]; then
    step "under the unit's sandbox: a CXL ram region onlined by the vendor policy"
    rm -f "$policy"
    run "systemctl reload srmd" systemctl reload srmd
    before=$(srmd_pass)
    region=$(create_ram_region mem0 0x20000000)
    check "region created and committed ($region)" test "$(cat $cxl_devices/$region/commit 2>/dev/null)" = 1
    start=$(cat "$cxl_devices/$region/resource")
    wait_until 30 dax_at "$start"
    cxl_dax=$(dax_at "$start")
    check "dax_cxl gave it a dax device ($cxl_dax)" test -n "$cxl_dax"
    wait_settled "srmd converges on the CXL range" "$before" converged 180
    expect_range "CXL ram" "r${start#0x}" "system-ram kmem 4/4 movable true"
    expect_dax_kmem "CXL ram" "$cxl_dax" Movable
fi

step "under the unit's sandbox: exclusive_onlining takes over onlining, and gives it back"
# /run/udev/rules.d, /run/srmd and /etc/modprobe.d are where the take-over writes (the unit's
# ReadWritePaths= and RuntimeDirectory=); ndctl's 90-daxctl-device.rules (the daxctl package) is
# the rule masked; /etc/modprobe.d/srmd-kmem.conf the boot hook, for the next boot.
# The kernel onlining hot-added memory by itself, as an administrator may have set it: srmd
# records the value, writes offline, and writes the value back when it gives control back.
auto=/sys/devices/system/memory/auto_online_blocks
auto_before=$(cat $auto)
echo online_movable >$auto
mask=/run/udev/rules.d/90-daxctl-device.rules
hook=/etc/modprobe.d/srmd-kmem.conf
# Settings of later files win: this one sorts after the vendor's 50-default.yaml.
exclusive=/etc/srmd/policy.d/60-exclusive.yaml
printf 'version: 1\nsettings:\n  exclusive_onlining: true\n' >$exclusive
# As at boot: srmd starts with the setting, and /run/udev/rules.d does not exist yet (nothing
# but srmd creates it).
rmdir /run/udev/rules.d 2>/dev/null
step "/run/udev/rules.d before the start: $(ls -ld /run/udev/rules.d 2>&1)"
cursor=$(journal_cursor)
run "systemctl restart srmd (exclusive_onlining: true)" systemctl restart srmd
check "srmd masked 90-daxctl-device.rules in /run/udev/rules.d" wait_until 60 sh -c "head -n 1 $mask | grep -q '^# masked by srmd:'"
expect_eq "auto_online_blocks is offline" "$(cat $auto)" offline
expect_eq "srmd recorded the value it replaced" "$(cat /run/srmd/auto-online-blocks.original 2>&1)" online_movable
check "srmd installed its boot hook $hook" wait_until 30 sh -c "head -n 1 $hook | grep -q '^# Installed by srmd:' && grep -q '^install kmem ' $hook"
check "... loading kmem through the package's hook program" sh -c \
    "grep -q '^install kmem .*/usr/libexec/srmd/srmd-kmem-hook' $hook && test -x /usr/libexec/srmd/srmd-kmem-hook"
journalctl -u srmd --no-pager --after-cursor="$cursor" -o cat >/tmp/take.out
sed 's/^/    /' /tmp/take.out
check "the journal has no error of the take-over" sh -c "! journalctl -u srmd --no-pager --after-cursor='$cursor' -p err -o cat | grep -q ."
rm -f $exclusive
run "systemctl reload srmd (exclusive_onlining back to false)" systemctl reload srmd
check "srmd removed its mask" wait_until 60 test ! -e $mask
check "srmd removed its boot hook" wait_until 30 test ! -e $hook
expect_eq "auto_online_blocks is back to online_movable" "$(cat $auto)" online_movable
echo "$auto_before" >$auto

step "the watchdog restarts a hung srmd"
mkdir -p /run/systemd/system/srmd.service.d
printf '[Service]\nWatchdogSec=6s\n' >/run/systemd/system/srmd.service.d/vmtest-watchdog.conf
systemctl daemon-reload
run "systemctl restart srmd (WatchdogSec=6s)" systemctl restart srmd
restarts=$(prop srmd NRestarts)
hung=$(prop srmd MainPID)
cursor=$(journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
kill -STOP "$hung"
step "srmd ($hung) stopped with SIGSTOP"
check "systemd restarted it" wait_until 90 sh -c \
    "[ \$(systemctl show -P NRestarts srmd) -gt $restarts ] && [ \$(systemctl show -P MainPID srmd) != $hung ] && [ \$(systemctl show -P MainPID srmd) != 0 ]"
check "the journal says the watchdog fired" sh -c \
    "journalctl --no-pager --after-cursor='$cursor' | grep -qi 'watchdog timeout'"
check "srmd is active again" wait_until 90 sh -c '[ "$(systemctl is-active srmd)" = active ]'
rm -f /run/systemd/system/srmd.service.d/vmtest-watchdog.conf
systemctl daemon-reload
wait_settled "srmd converges after the restart" 0 converged 180

step "the package: dpkg -r stops srmd, removes the boot hook, leaves memory and this boot's take-over; purge undoes it"
echo online_movable >$auto
printf 'version: 1\nsettings:\n  exclusive_onlining: true\n' >$exclusive
run "systemctl reload srmd (exclusive_onlining: true)" systemctl reload srmd
check "srmd masked 90-daxctl-device.rules" wait_until 60 sh -c "head -n 1 $mask | grep -q '^# masked by srmd:'"
check "srmd installed its boot hook" wait_until 30 test -e $hook
journalctl -u srmd --no-pager -o short-monotonic >/captures/srmd.log 2>&1
run "dpkg -r srmd" dpkg -r srmd
check "srmd no longer runs" sh -c "! pidof srmd"
expect_eq "srmd.service is not active" "$(systemctl is-active srmd)" inactive
expect_dax_kmem "after dpkg -r" "$dax" Movable
check "dpkg -r removed the boot hook (its program is gone)" test ! -e $hook
check "this boot's take-over stays: the mask" test -e $mask
expect_eq "this boot's take-over stays: auto_online_blocks" "$(cat $auto)" offline
run "dpkg -P srmd" dpkg -P srmd
expect_absent "purge removed /var/lib/srmd" /var/lib/srmd
expect_absent "purge removed /run/srmd" /run/srmd
expect_absent "purge removed srmd's mask" $mask
expect_eq "purge wrote back auto_online_blocks" "$(cat $auto)" online_movable
expect_dax_kmem "after dpkg -P" "$dax" Movable
echo "$auto_before" >$auto

finish
