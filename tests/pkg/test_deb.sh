#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_deb.sh - the Debian package, on this machine (issue 14, item 9).
# `make deb` builds it; dpkg -i installs it: the programs in /usr/sbin,
# the man pages, the unit in /lib/systemd/system, /etc/mxgate with its
# conffile, the system user and group mxgate. The installed mxgated -t
# asks for `interfaces` in the shipped configuration and accepts it once
# set; mxgatectl prints its usage. Then mxgated runs from the package in
# a network namespace the test makes (one veth pair, a documentation
# address), as the package's user, its rules and tc program loaded, and a
# member of group mxgate reads its counters. A reinstall (dpkg's upgrade
# path) leaves it running and keeps the edited conffile. dpkg -r, run in
# that namespace (the gateway the admin would run it on), stops mxgated,
# detaches the tc program, unloads the rules and keeps the learned state,
# the configuration and the user; dpkg -P removes those.
#
# The machine is left as it was found, also on failure or ^C (EXIT
# trap): the package purged, the namespace and the test's bpffs gone,
# /etc/mxgate and /var/lib/mxgate of an earlier `make install` moved
# aside and back, a user and group mxgate that existed before (make
# install, the e2e suites) recreated with their ids, /run/mxgate as it
# was. Where it could not give that back it does not run, says why and
# counts nothing: the package already known to dpkg, a mxgated of this
# host's configuration running, maps pinned at /sys/fs/bpf/mxgate. Needs
# root; the e2e suites use user mxgate too, so run it under their lock
# when others may run them (flock /tmp/mxgate-e2e.lock
# tests/pkg/test_deb.sh): a mxgated of theirs running as mxgate makes
# userdel refuse at purge, and the test then checks only that purge tried.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/tap.sh disable=SC1091
. "$REPO/tests/e2e/tap.sh"
BUILD=${BUILD:-build}
SUITE=pkg
NS=mxg-pkg-$$
IF=mxgp0
ADDR=192.0.2.1/24		# documentation address (RFC 5737)
SYSPATH=/usr/sbin:/usr/bin:/sbin:/bin	# as the unit's Environment=
MXGATED_PID=

if [ "$(id -u)" != 0 ]; then
	echo "$SUITE: needs root (dpkg -i, namespaces)"
	echo "$SUITE: 0 passed, 1 failed"
	exit 1
fi
skip() {
	echo "$SUITE: not run: $*"
	echo "$SUITE: 0 passed, 0 failed"
	exit 0
}
# deb_state - mxgate as dpkg knows it: installed, config-files, or ""
deb_state() {
	dpkg-query -W -f='${db:Status-Status}' mxgate 2>/dev/null | grep -v '^not-installed$'
}
[ -z "$(deb_state)" ] || skip "package mxgate is $(deb_state) here; the test would remove it"
# host_mxgated - a mxgated of this host's own configuration (no -c, or
# one in /etc/mxgate): the daemon the package's prerm would stop and whose
# files the test moves aside. The e2e suites' (-c in their own
# directories) do not count.
host_mxgated() {
	local pid args
	for pid in $(pgrep -x mxgated); do
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
		case " $args" in
		*" -c /etc/mxgate/"*) echo "$pid"; return ;;
		*" -c "*) ;;
		*) echo "$pid"; return ;;
		esac
	done
}
pid=$(host_mxgated)
[ -z "$pid" ] || skip "mxgated runs here (pid $pid); the package's prerm would stop it"
[ ! -e /sys/fs/bpf/mxgate ] || skip "maps are pinned at /sys/fs/bpf/mxgate; purge would remove them"

TMP=$(mktemp -d /tmp/mxgate-pkg.XXXXXX)
chmod o+x "$TMP"	# the group member reaches the pins in here
PIN=$TMP/bpf
LOG=$TMP/mxgated.log
# What is given back at the end.
USER_LINE=$(getent passwd mxgate)
GROUP_LINE=$(getent group mxgate)
RUN_STAT=$(stat -c '%u:%g %a' /run/mxgate 2>/dev/null)
mkdir "$TMP/saved"
# saved DIR - where DIR waits while the test runs (/etc/mxgate: etc-mxgate)
saved() { echo "$TMP/saved/$(basename "$(dirname "$1")")-mxgate"; }

