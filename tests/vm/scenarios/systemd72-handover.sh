#!/bin/sh
# kernel: 7.2
# image: systemd
# vm: -m 2048M -X 512M -S 512M@0x110000000
# The systemd lane's other 7.2 machine (see systemd-boot): Soft Reserved over the CXL window
# where no region exists, so hmem holds the range at boot. The vendor policy leaves it offline
# (window-not-decoded: no decoder backs it); then a policy with `owner: cxl`, reloaded
# through systemctl, makes srmd hand it over under the unit's sandbox: offline, unbind hmem's dax
# device, release hmem.N, create a ram region through raw sysfs at the range's address, online
# the new dax device movable (srmd72-handover does the same without systemd).
# shellcheck source=lib.sh
. /scenarios/lib.sh

export SYSTEMD_PAGER=cat
window=0x110000000
range=r110000000
policy=/etc/srmd/policy.d/10-vmtest.yaml

# no_online_block DAX: no memory block of the device is online (absent ones are not).
no_online_block() {
    for block in $(memory_blocks_of "$1"); do
        [ "$(cat "$block/state" 2>/dev/null)" != online ] || return 1
    done
}

parent_of() {
    basename "$(dirname "$(readlink -f "$1")")"
}

step "the boot: the vendor policy does not online memory no decoder backs"
expect_eq "srmd.service is active" "$(systemctl is-active srmd)" active
ready=$(systemctl show -P ActiveEnterTimestampMonotonic srmd)
sysinit=$(systemctl show -P ActiveEnterTimestampMonotonic sysinit.target)
check "srmd was READY before sysinit.target completed" test "$ready" -gt 0 -a "$ready" -lt "$sysinit"
check "no region" sh -c "! ls -d $cxl_devices/region* 2>/dev/null"
dax=$(dax_at $window)
check "hmem's dax device holds the range ($dax)" test -n "$dax"
hmem=$(parent_of "$dax")
check "its parent is an hmem device ($hmem)" contains "$hmem" hmem.
expect_problem "vendor policy" $range window-not-decoded
check "no block of it is online" no_online_block "$dax"

step "owner: cxl by systemctl reload: the hand-over under the unit's sandbox"
before=$(srmd_pass)
cp /policies/handover72-cxl.yaml "$policy"
run "systemctl reload srmd" systemctl reload srmd
wait_settled "srmd converges" "$before" converged 180
region=$(first_device $cxl_devices region)
check "srmd created a region ($region)" test -n "$region"
expect_file "the region starts at the range's address" "$cxl_devices/$region/resource" $window
expect_file "the region is committed" "$cxl_devices/$region/commit" 1
expect_eq "$hmem is released" "$(driver_of "/sys/bus/platform/devices/$hmem")" none
dax=$(dax_at $window)
check "a dax device holds the range again" test -n "$dax"
expect_eq "its parent is the region's dax region" "$(parent_of "$dax")" "dax_region${region#region}"
expect_range "handed over" $range "system-ram kmem 4/4 movable true"
expect_dax_kmem "handed over" "$dax" Movable
expect_eq "state.json records the region srmd created" \
    "$(jq -r '.created_regions | map(.name) | join(",")' /var/lib/srmd/state.json)" "$region"
journalctl -u srmd --no-pager -o verbose >/tmp/verbose.out
check "the journal has the create-region step (SRMD_ACTION)" grep -q "SRMD_ACTION=create-region" /tmp/verbose.out
check "the journal has the release-hmem step" grep -q "SRMD_ACTION=release-hmem" /tmp/verbose.out

journalctl -u srmd --no-pager -o short-monotonic >/captures/srmd.log 2>&1
finish
