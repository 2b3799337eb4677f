#!/usr/bin/env bash
# The layer rule: data flows util → read → ownership → policy → plan → act → publish →
# {kernel, sim, actors} → service → {dbus, cli} → main, and a file may include headers of its own
# folder and of the stages before it, never of a later stage nor of a sibling (kernel, sim and
# actors do not know each other; neither do dbus and cli). Prints each offending include as
# file:line and exits 1 when there is one. Tests and benchmarks may include anything.
# Usage: scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Folder → rank. Equal ranks are siblings.
declare -A rank=(
    [daemon/util]=0 [daemon/read]=1 [daemon/ownership]=2 [policy]=3 [daemon/plan]=4
    [daemon/act]=5 [daemon/publish]=6 [daemon/kernel]=7 [daemon/sim]=7 [daemon/actors]=7
    [daemon/service]=8 [dbus]=9 [cli]=9 [daemon]=10
)
# An include's first path part → its folder.
declare -A folder_of=(
    [util]=daemon/util [read]=daemon/read [ownership]=daemon/ownership [policy]=policy
    [plan]=daemon/plan [act]=daemon/act [publish]=daemon/publish [kernel]=daemon/kernel
    [sim]=daemon/sim [actors]=daemon/actors [service]=daemon/service [dbus]=dbus [cli]=cli
)

bad=0
while IFS= read -r file; do
    dir=$(dirname "$file")
    own=${rank[$dir]:-}
    if [ -z "$own" ]; then
        echo "$file: in no stage folder (add it to scripts/check-layers.sh)" >&2
        bad=1
        continue
    fi
    while IFS=: read -r line include; do
        case $include in
        */*) ;;
        *)
            # A bare name: only generated headers (srmd-config.h) may be included so.
            [ "$include" = srmd-config.h ] && continue
            echo "$file:$line: include \"$include\" without its folder" >&2
            bad=1
            continue
            ;;
        esac
        target=${folder_of[${include%%/*}]:-}
        [ -z "$target" ] && continue
        [ "$target" = "$dir" ] && continue
        if [ "${rank[$target]}" -ge "$own" ]; then
            echo "$file:$line: includes \"$include\" from a later or sibling stage ($target)" >&2
            bad=1
        fi
    done < <(grep -n '^#include "' "$file" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
done < <(git ls-files 'daemon/*.cpp' 'daemon/*.hpp' 'policy/*.cpp' 'policy/*.hpp' \
    'dbus/*.cpp' 'dbus/*.hpp' 'cli/*.cpp' 'cli/*.hpp'; git ls-files --others --exclude-standard \
    'daemon/*.cpp' 'daemon/*.hpp' 'policy/*.cpp' 'policy/*.hpp' 'dbus/*.cpp' 'dbus/*.hpp' \
    'cli/*.cpp' 'cli/*.hpp')

if [ "$bad" -ne 0 ]; then
    echo "check-layers: includes against the data flow (see scripts/check-layers.sh)" >&2
    exit 1
fi
echo "check-layers: ok"
