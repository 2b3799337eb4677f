#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -x
# A bad policy reload is refused, over the bus (srmctl reload, busctl ReloadPolicy) and by
# SIGHUP: the error names the file, line and column, PolicyValid turns false, the last good
# policy stays in force and nothing of the machine changes. Fixing the file and reloading again
# makes PolicyValid true.
# shellcheck source=lib.sh
. /scenarios/lib.sh

node1=r140000000
bad=$policy_dir/invalid.yaml

step "srmd holds node 1 as movable system RAM"
node1_dax=$(dax_at 0x140000000)
start_dbus
start_srmd_with node1-movable
wait_settled "srmd converges" 0 converged
expect_range "movable" $node1 "system-ram kmem 8/8 movable true"
expect_eq "busctl: PolicyValid" "$(bus_manager PolicyValid)" true
ranges_before=$(srmctl --json ranges | jq -S -c .)
files_before=$(bus_manager PolicyFiles)
pass_before=$(srmd_pass)

step "srmctl reload with a bad file: refused"
cp /policies/invalid.yaml "$policy_dir/"
# The position of the error: the line of "zone: no" and the column of its value.
line=$(grep -n 'zone: no$' "$bad" | cut -d: -f1)
column=$(($(sed -n "${line}p" "$bad" | sed 's/no$//' | wc -c)))
echo "VMTEST-RUN srmctl --json reload"
srmctl --json reload >/tmp/reload.json 2>&1
status=$?
sed 's/^/    /' /tmp/reload.json
expect_eq "srmctl reload exits 1" "$status" 1
expect_eq "the error's name" "$(jq -r .error.name /tmp/reload.json)" org.srmd1.Error.PolicyInvalid
check "the error names $bad:$line:$column" sh -c \
    "jq -r .error.message /tmp/reload.json | grep -qF '$bad:$line:$column: error: '"
check "the error says the last good policy stays" sh -c \
    "jq -r .error.message /tmp/reload.json | grep -qi 'last good'"
expect_eq "busctl: PolicyValid is false" "$(bus_manager PolicyValid)" false
expect_eq "srmctl status: PolicyValid is false" "$(srmctl --json status | jq -r .PolicyValid)" false
expect_eq "busctl: PolicyFiles unchanged" "$(bus_manager PolicyFiles)" "$files_before"

step "busctl ReloadPolicy and SIGHUP: refused the same way"
if busctl --system call org.srmd1 /org/srmd1 org.srmd1.Manager ReloadPolicy 'a{sv}' 0 >/tmp/busctl.out 2>&1; then
    fail "busctl ReloadPolicy fails" "it succeeded: $(cat /tmp/busctl.out)"
else
    check "busctl ReloadPolicy fails with the file's position" grep -qF "$bad:$line:$column" /tmp/busctl.out
fi
log_mark=$(wc -l </captures/srmd.log)
kill -HUP "$srmd_pid"
check "SIGHUP: srmd logs the error with its position" wait_until 20 sh -c \
    "tail -n +$((log_mark + 1)) /captures/srmd.log | grep -qF '$bad:$line:$column: error:'"
check "SIGHUP: srmd says the last good policy stays" wait_until 20 sh -c \
    "tail -n +$((log_mark + 1)) /captures/srmd.log | grep -q 'policy refused'"
check "srmd still runs" srmd_alive

step "nothing changed"
# A refused policy asks for no pass; run one, so the comparison is with what srmd reads now.
run "srmctl reconcile" srmctl reconcile
expect_eq "srmctl ranges: the same as before" "$(srmctl --json ranges | jq -S -c .)" "$ranges_before"
expect_range "still movable" $node1 "system-ram kmem 8/8 movable true"
expect_dax_kmem "still movable" "$node1_dax" Movable
expect_eq "busctl: the rule in force" "$(bus_range $node1 Policy | jq -r '.[0] |= sub(":[0-9]+ "; " ") | join(" ")')" \
    "node1-movable.yaml node1 hmem system-ram movable"

step "the file fixed: the reload is taken"
rm -f "$bad"
run "srmctl reload" srmctl reload
expect_eq "busctl: PolicyValid is true again" "$(bus_manager PolicyValid)" true
check "srmd ran passes since" test "$(srmd_pass)" -gt "$pass_before"

finish
