#!/usr/bin/env bash
# Builds the systemd lane's guest image: a small Debian bookworm root file system with systemd as
# PID 1, udev, dbus and the real polkitd, srmd's .deb installed the Debian way (dpkg -i: the unit
# enabled by its postinst), the guest kernel's dax/cxl/nvdimm modules, and the unit that runs the
# scenarios once the system is up. The result is one uncompressed newc cpio, booted as the
# initramfs: /init is systemd, and the root stays the initramfs (no switch_root).
#
# The Debian part (mmdebstrap, from the mirror of the machine's own apt sources, see
# scripts/debian-apt.sh) is cached as CACHE/bookworm-HASH.tar, HASH being that of the package
# list and the mmdebstrap options: it is built once (about 2 min) and unpacked on every run.
# Needs root (mmdebstrap's root mode, chroot for dpkg -i and useradd).
#
# Usage: build-rootfs.sh -k KERNEL_DIR -d SRMD_DEB -c CACHE_DIR -o OUT.cpio [options]
#   -k DIR         an unpacked linux-image .deb, as build-initramfs.sh takes it
#   -d FILE        srmd_VERSION_amd64.deb (scripts/build-deb.sh)
#   -c DIR         where the cached bookworm tarball lives
#   -o FILE        the image to write
#   -m MODULE      one more kernel module (and what it depends on)
#   -f SRC:DST     add a file or a directory tree
#   -s DIR         the scenarios, installed as /scenarios (default: tests/vm/scenarios)
# Or: build-rootfs.sh -c CACHE_DIR -b      only the cached bookworm tarball (prints its path)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=image-parts.sh
. "$here/image-parts.sh"
repo=$(cd "$here/../.." && pwd)

die() {
    echo "build-rootfs: $*" >&2
    exit 1
}

kernel_dir=
deb=
cache=
output=
base_only=
scenarios=$here/scenarios
files=()
modules=("${vm_modules[@]}")

while getopts "k:d:c:o:m:f:s:b" option; do
    case $option in
        b) base_only=1 ;;
        k) kernel_dir=$OPTARG ;;
        d) deb=$OPTARG ;;
        c) cache=$OPTARG ;;
        o) output=$OPTARG ;;
        m) modules+=("$OPTARG") ;;
        f) files+=("$OPTARG") ;;
        s) scenarios=$OPTARG ;;
        *) die "usage: build-rootfs.sh -k KERNEL_DIR -d SRMD_DEB -c CACHE_DIR -o OUT [-m MOD] [-f SRC:DST] [-s DIR]" ;;
    esac
