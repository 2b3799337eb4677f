#!/usr/bin/env bash
# Builds srmd's Debian package from a clean copy of the sources (the files git tracks, and new
# ones it does not ignore: never a build directory), then runs lintian on it.
# Usage: scripts/build-deb.sh [OUT_DIR]     (default build-deb/)
# Prints the path of srmd_<version>_<arch>.deb last. Exits non-zero when the build fails or
# lintian reports an error; lintian's warnings are printed, and those kept are justified in
# debian/srmd.lintian-overrides (none are needed today).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$repo/build-deb}
[[ $out = /* ]] || out=$PWD/$out

for tool in dpkg-buildpackage dh lintian; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-deb: $tool is missing; scripts/install-deps.sh installs it" >&2
        exit 1
    fi
done

rm -rf "$out"
mkdir -p "$out"
tree=$out/srmd
mkdir "$tree"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
    cpio --null -pdm --quiet "$tree")

# ccache when the machine has it: a rebuild of unchanged sources takes seconds.
[ -d /usr/lib/ccache ] && export PATH=/usr/lib/ccache:$PATH
log=$out/build.log
if ! (cd "$tree" && dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build-deb: dpkg-buildpackage failed; the whole log is $log" >&2
    exit 1
fi
changes=$(ls "$out"/srmd_*.changes)
deb=$(ls "$out"/srmd_*.deb)

# lintian on the package and what the build recorded; --fail-on error makes errors fatal.
if ! lintian --fail-on error --info --display-level '>=warning' "$changes" | tee "$out/lintian.log"; then
    echo "build-deb: lintian reports errors (above)" >&2
    exit 1
fi
echo "$deb"
