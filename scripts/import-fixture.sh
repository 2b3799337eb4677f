#!/usr/bin/env bash
# Copies a captured tree from ../shared/fixtures into tests/fixtures, turning back into symlinks the
# entries that the shared copy stores as plain files holding the link target (.capture/links.txt
# lists every link of the original capture). Usage: scripts/import-fixture.sh SRC_TREE DEST_TREE
set -euo pipefail
src=$1
dest=$2
[ -f "$src/.capture/links.txt" ] || { echo "$src: no .capture/links.txt" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cp -a "$src/." "$dest/"
chmod -R u+w "$dest"
while IFS= read -r line; do
    link=${line%% -> *}
    target=${line#* -> }
    path="$dest$link"
    rm -rf "$path"
    mkdir -p "$(dirname "$path")"
    ln -s "$target" "$path"
done < "$src/.capture/links.txt"
# The attributes the capture could not read (write-only ones) stay as empty files, as captured.
echo "imported $(find "$dest" -type l | wc -l) links into $dest"
