#!/bin/sh
# kernel: 7.2
# vm: -m 2048M -N 1G
# boot: race
# A competing hand on 7.2: for a minute, a loop of daxctl reconfigure-device, offline-memory and
# online-memory on the dax device of the HMAT node's Soft Reserved range races srmd (as an
# operator or a stray udev rule would) while srmd holds a policy of online movable with teardown
# allowed. srmd never crashes, never unbinds online memory, never leaves kmem unbound with blocks
# online, reports the other hand (and holds off while it acts), and converges once the loop
# stops. Not on CXL memory: under TCG it runs at 2 MB/s, and every offline migrates pages.
# shellcheck source=lib.sh
. /scenarios/lib.sh

range=r100000000
dax=$(dax_at 0x100000000)
check "the range's dax device is there" test -n "$dax"
device=${dax##*/}
start_dbus
start_srmd_with numa72-movable
wait_settled "srmd converges first" 0 converged

# leaked: the device has no kmem but some block of its range is online (the kernel should never
# allow it; srmd must never cause it).
leaked() {
    [ "$(driver_of "$dax")" != kmem ] || return 1
    local block state
    for block in $(memory_blocks_of "$dax"); do
        [ -e "$block/state" ] || continue
        read -r state <"$block/state"
        [ "$state" = online ] && return 0
    done
    return 1
}

step "a minute of daxctl racing srmd on $device"
(
    end=$(($(date +%s) + 60))
    i=0
    while [ "$(date +%s)" -lt "$end" ]; do
        # Offlining migrates whatever the kernel put in the memory, and CXL memory runs at
        # about 2 MB/s under TCG: each command gets 10 s (a signal ends an offline cleanly).
        case $((i % 4)) in
            0) timeout 10 daxctl offline-memory "$device" ;;
            1) timeout 10 daxctl reconfigure-device -m devdax -f "$device" ;;
            2) timeout 10 daxctl reconfigure-device -m system-ram "$device" ;;
            3) timeout 10 daxctl online-memory "$device" ;;
        esac >>/captures/race.log 2>&1
        i=$((i + 1))
    done
    echo "race: $i daxctl commands" >>/captures/race.log
) &
racer=$!
leaks=0
samples=0
while kill -0 $racer 2>/dev/null; do
    samples=$((samples + 1))
    leaked && leaks=$((leaks + 1))
    srmd_alive || break
    sleep 0.5
done
wait $racer
tail -n 1 /captures/race.log | sed 's/^/    /'
check "srmd is alive after the race" srmd_alive
expect_eq "no moment with kmem gone and blocks online ($samples samples)" "$leaks" 0

step "after the race"
before=$(srmd_pass)
run "srmctl reconcile" srmctl reconcile
wait_settled "srmd converges once the loop stopped" "$before" converged
expect_range "after the race" "$range" "system-ram kmem 8/8 movable true"
expect_dax_kmem "after the race" "$dax" Movable
check "srmd logged changes it did not make" grep -q "changed outside srmd" /captures/srmd.log
expect_eq "srmctl shows the other hand" \
    "$(srmctl --json show "$range" | jq -r '[.problems[] | select(.code == "changed-outside-srmd")] | length')" 1

finish
