#!/usr/bin/env bash
# Builds the VM lane's initramfs: busybox, kmod, udevd and its rules, the ndctl tools, dbus-daemon,
# busctl, the dax/cxl/nvdimm modules of the guest kernel, the guest /init and the scenarios.
# It needs no root: ownership is set to root inside the archive, and /dev/console, which a
# non-root build cannot create, is not needed because /init reopens its output on devtmpfs.
#
# Usage: build-initramfs.sh -k KERNEL_DIR -o OUT.cpio.gz [options]
#   -k DIR         an unpacked linux-image .deb (DIR/boot/vmlinuz-*, DIR/lib/modules/VERSION)
#   -o FILE        the initramfs to write: a newc cpio, uncompressed because decompressing gzip
#                  costs the emulated guest about 3 s of its boot, more than reading 27 MB
#   -b SRC[:DST]   add an executable and the libraries ldd finds for it (DST defaults to SRC)
#   -B SRC[:DST]   the same, but skipped with a note when SRC does not exist (srmd, srmctl)
#   -f SRC:DST     add a file or a directory tree
#   -m MODULE      add a kernel module and what it depends on
#   -r RULES       add a udev rules file from /usr/lib/udev/rules.d (e.g. 90-daxctl-device.rules)
#   -s DIR         the scenarios, installed as /scenarios (default: tests/vm/scenarios)
#   -i FILE        the guest /init (default: tests/vm/init)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=image-parts.sh
. "$here/image-parts.sh"

die() {
    echo "build-initramfs: $*" >&2
    exit 1
}

kernel_dir=
output=
init_script=$here/init
scenarios=$here/scenarios
binaries=()
optional_binaries=()
files=()
modules=("${vm_modules[@]}")
# 90-daxctl-device.rules is left out by default: it runs `daxctl -C` on every new dax device, a
# competing actor that scenarios add on purpose (-r) when they test against it.
rules=(50-udev-default.rules 80-drivers.rules)

while getopts "k:o:b:B:f:m:r:s:i:" option; do
    case $option in
        k) kernel_dir=$OPTARG ;;
        o) output=$OPTARG ;;
        b) binaries+=("$OPTARG") ;;
        B) optional_binaries+=("$OPTARG") ;;
        f) files+=("$OPTARG") ;;
        m) modules+=("$OPTARG") ;;
        r) rules+=("$OPTARG") ;;
        s) scenarios=$OPTARG ;;
        i) init_script=$OPTARG ;;
        *) die "usage: build-initramfs.sh -k KERNEL_DIR -o OUT [-b|-B SRC[:DST]] [-f SRC:DST] [-m MOD] [-r RULES] [-s DIR] [-i INIT]" ;;
    esac
done
[ -n "$kernel_dir" ] || die "-k KERNEL_DIR is required"
[ -n "$output" ] || die "-o OUT is required"
[ -f "$init_script" ] || die "$init_script: no such file"
[ -d "$scenarios" ] || die "$scenarios: no such directory"

shopt -s nullglob
module_trees=("$kernel_dir"/lib/modules/*/)
shopt -u nullglob
[ ${#module_trees[@]} -eq 1 ] || die "$kernel_dir/lib/modules: expected exactly one kernel version"
kernel_version=$(basename "${module_trees[0]}")

for tool in busybox kmod cpio ldd depmod modprobe; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# A merged-/usr layout like the host's, so that paths printed by ldd land where the loader looks.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{proc,sys,dev,run,tmp,etc,root,var/lib,captures}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

# Copies SRC to DST inside the image, following symlinks (ldd names sonames, which are links).
put() {
    local source=$1 destination=$2
    mkdir -p "$root$(dirname "$destination")"
    cp -L --preserve=mode "$source" "$root$destination"
}

add_libraries() {
    local binary=$1
    local library
    # ldd prints "name => /path (addr)" and the loader as "/lib64/ld-linux... (addr)".
    for library in $(ldd "$binary" 2>/dev/null | awk '/=> \// {print $3} /^\t\// {print $1}'); do
        [ -e "$root$library" ] || put "$library" "$library"
    done
}

add_binary() {
    local source=${1%%:*} destination=${1#*:}
    [ "$destination" = "$1" ] && destination=$source
    [ -f "$source" ] || die "$source: no such executable"
    put "$source" "$destination"
    # A debug build of srmctl is 30 MB of DWARF; the guest has no debugger.
    if command -v strip >/dev/null; then strip --strip-debug "$root$destination"; fi
    add_libraries "$source"
}

# busybox first, so that the real tools below replace its applets of the same name.
put "$(command -v busybox)" /usr/bin/busybox
for applet in $(busybox --list-full); do
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /usr/bin/busybox "$root/$applet"
done

add_binary "$(command -v kmod)":/usr/bin/kmod
for name in modprobe insmod rmmod lsmod modinfo depmod; do
    rm -f "$root/usr/sbin/$name" "$root/usr/bin/$name"
    ln -s /usr/bin/kmod "$root/usr/sbin/$name"
done

add_binary /usr/bin/udevadm
ln -sf /usr/bin/udevadm "$root/usr/sbin/udevadm"
mkdir -p "$root/usr/lib/systemd"
ln -s /usr/bin/udevadm "$root/usr/lib/systemd/systemd-udevd"
for rule in "${rules[@]}"; do
    [ -f "/usr/lib/udev/rules.d/$rule" ] || die "/usr/lib/udev/rules.d/$rule: no such rules file"
    put "/usr/lib/udev/rules.d/$rule" "/usr/lib/udev/rules.d/$rule"
done

for tool in daxctl ndctl cxl dbus-daemon busctl; do
    path=$(command -v "$tool") || die "$tool not found (scripts/install-deps.sh installs it)"
    add_binary "$path:/usr/bin/$tool"
done
put /usr/share/dbus-1/system.conf /usr/share/dbus-1/system.conf
mkdir -p "$root/usr/share/dbus-1/system.d" "$root/etc/dbus-1/system.d"

for binary in "${binaries[@]}"; do
    add_binary "$binary"
done
for binary in "${optional_binaries[@]}"; do
    if [ -f "${binary%%:*}" ]; then
        add_binary "$binary"
    else
        echo "build-initramfs: ${binary%%:*} not built; the guest will run without it" >&2
    fi
done

copy_files "$root" "${files[@]}"

# dbus-daemon drops to this user; glibc reads these files without any NSS module.
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
messagebus:x:100:101::/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
messagebus:x:101:
EOF
# sd-bus and dbus-daemon both want a machine id; a fixed one keeps the image reproducible.
echo 5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f >"$root/etc/machine-id"

# Modules: resolve dependencies against the unpacked kernel's own tree, then index the copy.
copy_modules "$root" "$kernel_dir" "$kernel_version" "${modules[@]}"

install -m 0755 "$init_script" "$root/init"
mkdir -p "$root/scenarios"
cp "$scenarios"/*.sh "$root/scenarios/"

mkdir -p "$(dirname "$output")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$output.tmp"
mv "$output.tmp" "$output"
echo "build-initramfs: $output ($(du -h "$output" | cut -f1), kernel $kernel_version)"
