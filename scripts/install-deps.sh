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
# and a real Redis (the tests start their own; a system-wide one, if the
# package starts it, is never used).
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
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
