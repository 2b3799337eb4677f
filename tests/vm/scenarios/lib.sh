# Sourced by every scenario (busybox sh in the guest). Checks print one line each:
#   VMTEST-CHECK ok: DESCRIPTION
#   VMTEST-CHECK FAIL: DESCRIPTION (what was seen)
# and `finish` ends the scenario with status 0 only when no check failed and at least one ran.
# Also here: captures that become fixtures, uevent expectations on the log /init records, and
# the hooks that start dbus-daemon and srmd in the guest.

vmtest_passed=0
vmtest_failed=0
uevent_log=/captures/uevents.log
# A scenario that kexecs carries its counts into the next stage (kexec_stage writes them).
if [ -f /captures/.vmtest-counts ]; then
    read -r vmtest_passed vmtest_failed </captures/.vmtest-counts
    rm -f /captures/.vmtest-counts
fi

step() {
    echo "VMTEST-STEP $* (uptime $(cut -d' ' -f1 /proc/uptime))"
}

# Each check line ends with the guest's uptime, read without starting a process, so that a
# slow check shows in the console.
pass() {
    vmtest_passed=$((vmtest_passed + 1))
    read -r vmtest_uptime _ </proc/uptime
    echo "VMTEST-CHECK ok: $1 [$vmtest_uptime]"
}

fail() {
    vmtest_failed=$((vmtest_failed + 1))
    read -r vmtest_uptime _ </proc/uptime
    echo "VMTEST-CHECK FAIL: $1${2:+ ($2)} [$vmtest_uptime]"
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
    # `read` rather than cat: under TCG every process started costs, and these loops are many.
    read -r block_size </sys/devices/system/memory/block_size_bytes
    read -r start <"$1/resource"
    read -r size <"$1/size"
    block_size=$((0x$block_size))
    start=$((start))
    first=$((start / block_size))
    last=$(((start + size - 1) / block_size))
    while [ "$first" -le "$last" ]; do
        echo "/sys/devices/system/memory/memory$first"
        first=$((first + 1))
    done
}