# restore_ids - user and group mxgate as they were before the test
restore_ids() {
	local id gid members gecos home shell
	if [ -z "$USER_LINE" ] && getent passwd mxgate >/dev/null; then
		userdel mxgate
	fi
	if [ -z "$GROUP_LINE" ] && getent group mxgate >/dev/null; then
		groupdel mxgate
	fi
	if [ -n "$GROUP_LINE" ] && ! getent group mxgate >/dev/null; then
		IFS=: read -r _ _ gid members <<<"$GROUP_LINE"
		groupadd --system --gid "$gid" mxgate
		[ -z "$members" ] || gpasswd -M "$members" mxgate >/dev/null
	fi
	if [ -n "$USER_LINE" ] && ! getent passwd mxgate >/dev/null; then
		IFS=: read -r _ _ id gid gecos home shell <<<"$USER_LINE"
		useradd --system --uid "$id" --gid "$gid" --comment "$gecos" \
			--home-dir "$home" --no-create-home --shell "$shell" mxgate
	fi
}

# restore_run INODE - /run/mxgate as it was: without what the test's
# mxgated and mxgate-rules left there (the pid file, the notes about the
# namespace of inode INODE), gone if it was not there, else its owner and
# mode back (mxgated gives it to its user). Other tests' notes stay.
restore_run() {
	rm -f /run/mxgate/mxgated.pid
	[ -z "$1" ] || rm -f "/run/mxgate/clsact-$1-"* "/run/mxgate/rules-$1.state"
	if [ -z "$RUN_STAT" ]; then
		rmdir /run/mxgate 2>/dev/null
	elif [ -d /run/mxgate ]; then
		chown "${RUN_STAT% *}" /run/mxgate
		chmod "${RUN_STAT#* }" /run/mxgate
	fi
}

