#!/usr/bin/env bash
# QEMU's options are comma lists, which shellcheck takes for mistaken array syntax.
# shellcheck disable=SC2054
# Boots the guest kernel and initramfs once in QEMU (TCG) in one of the lane's machine shapes,
# and collects what the guest sent back. Exit status: the guest's (0 when its scenario passed),
# 124 when the boot hit the time limit, 125 when the guest died without a result (a panic).
#
# Usage: run-vm.sh -k VMLINUZ -i INITRD -o OUTDIR [options] [-- QEMU_ARGS...]
#   -s SIZE@START  Soft Reserved carved from boot RAM (e.g. 512M@0x40000000); repeatable
#   -N SIZE        a second, CPU-less NUMA node of SIZE, entirely Soft Reserved, with HMAT; it
#                  starts at 4 GiB plus whatever of -m lies above 2 GiB (-m 3072M: at 5 GiB)
#   -x             the emulated CXL topology: one type-3 device with 256 MiB of pmem in a 4 GiB
#                  window. Its memory must never be onlined: QEMU emulates it as MMIO, and a
#                  guest that runs on it crashes.
#   -X SIZE        volatile CXL memory: one type-3 device with SIZE of ram (serial 0x2) behind a
#                  host bridge with HDM decoders, in a 4 GiB window of its own NUMA node (a node 0
#                  SRAT entry is added when -N is not given: CXL memory on node 0 crashes QEMU
#                  10.0.2 at the first online_movable). Not with -x.
#   -S SIZE@START  Soft Reserved that is not RAM in the e820 (inside the CXL window of -X)
#   -K SERIES      the guest kernel's series (default 6.1). 7.2 gets the settings without which
#                  CXL regions fail (no hypervisor CPUID bit; see vm-kernel-7.2.md) and
#                  memhp_default_state=offline, unless -d
#   -d             keep the kernel's default onlining (Debian 7.x: online at boot, ZONE_NORMAL)
#   -e NAME        the scenario to run (vmtest.scenario=NAME)
#   -I             interactive: the console on this terminal and a shell in the guest
#   -m SIZE        RAM of node 0 (default 2048M)     -c N   vCPUs (default 2)
#   -t SECONDS     time limit for the boot (default 300)
#   -a ARGS        more kernel command line
#   -v             copy the console to stdout as it runs
#
# OUTDIR receives console.log (ttyS0), ttyS1.log (the raw transport), captures/ (the guest's
# /captures, unpacked) and the CXL backing files.
set -euo pipefail

die() {
    echo "run-vm: $*" >&2
    exit 2
}

kernel=
initrd=
outdir=
soft_reserved=()
numa_node=
cxl=
cxl_ram=
soft_reserved_mmio=()
series=6.1
debian_default=
scenario=
interactive=
verbose=
memory=2048M
cpus=2
time_limit=300
extra_append=

while getopts "k:i:o:s:S:N:xX:K:de:Im:c:t:a:v" option; do
    case $option in
        k) kernel=$OPTARG ;;
        i) initrd=$OPTARG ;;
        o) outdir=$OPTARG ;;
        s) soft_reserved+=("$OPTARG") ;;
        N) numa_node=$OPTARG ;;
        S) soft_reserved_mmio+=("$OPTARG") ;;
        x) cxl=1 ;;
        X) cxl_ram=$OPTARG ;;
        K) series=$OPTARG ;;
        d) debian_default=1 ;;
        e) scenario=$OPTARG ;;
        I) interactive=1 ;;
        m) memory=$OPTARG ;;
        c) cpus=$OPTARG ;;
        t) time_limit=$OPTARG ;;
        a) extra_append=$OPTARG ;;
        v) verbose=1 ;;
        *) die "usage: run-vm.sh -k VMLINUZ -i INITRD -o OUTDIR [-K SERIES] [-d] [-s|-S SIZE@START] [-N SIZE] [-x|-X SIZE] [-e NAME] [-I] [-m SIZE] [-c N] [-t S] [-a ARGS] [-v] [-- QEMU_ARGS]" ;;
    esac
