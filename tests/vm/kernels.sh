# Sourced by tests/vm/run: the guest kernels, fetched once into $vm_dir/kernel and never
# installed (downloaded with apt-get and unpacked with dpkg-deb: no postinst, no initramfs hooks,
# no boot loader).
#
#   6.1  bookworm's own kernel: the package linux-image-amd64 points at on this machine.
#   7.2  Debian's 7.2.13 from unstable, pinned: the kernel with the 7.1 per-range Soft Reserved
#        ownership rule. Its three packages (binary, modules, base: base has modules.builtin,
#        without which modprobe cannot resolve the built-in cxl_core, cxl_port and dax) come
#        through a private apt configuration (scripts/debian-apt.sh), so the host never sees
#        unstable.
#
# fetch_kernel SERIES sets kernel_dir (with lib/modules/VERSION and boot/vmlinuz-VERSION, the
# layout build-initramfs.sh reads) and vmlinuz, or prints why not and returns 1.

KERNEL_7_2_ABI=7.2.13+deb14-amd64
KERNEL_7_2_VERSION=7.2.13-1

# bookworm's kernel, as the 6.1 lane always had it.
_fetch_kernel_6_1() {
    local cache=$1 package unpacked
    package=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$package" ]; then
        # No apt lists (or no network ever): use what an earlier run unpacked.
        for unpacked in "$cache"/linux-image-[0-9]*/.unpacked; do
            [ -f "$unpacked" ] && package=$(basename "$(dirname "$unpacked")")
        done
        if [ -z "$package" ]; then
            echo "run: apt-cache knows no linux-image-amd64 and $cache is empty; run apt-get update" >&2
            return 1
        fi
    fi
    kernel_dir=$cache/$package
    [ -f "$kernel_dir/.unpacked" ] && return 0
    echo "run: fetching $package into $cache"
    rm -rf "$kernel_dir" "$cache/$package"_*.deb
    if ! (cd "$cache" && apt-get download "$package") >"$cache/download.log" 2>&1; then
        cat "$cache/download.log" >&2
        echo "run: apt-get download $package failed" >&2
        return 1
    fi
    dpkg-deb -x "$cache/$package"_*.deb "$kernel_dir" || return 1
    rm -f "$cache/$package"_*.deb
    touch "$kernel_dir/.unpacked"
}

_fetch_kernel_7_2() {
    local cache=$1 abi=$KERNEL_7_2_ABI version=$KERNEL_7_2_VERSION deb
    kernel_dir=$cache/linux-$abi
    [ -f "$kernel_dir/.unpacked" ] && return 0
    echo "run: fetching Linux $abi ($version) from unstable into $cache"
    # shellcheck source=../../scripts/debian-apt.sh
    . "$repo/scripts/debian-apt.sh"
    private_apt "$cache/apt-unstable" unstable || return 1
    rm -rf "$kernel_dir" "$cache"/linux-*-"$abi"_*.deb
    if ! (cd "$cache" && apt-get "${PRIVATE_APT[@]}" download \
        "linux-binary-$abi=$version" "linux-modules-$abi=$version" "linux-base-$abi=$version") \
        >"$cache/download-7.2.log" 2>&1; then
        cat "$cache/download-7.2.log" >&2
        echo "run: apt-get download of Linux $abi failed" >&2
        return 1
    fi
    for deb in "$cache"/linux-*-"$abi"_*.deb; do
        dpkg-deb -x "$deb" "$kernel_dir" || return 1
    done
    rm -f "$cache"/linux-*-"$abi"_*.deb
    # These packages keep everything in /usr/lib/modules/VERSION, vmlinuz included.
    ln -s usr/lib "$kernel_dir/lib"
    mkdir -p "$kernel_dir/boot"
    ln -s "../usr/lib/modules/$abi/vmlinuz" "$kernel_dir/boot/vmlinuz-$abi"
    touch "$kernel_dir/.unpacked"
}

fetch_kernel() {
    local series=$1 cache=$vm_dir/kernel file
    mkdir -p "$cache"
    case $series in
        6.1) _fetch_kernel_6_1 "$cache" || return 1 ;;
        7.2) _fetch_kernel_7_2 "$cache" || return 1 ;;
        *)
            echo "run: no kernel '$series' (6.1 or 7.2)" >&2
            return 1
            ;;
    esac
    vmlinuz=
    for file in "$kernel_dir"/boot/vmlinuz-*; do vmlinuz=$file; done
    if [ ! -f "$vmlinuz" ]; then
        echo "run: no vmlinuz in $kernel_dir/boot" >&2
        return 1
    fi
}