# expect_blocks DESCRIPTION DAX_DEVICE ATTRIBUTE EXPECTED: every memory block of the device.
expect_blocks() {
    local block value seen=0 wrong=
    for block in $(memory_blocks_of "$2"); do
        seen=$((seen + 1))
        if [ ! -e "$block/$3" ]; then
            wrong="$wrong ${block##*/}:absent"
        else
            read -r value <"$block/$3"
            [ "$value" = "$4" ] || wrong="$wrong ${block##*/}:'$value'"
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
    # One bus per boot: a later scenario of the same boot finds it running.
    if bus_name_has_owner org.freedesktop.DBus; then
        pass "dbus-daemon serves the system bus (already running)"
        return 0
    fi
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

# bus_name_has_owner NAME: status 0 when NAME has an owner on the system bus now.
bus_name_has_owner() {
    [ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        NameHasOwner s "$1" 2>/dev/null)" = "b true" ]
}

bus_name_unowned() {
    ! bus_name_has_owner "$1"
}

# wait_for_bus_name NAME [SECONDS]: status 0 once NAME has an owner on the system bus.
wait_for_bus_name() {
    wait_until "${2:-30}" bus_name_has_owner "$1"
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
        busctl --system status org.srmd1 2>&1 | head -n 5 | sed 's/^/    busctl status: /'
    else
        wait "$srmd_pid" 2>/dev/null
        fail "srmd owns org.srmd1" "srmd exited with status $?; see /captures/srmd.log"
        srmd_pid=
    fi
    tail -n 20 /captures/srmd.log | sed 's/^/    /'
    return 1
}

srmd_owns_name_or_died() {
    ! srmd_alive || bus_name_has_owner org.srmd1
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
    stop_monitor
    stop_srmd TERM
    echo "VMTEST-SUMMARY $vmtest_passed checks passed, $vmtest_failed failed"
    [ "$vmtest_failed" -eq 0 ] && [ "$vmtest_passed" -gt 0 ]
    exit $?
}

# ---- srmd seen from outside: srmctl --json and busctl --json (both read with jq), and sysfs,
# which is the ground truth they are compared with.

# The scenarios' policy directory: use_policy fills it with files from /policies (tests/vm/policies).
policy_dir=/run/srmd-policy

# use_policy NAME...: the directory holds exactly /policies/NAME.yaml..., under their own names.
use_policy() {
    rm -rf "$policy_dir"
    mkdir -p "$policy_dir"
    local name
    for name in "$@"; do
        cp "/policies/$name.yaml" "$policy_dir/"
    done
}

# start_srmd_with POLICY...: srmd on the real kernel with these policies and its log on the console
# output that start_srmd keeps in /captures/srmd.log.
start_srmd_with() {
    use_policy "$@"
    echo "==== srmd started by $(basename "$0" .sh) with $* (uptime $(cut -d' ' -f1 /proc/uptime))" >>/captures/srmd.log
    start_srmd "$policy_dir" --log-target console
}

# start_srmd_vendor: srmd with the vendor policy alone (/usr/lib/srmd/policy.d, copied into the
# scenarios' policy directory so that a later reload_and_settle replaces it).
start_srmd_vendor() {
    rm -rf "$policy_dir"
    mkdir -p "$policy_dir"
    cp /usr/lib/srmd/policy.d/*.yaml "$policy_dir/"
    echo "==== srmd started by $(basename "$0" .sh) with the vendor policy (uptime $(cut -d' ' -f1 /proc/uptime))" >>/captures/srmd.log
    start_srmd "$policy_dir" --log-target console
}

# bus_get PATH INTERFACE PROPERTY: the property's value as JSON, as busctl --json reads it.
bus_get() {
    busctl --system --json=short get-property org.srmd1 "$1" "$2" "$3" | jq -c .data
}

bus_manager() {
    bus_get /org/srmd1 org.srmd1.Manager "$1"
}

bus_range() {
    bus_get "/org/srmd1/ranges/$1" org.srmd1.Range "$2"
}

# bus_all PATH INTERFACE JQ_FILTER: every property of the object in one GetAll, as an object
# {"Name": value} given to JQ_FILTER (jq -r).
bus_all() {
    busctl --system --json=short call org.srmd1 "$1" org.freedesktop.DBus.Properties GetAll s "$2" |
        jq -r ".data[0] | map_values(.data) | $3"
}

# srmd_pass: the number of srmd's last reconcile pass (0 before the first); srmd_state: its State.
srmd_pass() {
    bus_manager LastReconcile | jq -r '.number.data // 0'
}

srmd_state() {
    bus_manager State | jq -r .
}

settled_after() {
    # shellcheck disable=SC2046 # two words: the pass number and the state
    set -- "$1" "$2" $(bus_all /org/srmd1 org.srmd1.Manager '"\(.LastReconcile.number.data // 0) \(.State)"')
    [ "${3:-0}" -gt "$1" ] && [ "$4" = "$2" ]
}

# wait_settled DESCRIPTION AFTER STATE [SECONDS]: a pass numbered above AFTER has run and srmd's
# State is STATE (converged, not-converged, ...).
wait_settled() {
    if wait_until "${4:-90}" settled_after "$2" "$3"; then
        pass "$1"
    else
        fail "$1" "last pass $(srmd_pass), state $(srmd_state); expected a pass after $2 and $3"
        bus_manager LastReconcile | sed 's/^/    /'
        srmctl ranges 2>&1 | sed 's/^/    /'
    fi
}

# reload_and_settle DESCRIPTION STATE POLICY...: switch to the policies, `srmctl reload`, then
# wait for the pass the reload asks for and what follows it to leave srmd in STATE.
reload_and_settle() {
    local description=$1 state=$2 before
    shift 2
    before=$(srmd_pass)
    use_policy "$@"
    run "srmctl reload ($*)" srmctl reload
    wait_settled "$description" "$before" "$state"
}

# range_summary ID: "MODE DRIVER ONLINE/BLOCKS ZONE CONVERGED" of a one-device range, as
# `srmctl --json show` and as the Range object's properties on the bus say; "none" where a
# value is absent (no driver, no zone).
range_summary_srmctl() {
    srmctl --json show "$1" | jq -r '[.mode, (.dax[0].driver // "none"),
        "\(.dax[0].memory.online)/\(.dax[0].memory.blocks)", (.dax[0].memory.zone // "none"),
        .converged] | map(tostring) | join(" ")'
}

range_summary_bus() {
    # Dax is a(ssti(iis)): device, driver, size, target node, (blocks, online, zone).
    bus_all "/org/srmd1/ranges/$1" org.srmd1.Range '[.Mode,
        (.Dax[0][1] | if . == "" then "none" else . end), "\(.Dax[0][4][1])/\(.Dax[0][4][0])",
        (.Dax[0][4][2] | if . == "" then "none" else . end), .Converged] | map(tostring) | join(" ")'
}

# expect_range DESCRIPTION ID "MODE DRIVER ONLINE/BLOCKS ZONE CONVERGED": srmctl and busctl agree.
expect_range() {
    expect_eq "$1: srmctl show $2" "$(range_summary_srmctl "$2")" "$3"
    expect_eq "$1: busctl $2 Mode, Dax, Converged" "$(range_summary_bus "$2")" "$3"
}

# expect_problem DESCRIPTION ID CODE: the range has a problem CODE, in srmctl and on the bus.
expect_problem() {
    expect_eq "$1: srmctl show $2 problems" \
        "$(srmctl --json show "$2" | jq -r --arg c "$3" '[.problems[] | select(.code == $c)] | length')" 1
    expect_eq "$1: busctl $2 Problems" \
        "$(bus_range "$2" Problems | jq -r --arg c "$3" '[.[] | select(.[0] == $c)] | length')" 1
}

# expect_dax_kmem DESCRIPTION DAX ZONE (Movable, Normal): sysfs says kmem holds the device and
# every memory block of it is online in ZONE.
expect_dax_kmem() {
    expect_eq "$1: kmem holds ${2##*/} (sysfs)" "$(driver_of "$2")" kmem
    expect_blocks "$1: its blocks are online (sysfs)" "$2" state online
    expect_blocks "$1: its blocks are in $3 (sysfs valid_zones)" "$2" valid_zones "$3"
}