done
[ -n "$cache" ] || die "-c CACHE_DIR is required"
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, chroot)"
for tool in mmdebstrap cpio depmod modprobe; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done
if [ -z "$base_only" ]; then
    [ -n "$kernel_dir" ] || die "-k KERNEL_DIR is required"
    [ -f "$deb" ] || die "-d: '$deb' is not a file (scripts/build-deb.sh builds it)"
    [ -n "$output" ] || die "-o OUT is required"
    shopt -s nullglob
    module_trees=("$kernel_dir"/lib/modules/*/)
    shopt -u nullglob
    [ ${#module_trees[@]} -eq 1 ] || die "$kernel_dir/lib/modules: expected exactly one kernel version"
    kernel_version=$(basename "${module_trees[0]}")
fi

# What the guest runs: systemd as PID 1 (systemd-sysv), udev, the system bus, the real polkitd
# (bookworm's 122, with JavaScript rules), and the tools the checks use. srmd's own Depends
# (libcxl1, libdaxctl1, libyaml-cpp0.7, dbus) are here so that dpkg -i needs no network.
PACKAGES=(systemd systemd-sysv udev dbus polkitd kmod procps jq daxctl ndctl
    libcxl1 libdaxctl1 libyaml-cpp0.7 libsystemd0 libudev1)
# No documentation, manual pages or translations: the image is read into the guest's memory.
MMDEBSTRAP_OPTIONS=(--variant=minbase --mode=root --format=tar
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-exclude=/usr/share/zoneinfo/*' --dpkgopt='path-exclude=/usr/share/i18n/*'
    --dpkgopt='path-exclude=/usr/share/lintian/*')
key=$(printf '%s\n' "${PACKAGES[*]}" "${MMDEBSTRAP_OPTIONS[*]}" | sha256sum | cut -c1-16)
base=$cache/bookworm-$key.tar

if [ ! -f "$base" ]; then
    # shellcheck source=../../scripts/debian-apt.sh
    . "$repo/scripts/debian-apt.sh"
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "no Debian bookworm source in /etc/apt; cannot find the mirror"
    mkdir -p "$cache"
    echo "build-rootfs: mmdebstrap bookworm ($mirror) into $base"
    include=$(
        IFS=,
        echo "${PACKAGES[*]}"
    )
    if ! mmdebstrap "${MMDEBSTRAP_OPTIONS[@]}" --include="$include" bookworm "$base.tmp.$$" \
        "deb $mirror bookworm main" >"$cache/mmdebstrap.log" 2>&1; then
        tail -n 30 "$cache/mmdebstrap.log" >&2
        rm -f "$base.tmp.$$"
        die "mmdebstrap failed; the whole log is $cache/mmdebstrap.log"
    fi
    mv "$base.tmp.$$" "$base"
    # Tarballs of earlier package lists are not used again.
    for old in "$cache"/bookworm-*.tar; do
        [ "$old" = "$base" ] || rm -f "$old"
    done
fi
if [ -n "$base_only" ]; then
    echo "$base"
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
tar -C "$root" -xf "$base"

# srmd, the Debian way: its postinst enables the unit (no systemd runs in the chroot, so it is
# not started here).
cp "$deb" "$root/tmp/srmd.deb"
if ! chroot "$root" dpkg -i /tmp/srmd.deb >"$root/tmp/dpkg.log" 2>&1; then
    cat "$root/tmp/dpkg.log" >&2
    die "dpkg -i $(basename "$deb") failed in the image"
fi
rm -f "$root/tmp/srmd.deb" "$root/tmp/dpkg.log"

# Root has no password (the console is the lane's only door); tester is unprivileged, and
# srmd-admins is the group a scenario grants srmd's actions to with a polkit rule.
chroot "$root" passwd -d root >/dev/null
chroot "$root" groupadd srmd-admins
chroot "$root" useradd -m -s /bin/bash tester
chroot "$root" useradd -m -s /bin/bash -G srmd-admins srmd-op
echo srmd-guest >"$root/etc/hostname"
echo 5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f >"$root/etc/machine-id"

# The root is the initramfs: there is no fstab, no disk to check, no getty wanted (the console
# is the lane's transport), no clock to sync, and no NVDIMM for ndctl's monitor to watch.
ln -sfn lib/systemd/systemd "$root/init"
: >"$root/etc/fstab"
for unit in getty@tty1.service serial-getty@ttyS0.service serial-getty@ttyS1.service \
    console-getty.service systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer \
    dpkg-db-backup.timer e2scrub_all.timer fstrim.timer ndctl-monitor.service; do
    ln -sfn /dev/null "$root/etc/systemd/system/$unit"
done

# The scenarios' runner: a oneshot after multi-user.target (tests/vm/systemd-runner).
install -m 0755 "$here/systemd-runner" "$root/usr/local/sbin/vmtest-runner"
cat >"$root/etc/systemd/system/vmtest.service" <<'EOF'
[Unit]
Description=srmd VM lane: the scenarios named on the kernel command line
After=multi-user.target
Wants=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vmtest-runner
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sfn ../vmtest.service "$root/etc/systemd/system/multi-user.target.wants/vmtest.service"

mkdir -p "$root/scenarios" "$root/captures"
cp "$scenarios"/*.sh "$root/scenarios/"
copy_files "$root" "${files[@]}"

# Modules, as build-initramfs.sh selects them: the named ones and their dependencies.
copy_modules "$root" "$kernel_dir" "$kernel_version" "${modules[@]}"

rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/*
mkdir -p "$(dirname "$output")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc) >"$output.tmp"
mv "$output.tmp" "$output"
echo "build-rootfs: $output ($(du -h "$output" | cut -f1), kernel $kernel_version, $(basename "$deb"))"
