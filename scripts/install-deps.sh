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
    # tests: GoogleTest, clang for the libFuzzer target, umockdev for the real libdaxctl/libcxl
    libgtest-dev clang libclang-rt-14-dev umockdev libumockdev-dev
    # the kernel's own tools, compared against in tests and bench (ndctl ships /usr/bin/cxl)
    ndctl daxctl
    # the daemon's integration tests: a private bus, polkit mocked, busctl; xmllint for the install
    # check
    python3-dbusmock libxml2-utils
    # scripts
    python3 util-linux
    # the VM lane (tests/vm/run): QEMU, and what its initramfs is built from
    qemu-system-x86 busybox-static kmod cpio udev dbus-daemon dbus-system-bus-common systemd jq
)

# One dpkg-query for all of them keeps a warm run well under a second.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${PACKAGES[@]}" 2>/dev/null || true) "
missing=()
for package in "${PACKAGES[@]}"; do
    [[ $installed == *" $package:installed "* ]] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root (or install them yourself) to continue" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
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
run apt-get update -q
run apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