# cleanup - give the machine back; safe to run more than once
cleanup() {
	local d inode=
	if [ -n "$MXGATED_PID" ]; then
		kill -9 "$MXGATED_PID" 2>/dev/null
		wait "$MXGATED_PID" 2>/dev/null
		MXGATED_PID=
	fi
	if [ -n "$(deb_state)" ]; then
		if [ -e "/run/netns/$NS" ]; then
			ip netns exec "$NS" dpkg -P mxgate >>"$TMP/dpkg.log" 2>&1
		else
			dpkg -P mxgate >>"$TMP/dpkg.log" 2>&1
		fi
	fi
	if [ -e "/run/netns/$NS" ]; then
		inode=$(stat -L -c %i "/run/netns/$NS")
		mapfile -t pids < <(ip netns pids "$NS" 2>/dev/null)
		[ "${#pids[@]}" -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
		ip netns del "$NS"
	fi
	mountpoint -q "$PIN" 2>/dev/null && umount -l "$PIN"
	restore_ids
	restore_run "$inode"
	for d in /etc/mxgate /var/lib/mxgate; do
		if [ -e "$(saved "$d")" ]; then
			rm -rf "$d"
			mv "$(saved "$d")" "$d"
		fi
	done
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
# An earlier make install's configuration and state wait aside.
for d in /etc/mxgate /var/lib/mxgate; do
	[ -e "$d" ] && mv "$d" "$(saved "$d")"
done

# dpkg_do ARGS... - dpkg, waiting out another dpkg or apt holding its lock
dpkg_do() {
	local _
	for _ in $(seq 1 60); do
		"$@" >"$TMP/dpkg.out" 2>&1 && { cat "$TMP/dpkg.out" >>"$TMP/dpkg.log"; return 0; }
		cat "$TMP/dpkg.out" >>"$TMP/dpkg.log"
		grep -q 'lock' "$TMP/dpkg.out" || return 1
		sleep 2
	done
	return 1
}
in_ns() { ip netns exec "$NS" env PATH="$SYSPATH" "$@"; }
not() { ! "$@"; }
# gone PID - PID has exited (a zombie counts as gone)
gone() { ! [ -d "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
# wait_until SECONDS CMD... - poll for a condition
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
tc_attached() { in_ns tc filter show dev "$IF" ingress | grep -q bpf; }
rules_loaded() { in_ns nft list table inet mxgate >/dev/null 2>&1; }

# --- Build.
deb=$(env -u MAKEFLAGS -u MFLAGS make -C "$REPO" --no-print-directory -s deb \
	BUILD="$BUILD" 2>"$TMP/make.log" | tail -n 1)
case $deb in /*) ;; *) deb=$REPO/$deb ;; esac
check "make deb built $(basename "$deb")" test -f "$deb"
if [ ! -f "$deb" ]; then
	sed 's/^/# /' "$TMP/make.log"
	tally "$SUITE"
	exit 1
fi
version=$(sed -n '/^.define MXG_VERSION/s/.*"\([^"]*\)".*/\1/p' "$REPO/daemon/version.h")
check "... its version is MXG_VERSION ($version)" \
	test "$(dpkg-deb -f "$deb" Version)" = "$version"
check "... it depends on the runtime libraries ($(dpkg-deb -f "$deb" Depends | cut -c1-60)...)" \
	eval "dpkg-deb -f '$deb' Depends | grep -q 'libbpf1.*libc-ares2.*libc6.*nftables'"

# --- Install.
check "dpkg -i installs it" dpkg_do dpkg -i "$deb"
check "... dpkg says installed" test "$(deb_state)" = installed
for f in /usr/sbin/mxgated /usr/sbin/mxgatectl /usr/sbin/mxgate-rules; do
	check "$f is there, executable" test -x "$f"
done
for f in man5/mxgate.conf.5 man8/mxgated.8 man8/mxgatectl.8 man8/mxgate-rules.8; do
	check "man page $f.gz" gzip -t "/usr/share/man/$f.gz"
done
check "the ruleset template /usr/share/mxgate/mxgate.nft" test -f /usr/share/mxgate/mxgate.nft
check "the unit /lib/systemd/system/mxgated.service runs /usr/sbin/mxgated" \
	grep -q '^ExecStart=/usr/sbin/mxgated' /lib/systemd/system/mxgated.service
if command -v systemd-analyze >/dev/null; then
	check "... and passes systemd-analyze verify" \
		systemd-analyze verify /lib/systemd/system/mxgated.service
fi
check "/etc/mxgate/mxgate.conf is a conffile" \
	eval "dpkg-query -W -f='\${Conffiles}' mxgate | grep -q '^ /etc/mxgate/mxgate.conf '"
check "/etc/mxgate/countries.d is there" test -d /etc/mxgate/countries.d
check "/usr/share/doc/mxgate/copyright is there" test -f /usr/share/doc/mxgate/copyright
check "user mxgate exists: a system user, no login" \
	eval "[ \$(id -u mxgate) -lt 1000 ] && getent passwd mxgate | grep -q ':/usr/sbin/nologin\$'"
check "group mxgate exists, the user's primary group" \
	test "$(id -gn mxgate 2>/dev/null)" = mxgate
check "the unit is not enabled by the install (interfaces first)" \
	test -z "$(ls /etc/systemd/system/*.wants/mxgated.service 2>/dev/null)"
check "mxgatectl --help prints the usage" \
	eval "/usr/sbin/mxgatectl --help 2>&1 | grep -q '^usage: mxgatectl'"
out=$(/usr/sbin/mxgated -t 2>&1)
check "mxgated -t on the shipped configuration asks for interfaces: $out" \
	grep -q 'interfaces is not set' <<<"$out"

# --- Configure and run it, in a namespace of the test's.
ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip -n "$NS" link add "$IF" type veth peer name "${IF}p" &&
	ip -n "$NS" addr add "$ADDR" dev "$IF" &&
	ip -n "$NS" link set "$IF" up && ip -n "$NS" link set "${IF}p" up
mkdir -p "$PIN" && mount -t bpf bpf "$PIN"
# As the admin would: the one setting required, and (test only) a
# pin_dir of the test's, so that nothing is pinned under /sys/fs/bpf.
printf '\n# test_deb.sh\ninterfaces = %s\npin_dir = %s\n' "$IF" "$PIN" >> /etc/mxgate/mxgate.conf
out=$(in_ns /usr/sbin/mxgated -t 2>&1)
check "mxgated -t accepts it with interfaces set: $out" grep -q 'configuration ok' <<<"$out"
in_ns /usr/sbin/mxgated -f >"$LOG" 2>&1 &
MXGATED_PID=$!
check "mxgated starts from the package" wait_until 20 grep -q ' ready' "$LOG"
check "... and runs as the package's user mxgate" grep -q "running as mxgate (uid $(id -u mxgate))" "$LOG"
check "... its rules loaded" rules_loaded
check "... its tc program attached to $IF" tc_attached
check "... its learned state in /var/lib/mxgate" test -f /var/lib/mxgate/verdicts.lmdb
check "root reads its counters (mxgatectl stats)" \
	eval "in_ns /usr/sbin/mxgatectl stats | grep -q '^connections (SYNs):'"
check "a member of group mxgate does too" \
	eval "in_ns setpriv --reuid=nobody --regid=nogroup --groups=$(getent group mxgate | cut -d: -f3) /usr/sbin/mxgatectl stats | grep -q '^connections (SYNs):'"

# --- A reinstall: dpkg's upgrade path (prerm upgrade, postinst configure).
check "dpkg -i again (upgrade path)" dpkg_do in_ns dpkg -i "$deb"
check "... mxgated still runs, its rules and tc program in place" \
	eval "! gone $MXGATED_PID && rules_loaded && tc_attached"
check "... the edited conffile is kept" grep -q "^interfaces = $IF\$" /etc/mxgate/mxgate.conf

# --- Remove: stopped, out of the packet path, state kept.
check "dpkg -r removes it" dpkg_do in_ns dpkg -r mxgate
check "... mxgated was stopped" wait_until 5 gone "$MXGATED_PID"
check "... cleanly (its stop line)" grep -q 'stopped: ' "$LOG"
check "... its tc program detached from $IF" not tc_attached
check "... its rules unloaded" not rules_loaded
check "... the iptables-nft fallback too" \
	not in_ns iptables-nft -t mangle -S MXGATE
check "... the programs are gone" test ! -e /usr/sbin/mxgated -a ! -e /usr/sbin/mxgatectl
check "... the unit is gone" test ! -e /lib/systemd/system/mxgated.service
check "... the learned state is kept" test -f /var/lib/mxgate/verdicts.lmdb
check "... the configuration is kept" grep -q "^interfaces = $IF\$" /etc/mxgate/mxgate.conf
check "... user mxgate is kept" getent passwd mxgate
check "... dpkg says config-files" test "$(deb_state)" = config-files
wait "$MXGATED_PID" 2>/dev/null
OLD_PID=$MXGATED_PID MXGATED_PID=

# --- Purge: state, configuration, user and group gone.
check "dpkg -P purges it" dpkg_do dpkg -P mxgate
check "... the learned state is gone" test ! -e /var/lib/mxgate
check "... the configuration is gone" test ! -e /etc/mxgate
# A mxgated of another test, started meanwhile as user mxgate outside
# the e2e lock, makes userdel refuse: then the attempt is what is seen.
busy=$(sed -n 's/^userdel: user mxgate is currently used by process \([0-9]*\).*/\1/p' "$TMP/dpkg.log")
if [ -z "$busy" ]; then
	check "... user mxgate is gone" not getent passwd mxgate
	check "... group mxgate is gone" not getent group mxgate
else
	check "... purge tried to delete user mxgate; userdel refused: pid $busy, another test's, uses it" \
		test "$busy" != "$OLD_PID"
fi
check "... dpkg forgot it" test -z "$(deb_state)"

[ "$E2E_FAILED" -eq 0 ] || { echo "--- dpkg (tail)"; tail -n 30 "$TMP/dpkg.log";
	echo "--- mxgated (tail)"; tail -n 20 "$LOG"; }
tally "$SUITE"
