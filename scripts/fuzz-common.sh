# Sourced by scripts/fuzz-NAME.sh: what every libFuzzer target's script does alike.
#   fuzz_setup NAME [SECONDS]   checks SECONDS (default 60), builds tests/fuzz/fuzz-NAME with clang
#                               in build-fuzz (ASan+UBSan+libFuzzer) and sets source_dir,
#                               build_dir, seconds, corpus (build-fuzz/fuzz-NAME-corpus, where the
#                               script puts its seeds) and artifacts (where findings go)
#   fuzz_run NAME ARGS...       runs the target on the corpus for SECONDS with ARGS (-max_len,
#                               -dict) and the options every run shares

fuzz_setup() {
    name=$1
    seconds=${2:-60}
    case $seconds in
    '' | *[!0-9]*)
        echo "usage: scripts/fuzz-$name.sh [SECONDS]" >&2
        exit 2
        ;;
    esac
    source_dir=$(cd "$(dirname "$0")/.." && pwd)
    # FUZZ_BUILD_DIR, not BUILD_DIR: scripts/test.sh passes BUILD_DIR for its gcc build.
    build_dir=${FUZZ_BUILD_DIR:-$source_dir/build-fuzz}
    if [ ! -f "$build_dir/build.ninja" ]; then
        CC=clang CXX=clang++ meson setup "$build_dir" "$source_dir" -Dfuzz=true
    else
        meson configure "$build_dir" -Dfuzz=true
    fi
    # Only the fuzz target: the rest of the project is built and tested by the usual commands.
    ninja -C "$build_dir" "tests/fuzz/fuzz-$name"
    corpus=$build_dir/fuzz-$name-corpus
    artifacts=$build_dir/fuzz-$name-artifacts
    mkdir -p "$corpus" "$artifacts"
}

fuzz_run() {
    target=$1
    shift
    exec "$build_dir/tests/fuzz/fuzz-$target" \
        -max_total_time="$seconds" \
        -timeout=10 \
        -print_final_stats=1 \
        -artifact_prefix="$artifacts/" \
        "$@" \
        "$corpus"
}
