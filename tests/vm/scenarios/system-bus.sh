#!/bin/sh
# kernel: 6.1
# vm: -m 3072M -N 1G -s 512M@0x100000000 -s 256M@0x40000000 -x
# The guest's system bus that the srmd scenarios build on: dbus-daemon with Debian's system.conf
# and, once dbus/ has it, the project's org.srmd1.conf (a conf the bus rejects fails start_dbus),
# reached by busctl as srmd's clients will reach it.
# shellcheck source=lib.sh
. /scenarios/lib.sh

step "dbus-daemon on the system bus"
start_dbus
check "busctl lists the bus driver" sh -c 'busctl --system list --no-pager | grep -q "^org.freedesktop.DBus "'
check "the bus answers a method call" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
if wait_for_bus_name org.srmd1 1; then
    fail "nobody owns org.srmd1 before srmd starts" "busctl status found an owner"
else
    pass "nobody owns org.srmd1 before srmd starts"
fi

finish
