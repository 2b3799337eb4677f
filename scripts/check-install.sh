#!/usr/bin/env bash
# Installs a build into a scratch DESTDIR and checks that every file lands where Debian expects it,
# under the names operators and the other packages look for. Prints one line per file and exits
# non-zero when one is missing, or when the unit file does not pass `systemd-analyze verify`.
# Usage: scripts/check-install.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:?usage: check-install.sh BUILD_DIR}
dest=$(mktemp -d "${TMPDIR:-/tmp}/srmd-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT

if ! meson install -C "$build" --destdir "$dest" --no-rebuild >"$dest.log" 2>&1; then
    cat "$dest.log" >&2
    rm -f "$dest.log"
    echo "check-install: meson install failed"
    exit 1
fi
rm -f "$dest.log"

expected=(
    /usr/sbin/srmd
    /usr/libexec/srmd/srmd-kmem-hook
    /usr/bin/srmctl
    /lib/systemd/system/srmd.service
    /usr/share/dbus-1/system.d/org.srmd1.conf
    /usr/share/dbus-1/system-services/org.srmd1.service
    /usr/share/polkit-1/actions/org.srmd1.policy
    /usr/lib/srmd/policy.d/50-default.yaml
    /usr/share/man/man8/srmd.8
    /usr/share/man/man1/srmctl.1
    /usr/share/man/man5/srmd.policy.5
    /usr/share/man/man5/org.srmd1.5
    /usr/share/bash-completion/completions/srmctl
)
failed=0
for path in "${expected[@]}"; do
    if [ -e "$dest$path" ]; then
        echo "ok      $path"
    else
        echo "MISSING $path"
        failed=1
    fi
done

# The unit must name the binary where it was installed, and systemd must accept it.
unit=$dest/lib/systemd/system/srmd.service
if [ -f "$unit" ]; then
    if grep -q '^ExecStart=/usr/sbin/srmd$' "$unit"; then
        echo "ok      ExecStart=/usr/sbin/srmd"
    else
        echo "WRONG   $(grep '^ExecStart=' "$unit")"
        failed=1
    fi
    if grep -q '^ExecReload=/usr/bin/srmctl reload$' "$unit"; then
        echo "ok      ExecReload=/usr/bin/srmctl reload"
    else
        echo "WRONG   $(grep '^ExecReload=' "$unit")"
        failed=1
    fi
    if command -v systemd-analyze >/dev/null; then
        # verify checks ExecStart= and ExecReload= on this machine's file system: point them at
        # the installed copy.
        sed -e "s|^ExecStart=/usr/sbin/srmd|ExecStart=$dest/usr/sbin/srmd|" \
            -e "s|^ExecReload=/usr/bin/srmctl|ExecReload=$dest/usr/bin/srmctl|" "$unit" >"$dest/srmd.service"
        if out=$(SYSTEMD_MANPATH="$dest/usr/share/man" systemd-analyze verify --man=no \
            "$dest/srmd.service" 2>&1); then
            echo "ok      systemd-analyze verify srmd.service"
        else
            echo "FAILED  systemd-analyze verify srmd.service:"
            echo "$out" | sed 's/^/        /'
            failed=1
        fi
    fi
fi
if command -v xmllint >/dev/null; then
    for xml in usr/share/dbus-1/system.d/org.srmd1.conf usr/share/polkit-1/actions/org.srmd1.policy; do
        if xmllint --noout "$dest/$xml" 2>/dev/null; then
            echo "ok      well-formed /$xml"
        else
            echo "FAILED  /$xml is not well-formed XML"
            failed=1
        fi
    done
fi
exit $failed