done
shift $((OPTIND - 1))
[ -f "$kernel" ] || die "-k: '$kernel' is not a file"
[ -f "$initrd" ] || die "-i: '$initrd' is not a file"
[ -n "$outdir" ] || die "-o OUTDIR is required"
[ -z "$cxl" ] || [ -z "$cxl_ram" ] || die "-x and -X do not go together"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (package qemu-system-x86)"

# SIZE with an M or G suffix, in MiB.
mebibytes() {
    case $1 in
        *G) echo $((${1%G} * 1024)) ;;
        *M) echo "${1%M}" ;;
        *) die "size '$1': expected a number with M or G" ;;
    esac
}

rm -rf "$outdir"
mkdir -p "$outdir/captures"

# panic=-1 with -no-reboot turns a panic into QEMU exiting at once; oops=panic makes an oops one.
append="console=ttyS0 nokaslr panic=-1 oops=panic quiet"
machine=q35
cpu=max
qemu_args=()
if [ "$series" != 6.1 ]; then
    # With the hypervisor CPUID bit, 7.2 refuses every CXL region commit ("Failed to
    # synchronize CPU cache state").
    cpu=max,-hypervisor
    # Debian's 7.x onlines hot-added memory at once, in ZONE_NORMAL: a scenario of its own (-d).
    [ -n "$debian_default" ] || append+=" memhp_default_state=offline"
fi

node0_mib=$(mebibytes "$memory")
if [ -n "$numa_node" ]; then
    node1_mib=$(mebibytes "$numa_node")
    # q35 keeps 2 GiB below 4 GiB once RAM reaches 2.75 GiB and maps the rest from 4 GiB on, node
    # 0 first: node 1 starts at 4 GiB plus what node 0 has above 2 GiB.
    [ "$node0_mib" -ge 2048 ] || die "-N needs node 0 at 2048M or more (node 1 must lie above 4 GiB)"
    [ "$node1_mib" -ge 768 ] || die "-N: SIZE must be at least 768M"
    node1_start=$(printf '0x%x' $(((4096 + node0_mib - 2048) * 1024 * 1024)))
    machine+=,hmat=on
    qemu_args+=(-m $((node0_mib + node1_mib))M
        -object memory-backend-ram,id=node0mem,size="${node0_mib}M"
        -object memory-backend-ram,id=node1mem,size="${node1_mib}M"
        -numa node,nodeid=0,cpus=0-$((cpus - 1)),memdev=node0mem
        -numa node,nodeid=1,memdev=node1mem,initiator=0
        -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=10
        -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=20G
        -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=30
        -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=5G)
    # The whole of node 1 becomes Soft Reserved; "-1" converts only what firmware called RAM.
    append+=" memmap=${node1_mib}M%${node1_start}-1+0xefffffff"
elif [ -n "$cxl_ram" ]; then
    # Any SRAT gives the CXL window a node of its own.
    qemu_args+=(-m "${node0_mib}M" -object memory-backend-ram,id=node0mem,size="${node0_mib}M"
        -numa node,nodeid=0,cpus=0-$((cpus - 1)),memdev=node0mem)
else
    qemu_args+=(-m "${node0_mib}M")
fi

