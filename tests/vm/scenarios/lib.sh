# Sourced by every scenario (busybox sh in the guest). Checks print one line each:
#   VMTEST-CHECK ok: DESCRIPTION
#   VMTEST-CHECK FAIL: DESCRIPTION (what was seen)
# and `finish` ends the scenario with status 0 only when no check failed and at least one ran.
# Also here: captures that become fixtures, uevent expectations on the log /init records, and
# the hooks that start dbus-daemon and srmd in the guest.

vmtest_passed=0
vmtest_failed=0
uevent_log=/captures/uevents.log

step() {
    echo "VMTEST-STEP $* (uptime $(cut -d' ' -f1 /proc/uptime))"
}

pass() {
    vmtest_passed=$((vmtest_passed + 1))
    echo "VMTEST-CHECK ok: $1"
}

fail() {
    vmtest_failed=$((vmtest_failed + 1))
    echo "VMTEST-CHECK FAIL: $1${2:+ ($2)}"
}

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0; its output is shown when it fails.
check() {
    local description=$1
    shift
    if "$@" >/tmp/check.out 2>&1; then
        pass "$description"
    else
        fail "$description" "exit $?: $*"
        sed 's/^/    /' /tmp/check.out
    fi
}

# run DESCRIPTION PROGRAM ARGS...: like check, but the output is always shown (for daxctl, cxl,
# ndctl, busctl, srmctl), and PROGRAM is killed after 120 s so that a hung tool fails its check
# instead of using up the whole boot's time limit.
run() {
    local description=$1
    shift
    echo "VMTEST-RUN $*"
    if timeout 120 "$@" >/tmp/run.out 2>&1; then
        sed 's/^/    /' /tmp/run.out
        pass "$description"
    else
        local status=$?
        sed 's/^/    /' /tmp/run.out
        fail "$description" "exit $status: $*"
        return 1
    fi
}

expect_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "got '$2', expected '$3'"
    fi
}

# expect_file DESCRIPTION PATH EXPECTED: the whole content of a sysfs attribute.
expect_file() {
    if [ -e "$2" ]; then
        expect_eq "$1" "$(cat "$2" 2>&1)" "$3"
    else
        fail "$1" "$2 does not exist"
    fi
}

expect_exists() {
    if [ -e "$2" ]; then pass "$1"; else fail "$1" "$2 does not exist"; fi
}

expect_absent() {
    if [ -e "$2" ]; then fail "$1" "$2 exists"; else pass "$1"; fi
}

# expect_iomem DESCRIPTION REGEX / expect_no_iomem: an extended regex on the lines of /proc/iomem.
expect_iomem() {
    if grep -qE "$2" /proc/iomem; then
        pass "$1"
    else
        fail "$1" "no line of /proc/iomem matches '$2'"
        sed 's/^/    /' /proc/iomem
    fi
}

expect_no_iomem() {
    if grep -qE "$2" /proc/iomem; then
        fail "$1" "/proc/iomem has: $(grep -E "$2" /proc/iomem | head -n 1)"
    else
        pass "$1"
    fi
}

# The name of the driver bound to a device directory, or "none".
driver_of() {
    if [ -L "$1/driver" ]; then basename "$(readlink "$1/driver")"; else echo none; fi
}

# dax_at START: the dax device (e.g. /sys/bus/dax/devices/dax0.0) whose range starts at START
# (0x... as the kernel prints it). Names depend on probe order, addresses do not.
dax_at() {
    local device
    for device in /sys/bus/dax/devices/*; do
        [ "$(cat "$device/resource" 2>/dev/null)" = "$1" ] && echo "$device" && return 0
    done
    return 1
}

# first_device DIR PREFIX: the first entry of DIR (a bus's devices/) whose name starts with PREFIX.
first_device() {
    local entry
    for entry in "$1/$2"*; do
        [ -e "$entry" ] && echo "${entry##*/}" && return 0
    done
    return 1
}

# memory_blocks_of DAX_DEVICE: the memoryN directories that its range covers, in order.
memory_blocks_of() {
    local block_size start size first last
    block_size=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
    start=$(($(cat "$1/resource")))
    size=$(cat "$1/size")
    first=$((start / block_size))
    last=$(((start + size - 1) / block_size))
    while [ "$first" -le "$last" ]; do
        echo "/sys/devices/system/memory/memory$first"
        first=$((first + 1))
    done
}

# expect_blocks DESCRIPTION DAX_DEVICE ATTRIBUTE EXPECTED: every memory block of the device.
expect_blocks() {
    local block seen=0 wrong=
    for block in $(memory_blocks_of "$2"); do
        seen=$((seen + 1))
        if [ ! -e "$block/$3" ]; then
            wrong="$wrong ${block##*/}:absent"
        elif [ "$(cat "$block/$3")" != "$4" ]; then
            wrong="$wrong ${block##*/}:'$(cat "$block/$3")'"
        fi
    done
    if [ -z "$wrong" ] && [ "$seen" -gt 0 ]; then
        pass "$1 ($seen blocks)"
    else
        fail "$1" "expected '$4', got$wrong"
    fi
}

