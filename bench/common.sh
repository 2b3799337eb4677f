# Sourced by the bench scripts: builds what they run and makes a scratch directory for the trees.
#
# bench_build BUILD_DIR TARGET...  configures BUILD_DIR as an -O2 build without tests when it does
#     not exist yet (GCC 12 at -O3 warns falsely in libstdc++, and warnings are errors), then
#     builds the targets.
# bench_workdir NAME  prints a new directory under $TMPDIR (default /dev/shm: the synthetic
#     machine is 400 000 small files); the caller removes it.
bench_build() {
    local build=$1
    shift
    if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" -Doptimization=2 -Db_ndebug=true -Dtests=false >/dev/null
    fi
    ninja -C "$build" "$@" >/dev/null
}

bench_workdir() {
    local base=${TMPDIR:-/dev/shm}
    [ -d "$base" ] || base=/tmp
    mktemp -d "$base/$1.XXXXXX"
}
