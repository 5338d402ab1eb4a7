#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# install-deps.sh - install every Debian 12 package mxgate's build, demo and
# tests need. Installs only what is missing; safe to run again.
set -eu

BUILD="clang llvm make gcc pkg-config libbpf-dev bpftool linux-libc-dev
libnetfilter-queue-dev libmnl-dev libc-ares-dev libpcre2-dev liblmdb-dev
libcap-ng-dev libspf2-dev libmicrohttpd-dev libhiredis-dev"
# The fuzz targets (tests/fuzz/): libFuzzer and the sanitizer runtimes.
FUZZ="libclang-rt-14-dev"
RUNTIME="nftables iptables iproute2"
# make deb and its test: dpkg-shlibdeps computes the package's Depends,
# adduser makes its user.
PKG="dpkg-dev adduser"
# Test and demo only: a real DNS server, a real MTA, an SMTP client, dig,
# and a real Redis (test_share.sh starts its own; a system-wide one is not
# left running: below).
TEST="nsd postfix swaks libio-socket-inet6-perl bind9-dnsutils procps python3
curl redis-server"

missing=""
for p in $BUILD $FUZZ $RUNTIME $PKG $TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not configure or start a system-wide instance: the tests run
# their own in a network namespace.
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
# Nor a system-wide Redis: redis-server's maintainer scripts enable it at
# boot and start it at once (systemd, or its init.d script), listening on
# 127.0.0.1:6379. While apt runs, a policy-rc.d (Debian's way to keep
# maintainer scripts from starting services; invoke-rc.d and
# deb-systemd-invoke obey it) refuses redis-server, unless the host has a
# policy-rc.d of its own (containers: usually "start nothing"); once it is
# installed, it is disabled at boot. A Redis that was already installed is
# the admin's and left alone.
new_redis=no
case " $missing " in *" redis-server "*) new_redis=yes;; esac
policy=/usr/sbin/policy-rc.d
if [ "$new_redis" = yes ] && [ ! -e "$policy" ]; then
	trap 'rm -f "$policy"' EXIT
	trap 'exit 130' INT TERM HUP
	cat > "$policy" <<-'EOP'
	#!/bin/sh
	# written by mxgate's scripts/install-deps.sh for the time it runs apt
	case " $* " in *" redis-server"*) exit 101;; esac
	exit 0
	EOP
	chmod 755 "$policy"
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
if [ "$new_redis" = yes ]; then
	if [ -d /run/systemd/system ]; then
		systemctl disable --now redis-server.service >/dev/null 2>&1 || true
	else
		# no systemd running: the init.d links, and systemd's for a later boot
		update-rc.d redis-server disable >/dev/null 2>&1 || true
		deb-systemd-helper disable redis-server.service >/dev/null 2>&1 || true
	fi
	echo "install-deps: redis-server installed for the tests, not running and disabled at boot"
fi
