# Sourced, not run: a private apt configuration for the few packages srmd's lanes take from
# other Debian suites than the machine's own — QEMU 10 from bookworm-backports (installed) and
# the 7.2 kernel from unstable (only downloaded and unpacked, never installed).
#
# The mirror is the machine's own: the URIs of its apt sources (deb822 .sources or a one-line
# sources.list), so that no registry host is written into the project. A private configuration
# (its own source list, lists and cache directories) keeps the host's apt untouched: the host
# never resolves against a suite it was not configured for.
#
# debian_mirror               the main archive's URI ("http://.../debian")
# debian_security_mirror      the security archive's URI, or nothing
# private_apt DIR SUITE...    writes DIR/sources.list for SUITEs (a "-security" suite goes to the
#                             security mirror), runs `apt-get update` against it alone, and sets
#                             the array PRIVATE_APT to the options that select it

# The URIs line(s) of the machine's sources whose suites match $1 (a grep -E pattern).
_debian_uris() {
    local pattern=$1 file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        # deb822: paragraphs separated by blank lines; print URIs of paragraphs whose Suites match.
        awk -v pattern="$pattern" '
            BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; suites = ""
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
                    if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
                }
                if (uris != "" && suites ~ pattern) { split(uris, u, /[ \t]+/); print u[1] }
            }' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        awk -v pattern="$pattern" '$1 == "deb" && $3 ~ pattern { print ($2 ~ /^\[/ ? $3 : $2) }' \
            "$file" | grep -v '^\[' || true
    done
}

debian_mirror() {
    _debian_uris '(^| )bookworm( |$)' | grep -v security | head -n 1
}

debian_security_mirror() {
    _debian_uris 'bookworm-security' | head -n 1
}

private_apt() {
    local dir=$1
    shift
    local mirror security suite
    mirror=$(debian_mirror)
    security=$(debian_security_mirror)
    if [ -z "$mirror" ]; then
        echo "debian-apt: no Debian bookworm source in /etc/apt; cannot find the mirror" >&2
        return 1
    fi
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d"
    dir=$(cd "$dir" && pwd)  # apt takes relative paths below /etc/apt
    : >"$dir/sources.list"
    for suite in "$@"; do
        if [[ $suite == *-security ]]; then
            [ -n "$security" ] && echo "deb $security $suite main" >>"$dir/sources.list"
        else
            echo "deb $mirror $suite main" >>"$dir/sources.list"
        fi
    done
    PRIVATE_APT=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=$dir/sources.list.d"
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
        -o "APT::Get::List-Cleanup=0")
    apt-get "${PRIVATE_APT[@]}" update -q >"$dir/update.log" 2>&1 || {
        cat "$dir/update.log" >&2
        echo "debian-apt: apt-get update for $* failed" >&2
        return 1
    }
}
