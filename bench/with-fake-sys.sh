#!/usr/bin/env bash
# Runs a command with a fake machine tree in place of /sys, /dev and /proc/iomem, so unmodified
# tools (cxl list, daxctl list) read it. Needs root: it makes a private mount namespace, bind-mounts
# TREE/sys over /sys and TREE/proc/iomem over /proc/iomem, and puts a tmpfs on /dev holding the
# character devices the tree's dax devices and memdevs name (libdaxctl and libcxl stat them).
# Nothing outside the namespace changes. Usage: bench/with-fake-sys.sh TREE CMD [ARGS...]
set -euo pipefail
if [ "${1:-}" != --inside ]; then
    [ $# -ge 2 ] || { echo "usage: $0 TREE CMD [ARGS...]" >&2; exit 2; }
    [ "$(id -u)" = 0 ] || { echo "$0: needs root (mount namespace)" >&2; exit 1; }
    tree=$(realpath "$1")
    [ -d "$tree/sys/devices" ] || { echo "$0: $tree: no sys/devices" >&2; exit 1; }
    shift
    exec unshare --mount --propagation private "$0" --inside "$tree" "$@"
fi
tree=$2
shift 2
mount --bind "$tree/sys" /sys
[ -f "$tree/proc/iomem" ] && mount --bind "$tree/proc/iomem" /proc/iomem
mount -t tmpfs -o mode=0755 fake-dev /dev
mknod -m 666 /dev/null c 1 3
mkdir /dev/cxl
# Every dax device and memdev has a "dev" attribute (MAJOR:MINOR) and a /sys/dev/char link.
for link in /sys/dev/char/*; do
    [ -e "$link" ] || continue
    dev=$(realpath "$link")
    name=${dev##*/}
    IFS=: read -r major minor < "$dev/dev"
    case $name in
        mem*) mknod "/dev/cxl/$name" c "$major" "$minor" ;;
        dax*) mknod "/dev/$name" c "$major" "$minor" ;;
    esac
done
# libudev refuses a /sys that is not sysfs unless told not to check.
export SYSTEMD_DEVICE_VERIFY_SYSFS=0
exec "$@"