# wait_until SECONDS COMMAND...: polls every 0.2 s; status 0 as soon as COMMAND succeeds. The
# limit is on the clock, not a count of tries: under TCG one try of a tool can take a second.
wait_until() {
    local deadline=$(($(date +%s) + $1))
    shift
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# uevent_mark prints a position in the uevent log; expect_uevent looks only after it.
uevent_mark() {
    wc -l <"$uevent_log"
}

uevent_seen_after() {
    tail -n +"$(($1 + 1))" "$uevent_log" | grep -qE "$2"
}

# expect_uevent DESCRIPTION MARK REGEX: REGEX matches a line that udevadm monitor printed after
# MARK, e.g. 'UDEV .* bind +/devices/platform/hmem\.0/dax0\.0 \(dax\)'.
expect_uevent() {
    udevadm settle --timeout=30 >/dev/null 2>&1
    if wait_until 10 uevent_seen_after "$2" "$3"; then
        pass "$1"
    else
        fail "$1" "no uevent matching '$3'"
        tail -n +"$(($2 + 1))" "$uevent_log" | grep -E '^(KERNEL|UDEV)' | tail -n 20 | sed 's/^/    /'
    fi
}

# capture NAME: what a fixture needs. /captures/NAME is `srmctl capture` (proc/ and sys/ as srmd
# reads them) when srmctl is in the image; /captures/tools/NAME has the kernel tools' view.
capture() {
    local name=$1 tools=/captures/tools/$1
    mkdir -p "$tools"
    cat /proc/iomem >"$tools/iomem.txt"
    daxctl list -iDRM >"$tools/daxctl.json" 2>&1
    if [ -n "$(ls /sys/bus/cxl/devices 2>/dev/null)" ]; then
        cxl list -vvv >"$tools/cxl.json" 2>&1
        ndctl list -iRND >"$tools/ndctl.json" 2>&1
    fi
    if command -v srmctl >/dev/null; then
        check "srmctl capture $name" srmctl capture "/captures/$name"
    fi
}

# The daemon hooks. Scenarios that test srmd call start_dbus, then start_srmd POLICY_DIR.
srmd_pid=

start_dbus() {
    mkdir -p /run/dbus
    if ! dbus-daemon --system --fork >/captures/dbus-daemon.log 2>&1; then
        fail "dbus-daemon started" "$(cat /captures/dbus-daemon.log)"
        return 1
    fi
    if wait_for_bus_name org.freedesktop.DBus 10; then
        pass "dbus-daemon serves the system bus"
    else
        fail "dbus-daemon serves the system bus" "no answer on /run/dbus/system_bus_socket"
        return 1
    fi
}

# wait_for_bus_name NAME [SECONDS]: status 0 once NAME has an owner on the system bus.
wait_for_bus_name() {
    wait_until "${2:-30}" busctl --system status "$1"
}

# start_srmd POLICY_DIR [SRMD_ARGS...]: srmd in the background as systemd would start it, but
# without NOTIFY_SOCKET (there is no systemd); passes once org.srmd1 is on the bus.
start_srmd() {
    local policy_dir=$1
    shift
    if ! command -v srmd >/dev/null; then
        fail "srmd is in the image" "build it, then rerun tests/vm/run"
        return 1
    fi
    mkdir -p /var/lib/srmd
    (
        unset NOTIFY_SOCKET
        exec srmd --policy-dir "$policy_dir" "$@"
    ) >>/captures/srmd.log 2>&1 &
    srmd_pid=$!
    if wait_until 60 srmd_owns_name_or_died && srmd_alive; then
        pass "srmd owns org.srmd1"
        return 0
    fi
    if srmd_alive; then
        fail "srmd owns org.srmd1" "not within 60 s; see /captures/srmd.log"
    else
        wait "$srmd_pid" 2>/dev/null
        fail "srmd owns org.srmd1" "srmd exited with status $?; see /captures/srmd.log"
        srmd_pid=
    fi
    tail -n 20 /captures/srmd.log | sed 's/^/    /'
    return 1
}

srmd_owns_name_or_died() {
    ! srmd_alive || busctl --system status org.srmd1
}

# srmd_alive: status 0 while the srmd that start_srmd started still runs (a zombie does not).
srmd_alive() {
    [ -n "$srmd_pid" ] || return 1
    case $(awk '/^State:/ {print $2}' "/proc/$srmd_pid/status" 2>/dev/null) in
        "" | Z) return 1 ;;
    esac
}

# stop_srmd [SIGNAL]: TERM by default (a clean stop); KILL for the crash scenarios. Its status
# is srmd's exit status.
stop_srmd() {
    [ -n "$srmd_pid" ] || return 0
    kill -"${1:-TERM}" "$srmd_pid" 2>/dev/null
    wait "$srmd_pid" 2>/dev/null
    local status=$?
    srmd_pid=
    return $status
}

finish() {
    # A daemon that died before the end (a crash) fails the scenario, whatever else passed.
    if [ -n "$srmd_pid" ] && ! srmd_alive; then
        wait "$srmd_pid" 2>/dev/null
        fail "srmd ran until the end" "it exited with status $?; see /captures/srmd.log"
        srmd_pid=
    fi
    stop_srmd TERM
    echo "VMTEST-SUMMARY $vmtest_passed checks passed, $vmtest_failed failed"
    [ "$vmtest_failed" -eq 0 ] && [ "$vmtest_passed" -gt 0 ]
    exit $?
}
