# shellcheck shell=bash
# What the two guest images share (build-initramfs.sh: busybox; build-rootfs.sh: Debian with
# systemd): the kernel modules the lane loads, and the copying of modules and extra files into
# an image's root. Sourced; the sourcing script defines die().

# The modules every guest gets, with their dependencies: CXL, libnvdimm and dax, kmem, hmem.
# shellcheck disable=SC2034 # used by the scripts that source this file
vm_modules=(cxl_acpi cxl_pci cxl_mem cxl_pmem cxl_port libnvdimm nd_pmem nd_btt dax_pmem
    device_dax kmem dax_hmem)

# copy_files ROOT SRC:DST...: each SRC (a file or a folder, links followed) to ROOT/DST.
copy_files() {
    local root=$1 file source destination
    shift
    for file in "$@"; do
        source=${file%%:*} destination=${file#*:}
        [ "$destination" != "$file" ] || die "-f $file: expected SRC:DST"
        [ -e "$source" ] || die "$source: no such file or directory"
        mkdir -p "$root$(dirname "$destination")"
        cp -rL "$source" "$root$destination"
    done
}

# copy_modules ROOT KERNEL_DIR KERNEL_VERSION MODULE...: the modules and what they depend on,
# resolved against the unpacked kernel's own tree, into ROOT/usr/lib/modules, then indexed.
copy_modules() {
    local root=$1 kernel_dir=$2 kernel_version=$3 module dependencies kind path relative
    shift 3
    local source_modules=$kernel_dir/lib/modules/$kernel_version
    if [ ! -f "$source_modules/modules.dep.bin" ] ||
        [ "$source_modules/modules.order" -nt "$source_modules/modules.dep.bin" ]; then
        depmod -b "$kernel_dir" "$kernel_version"
    fi
    local target_modules=/usr/lib/modules/$kernel_version
    mkdir -p "$root$target_modules"
    cp "$source_modules"/modules.{order,builtin,builtin.modinfo} "$root$target_modules/"
    for module in "$@"; do
        # -C /dev/null: the host's modprobe.d (ndctl's "install libnvdimm" hook) must not apply.
        dependencies=$(modprobe -C /dev/null -d "$kernel_dir" -S "$kernel_version" \
            --show-depends "$module") || die "module $module is not in $source_modules"
        # Lines are "insmod PATH [options]" or "builtin NAME"; built-in modules need nothing.
        while read -r kind path _; do
            [ "$kind" = insmod ] || continue
            relative=${path#*/lib/modules/"$kernel_version"/}
            mkdir -p "$root$target_modules/$(dirname "$relative")"
            cp "$path" "$root$target_modules/$relative"
        done <<<"$dependencies"
    done
    depmod -b "$root" "$kernel_version"
}
