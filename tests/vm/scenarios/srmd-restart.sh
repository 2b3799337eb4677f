#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -x
# srmd killed (SIGKILL) in the middle of a plan that takes memory offline, then started again:
# it reads the machine afresh, says which step the previous run stopped during (when the state
# file recorded one), and converges. Node 1 goes from movable system RAM to devdax.
# shellcheck source=lib.sh
. /scenarios/lib.sh

node1=r140000000
state=/var/lib/srmd/state.json

step "srmd holds node 1 as movable system RAM"
node1_dax=$(dax_at 0x140000000)
start_dbus
start_srmd_with node1-movable
wait_settled "srmd converges" 0 converged
expect_range "movable" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "movable" "$node1_dax" Movable

step "ask for devdax, kill srmd while it takes the memory offline"
use_policy node1-devdax
run "srmctl reload" srmctl reload
# The state file names the step in progress before the step reaches the kernel; grep, cheaper
# than jq under TCG, keeps the polling tight. Offlining 1 GiB takes the emulated guest seconds.
if wait_until 30 grep -q '"in_progress": {' "$state"; then
    stop_srmd KILL
    cp "$state" /captures/state-at-kill.json
    interrupted=$(jq -r '"\(.in_progress.action) \(.in_progress.target)"' /captures/state-at-kill.json)
    pass "srmd was killed during a step ($interrupted)"
else
    # The whole plan ran between two looks: the restart is still checked, without a step to name.
    stop_srmd KILL
    cp "$state" /captures/state-at-kill.json
    interrupted=
    echo "VMTEST-NOTE the state file showed no step in progress before the kill"
fi
check "nobody owns org.srmd1 any more" wait_until 10 bus_name_unowned org.srmd1
if [ -n "$interrupted" ]; then
    check "the plan was cut short: node 1 is not devdax yet (sysfs)" test "$(driver_of "$node1_dax")" != device_dax
fi
echo "    blocks at the kill: $(for b in $(memory_blocks_of "$node1_dax"); do cat "$b/state" 2>/dev/null; done | sort | uniq -c | tr '\n' ' ')"

step "srmd started again converges"
log_mark=$(wc -l </captures/srmd.log)
start_srmd "$policy_dir" --log-target console
wait_settled "srmd converges after the restart" 0 converged
expect_range "devdax" $node1 "devdax device_dax 0/0 none true"
expect_dax_devdax "devdax" "$node1_dax"
if [ -n "$interrupted" ]; then
    check "the log says the previous run stopped during $interrupted" sh -c \
        "tail -n +$((log_mark + 1)) /captures/srmd.log | grep -qF 'the previous run stopped during $interrupted'"
    check "the state file records the step as interrupted" jq -e \
        "[.ranges.$node1.steps[] | select(.result == \"interrupted\")] | length > 0" "$state"
fi
check "no step is in progress any more" jq -e '.in_progress == null' "$state"

finish