for range in "${soft_reserved[@]}"; do
    size=${range%@*}
    start=${range#*@}
    [ "$size" != "$range" ] || die "-s: expected SIZE@START"
    # 0xefffffff is E820_TYPE_SOFT_RESERVED.
    append+=" memmap=${size}%${start}-1+0xefffffff"
done

for range in "${soft_reserved_mmio[@]}"; do
    size=${range%@*}
    start=${range#*@}
    [ "$size" != "$range" ] || die "-S: expected SIZE@START"
    append+=" memmap=${size}%${start}+0xefffffff"
done

if [ -n "$cxl_ram" ]; then
    machine+=,cxl=on
    # hdm_for_passthrough: HDM decoders at the host bridge, or a region left committed across
    # kexec fails to assemble.
    qemu_args+=(-object memory-backend-ram,id=cxl-vmem0,share=on,size="$cxl_ram"
        -device pxb-cxl,bus_nr=22,bus=pcie.0,id=cxl.2,hdm_for_passthrough=on
        -device cxl-rp,port=0,bus=cxl.2,id=root_port23,chassis=0,slot=3
        -device cxl-type3,bus=root_port23,volatile-memdev=cxl-vmem0,id=cxl-vmem0,sn=0x2
        -M cxl-fmw.0.targets.0=cxl.2,cxl-fmw.0.size=4G)
fi

if [ -n "$cxl" ]; then
    machine+=,cxl=on
    # Fresh backing files: the label area keeps namespace labels across boots otherwise.
    rm -f "$outdir"/cxl-{mem0,lsa0}.raw
    qemu_args+=(-object memory-backend-file,id=cxl-mem0,share=on,mem-path="$outdir/cxl-mem0.raw",size=256M
        -object memory-backend-file,id=cxl-lsa0,share=on,mem-path="$outdir/cxl-lsa0.raw",size=256M
        -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
        -device cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2
        -device cxl-type3,bus=root_port13,memdev=cxl-mem0,lsa=cxl-lsa0,id=cxl-pmem0
        -M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G)
fi

[ -n "$scenario" ] && append+=" vmtest.scenario=$scenario"
[ -n "$interactive" ] && append+=" vmtest.shell"
[ -n "$extra_append" ] && append+=" $extra_append"

command=(qemu-system-x86_64 -accel tcg -M "$machine" -cpu "$cpu" -smp "$cpus"
    -nographic -no-reboot -nodefaults
    -kernel "$kernel" -initrd "$initrd" -append "$append"
    "${qemu_args[@]}" "$@")
echo "${command[*]}" >"$outdir/qemu-command.txt"

if [ -n "$interactive" ]; then
    # Ctrl-a x leaves QEMU; the guest powers off when its shell exits.
    "${command[@]}" -serial mon:stdio -serial file:"$outdir/ttyS1.log"
    exit $?
fi

status=0
if [ -n "$verbose" ]; then
    timeout "$time_limit" "${command[@]}" -chardev stdio,id=con0,signal=off -serial chardev:con0 \
        -serial file:"$outdir/ttyS1.log" </dev/null | tee "$outdir/console.log" || status=${PIPESTATUS[0]}
else
    timeout "$time_limit" "${command[@]}" -chardev stdio,id=con0,signal=off -serial chardev:con0 \
        -serial file:"$outdir/ttyS1.log" </dev/null >"$outdir/console.log" 2>&1 || status=$?
fi
if [ "$status" -eq 124 ]; then
    echo "run-vm: the guest did not finish within ${time_limit}s" >&2
    exit 124
fi

if grep -q VMTEST-CAPTURES-END "$outdir/ttyS1.log" 2>/dev/null; then
    sed -n '/VMTEST-CAPTURES-BEGIN/,/VMTEST-CAPTURES-END/p' "$outdir/ttyS1.log" | grep -v '^VMTEST-' |
        tr -d '\r' | base64 -d | tar -xzf - -C "$outdir/captures" ||
        echo "run-vm: the captures in $outdir/ttyS1.log did not decode" >&2
fi

result=$(tr -d '\r' <"$outdir/console.log" | sed -n 's/.*VMTEST-RESULT rc=\([0-9]*\).*/\1/p' | tail -n 1)
if [ -z "$result" ]; then
    echo "run-vm: the guest gave no result (panic or crash; see $outdir/console.log)" >&2
    exit 125
fi
exit "$result"
