#!/usr/bin/env bash
# Installs the Debian (bookworm) packages srmd needs to build, test and run, and only those that
# are missing: on a machine that has them all it does nothing and touches no network.
# Usage (as root): scripts/install-deps.sh
set -euo pipefail

# The one list. Later work appends here (dbus, python3-dbusmock, umockdev, qemu, ...).
PACKAGES=(
    # build
    g++ meson ninja-build pkg-config
    libudev-dev libsystemd-dev libcxl-dev libdaxctl-dev libyaml-cpp-dev nlohmann-json3-dev
    scdoc
    # where srmctl's bash completion is installed (pkg-config bash-completion)
    bash-completion
    # tests: GoogleTest, clang for the libFuzzer target, umockdev for the real libdaxctl/libcxl
    libgtest-dev clang libclang-rt-14-dev umockdev libumockdev-dev
    # the kernel's own tools, compared against in tests and bench (ndctl ships /usr/bin/cxl)
    ndctl daxctl
    # the daemon's integration tests: a private bus, polkit mocked, busctl; xmllint for the install
    # check
    python3-dbusmock libxml2-utils
    # the metrics file served by Debian's node_exporter and checked by promtool (package prometheus)
    prometheus-node-exporter prometheus
    # scripts; the Debian package (scripts/build-deb.sh) and its check
    python3 util-linux dpkg-dev debhelper lintian
    # the VM lane (tests/vm/run): QEMU (upgraded to 10 from bookworm-backports below), and what
    # its initramfs is built from; kexec-tools for the firmware-style regions on 7.2, numactl
    # to use CXL memory in the guest
    qemu-system-x86 busybox-static kmod cpio udev dbus-daemon dbus-system-bus-common systemd jq
    kexec-tools numactl
    # the systemd lane's Debian root file system (tests/vm/build-rootfs.sh)
    mmdebstrap
)

# Volatile CXL memory needs QEMU 10, which bookworm has in bookworm-backports only. It is
# installed from there alone (4 packages: qemu-system-x86, -common, -data and seabios), through a
# private apt configuration (scripts/debian-apt.sh) so the host's sources stay as they are.
QEMU_MIN=1:10.0
qemu_is_new() {
    local version
    version=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) || return 1
    dpkg --compare-versions "$version" ge "$QEMU_MIN"
}

# One dpkg-query for all of them keeps a warm run well under a second.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${PACKAGES[@]}" 2>/dev/null || true) "
missing=()
for package in "${PACKAGES[@]}"; do
    [[ $installed == *" $package:installed "* ]] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ] && qemu_is_new; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}${missing[*]:+; }QEMU 10 wanted" >&2
    echo "install-deps: run as root (or install them yourself) to continue" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
    if ! "$@" >"$log" 2>&1 </dev/null; then
        cat "$log" >&2
        echo "install-deps: failed: $*" >&2
        exit 1
    fi
}
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    run apt-get update -q
    run apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! qemu_is_new; then
    echo "install-deps: installing QEMU 10 from bookworm-backports"
    . "$(dirname "${BASH_SOURCE[0]}")/debian-apt.sh"
    apt_dir=$(mktemp -d)
    trap 'rm -f "$log"; rm -rf "$apt_dir"' EXIT
    private_apt "$apt_dir" bookworm bookworm-updates bookworm-security bookworm-backports || exit 1
    run apt-get "${PRIVATE_APT[@]}" install -y -q --no-install-recommends \
        -t bookworm-backports qemu-system-x86
fi
echo "install-deps: done"