# expect_dax_devdax DESCRIPTION DAX: sysfs says device_dax holds it and no memory block of it exists.
expect_dax_devdax() {
    local first
    first=$(memory_blocks_of "$2" | head -n 1)
    expect_eq "$1: device_dax holds ${2##*/} (sysfs)" "$(driver_of "$2")" device_dax
    expect_absent "$1: no memory block of it (sysfs)" "$first"
    expect_exists "$1: /dev/${2##*/} exists" "/dev/${2##*/}"
}

# srmctl monitor --json in the background: one JSON object per signal in /captures/monitor.log.
monitor_log=/captures/monitor.log
monitor_pid=

start_monitor() {
    srmctl --json monitor >>"$monitor_log" 2>&1 &
    monitor_pid=$!
}

stop_monitor() {
    [ -n "$monitor_pid" ] && kill "$monitor_pid" 2>/dev/null && wait "$monitor_pid" 2>/dev/null
    monitor_pid=
}

monitor_mark() {
    touch "$monitor_log"
    wc -l <"$monitor_log"
}

# passes_after MARK TRIGGER MIN_STEPS: a ReconcileFinished after MARK, with TRIGGER and at least
# MIN_STEPS steps.
passes_after() {
    tail -n +"$(($1 + 1))" "$monitor_log" | jq -e -s --arg t "$2" --argjson s "$3" \
        'any(.[]; .signal == "ReconcileFinished" and .trigger == $t and .steps >= $s)'
}

# expect_pass DESCRIPTION MARK TRIGGER MIN_STEPS [SECONDS]
expect_pass() {
    if wait_until "${5:-60}" passes_after "$2" "$3" "$4"; then
        pass "$1"
    else
        fail "$1" "no ReconcileFinished with trigger $3 and $4+ steps in srmctl monitor"
        tail -n +"$(($2 + 1))" "$monitor_log" | tail -n 10 | sed 's/^/    /'
    fi
}

