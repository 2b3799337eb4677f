#!/usr/bin/env bash
# Copies a captured tree from ../shared/fixtures into tests/fixtures, turning back into symlinks the
# entries that the shared copy stores as plain files holding the link target. Where the capture
# has .capture/links.txt, it lists every link of the original capture; where it does not (the 7.2
# trees), a link is a file below sys/ that holds one relative path ("../...") and no newline:
# sysfs attributes always end in one. Usage: scripts/import-fixture.sh SRC_TREE DEST_TREE
set -euo pipefail
src=$1
dest=$2
rm -rf "$dest"
mkdir -p "$dest"
cp -a "$src/." "$dest/"
chmod -R u+w "$dest"
if [ -f "$src/.capture/links.txt" ]; then
    while IFS= read -r line; do
        link=${line%% -> *}
        target=${line#* -> }
        path="$dest$link"
        rm -rf "$path"
        mkdir -p "$(dirname "$path")"
        ln -s "$target" "$path"
    done <"$src/.capture/links.txt"
else
    while IFS= read -r -d '' path; do
        [ "$(wc -l <"$path")" -eq 0 ] || continue
        target=$(cat "$path")
        [[ $target == ../* ]] || continue
        rm -f "$path"
        ln -s "$target" "$path"
    done < <(grep -rlZ -e '^\.\./' "$dest/sys")
fi
# The attributes the capture could not read (write-only ones) stay as empty files, as captured.
echo "imported $(find "$dest" -type l | wc -l) links into $dest"