# ---- CXL ram regions (7.2) and kexec into a firmware-style boot.

cxl_devices=/sys/bus/cxl/devices

# endpoint_decoder_of MEMDEV: the first decoder of MEMDEV's endpoint port (decoderN.0).
endpoint_decoder_of() {
    local endpoint
    for endpoint in "$cxl_devices"/endpoint*; do
        [ "$(basename "$(readlink "$endpoint/uport")")" = "$1" ] || continue
        first_device "$endpoint" decoder && return 0
    done
    return 1
}

# create_ram_region MEMDEV SIZE [ROOT_DECODER]: a ram region through raw sysfs, as
# vm-kernel-7.2.md §4 does it (ndctl 76.1 cannot create ram regions and exits 0 without one).
# Prints the region's name; status 1 with what failed on stderr.
create_ram_region() {
    local memdev=$1 size=$2 root=${3:-decoder0.0} endpoint region
    endpoint=$(endpoint_decoder_of "$memdev") || { echo "no endpoint decoder for $memdev" >&2; return 1; }
    region=$(cat "$cxl_devices/$root/create_ram_region") || return 1
    {
        echo "$region" >"$cxl_devices/$root/create_ram_region" &&
            cat "$cxl_devices/$root/interleave_granularity" >"$cxl_devices/$region/interleave_granularity" &&
            echo 1 >"$cxl_devices/$region/interleave_ways" &&
            echo "$size" >"$cxl_devices/$region/size" &&
            echo ram >"$cxl_devices/$endpoint/mode" &&
            echo "$size" >"$cxl_devices/$endpoint/dpa_size" &&
            echo "$endpoint" >"$cxl_devices/$region/target0" &&
            echo 1 >"$cxl_devices/$region/commit"
    } || { echo "creating $region on $endpoint failed" >&2; return 1; }
    [ -L "$cxl_devices/$region/driver" ] || echo "$region" >/sys/bus/cxl/drivers/cxl_region/bind
    echo "$region"
}

# contains TEXT WORDS: TEXT holds WORDS (for check, without quoting TEXT into a shell command).
contains() {
    case $1 in *"$2"*) return 0 ;; esac
    return 1
}

# The stage of a scenario that kexecs (1 before the first kexec).
vmtest_stage() {
    local word
    for word in $(cat /proc/cmdline); do
        case $word in vmtest.stage=*) echo "${word#vmtest.stage=}" && return ;; esac
    done
    echo 1
}

# kexec_stage N KERNEL_ARGS...: boot the same kernel again, as firmware would (kexec keeps the
# CXL decoders committed), with the same command line plus KERNEL_ARGS, into stage N of the same
# scenario. The image is this root file system, packed again. Does not return when it works.
# $vmtest_kexec_options goes to kexec -l before the kernel (e.g. --mem-max=0xffffffff, which keeps
# the loaded segments below 4 GiB, out of a CPU-less node's hot-pluggable memory).
kexec_stage() {
    local stage=$1 word args=
    shift
    for word in $(cat /proc/cmdline); do
        # Soft Reserved carved from RAM ("-1+") stays; Soft Reserved over the CXL window is
        # what the stages change.
        case $word in
            memmap=*-1+0xefffffff) args="$args $word" ;;
            vmtest.stage=* | memmap=*+0xefffffff) ;;
            *) args="$args $word" ;;
        esac
    done
    args="$args vmtest.stage=$stage $*"
    step "kexec into stage $stage:$args"
    echo "$vmtest_passed $vmtest_failed" >/captures/.vmtest-counts
    # The mount points go in empty; what is mounted on them stays out.
    (cd / && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o \
        -path ./tmp \) -prune -print -o -print | cpio --quiet -o -H newc) >/tmp/initrd.cpio
    # shellcheck disable=SC2086 # options are words
    if ! kexec -l ${vmtest_kexec_options:-} /boot/vmlinuz --initrd=/tmp/initrd.cpio --append="$args"; then
        fail "kexec -l for stage $stage"
        return 1
    fi
    sync
    kexec -e
    fail "kexec -e for stage $stage"
    return 1
}
