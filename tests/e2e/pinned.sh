# SPDX-License-Identifier: GPL-2.0-or-later
# pinned.sh - what the suites that drive mxgatectl (and mxgated -t)
# against maps of their own share, without namespaces: a temporary
# directory with a private bpffs, unmounted and removed on every exit,
# and the ids and sizes of the shared header. Sourced after tap.sh.
#   pinned_setup NAME  TMP (/tmp/mxgate-NAME.*), PIN (a bpffs mounted
#                      there), CONF, STATE, CTL; NAME tallies fail_early
#   fail_early WHAT    the suite cannot run at all: not ok, tally, exit 1
#   header_probe [CC ARGS...] <<'EOF' ... EOF
#                      sources NAME=value lines printed by the P(name,
#                      value) and OFF(type, field) lines read from stdin
#                      (its #include lines go before main),
#                      compiled against bpf/mxgate.h (and the CC ARGS), so
#                      that no id or offset is ever copied into a test
# shellcheck shell=bash

pinned_cleanup() {
	mountpoint -q "$PIN" && umount -l "$PIN"
	rm -rf "$TMP"
}

fail_early() {
	not_ok "$1"
	tally "$PINNED_SUITE"
	exit 1
}

pinned_setup() {
	PINNED_SUITE=$1
	BUILD=${BUILD:-$REPO/build}
	CTL=$BUILD/mxgatectl
	TMP=$(mktemp -d "/tmp/mxgate-$1.XXXXXX")
	PIN=$TMP/bpf
	CONF=$TMP/mxgate.conf
	STATE=$TMP/state
	trap pinned_cleanup EXIT
	trap 'exit 1' INT TERM
	[ -x "$CTL" ] || fail_early "$CTL is built (make build/mxgatectl)"
	{ mkdir -p "$PIN" && mount -t bpf bpf "$PIN"; } ||
		fail_early "bpffs mounted on $PIN"
}

header_probe() {
	local body
	body=$(cat)
	{
		printf '#include <stddef.h>\n#include <stdio.h>\n'
		printf '#include <linux/types.h>\n#include "mxgate.h"\n'
		grep '^#include' <<<"$body"
		printf '#define P(name, value) printf("%%s=%%llu\\n", name, (unsigned long long)(value))\n'
		printf '#define OFF(t, f) P("OFF_" #f, offsetof(struct t, f))\n'
		printf 'int main(void)\n{\n'
		grep -v '^#include' <<<"$body"
		printf '\treturn 0;\n}\n'
	} > "$TMP/ids.c"
	{ cc -I"$REPO/bpf" "$@" -o "$TMP/ids" "$TMP/ids.c" &&
		"$TMP/ids" > "$TMP/ids.sh"; } ||
		fail_early "the header probe compiles and runs"
	# shellcheck source=/dev/null # written just above
	. "$TMP/ids.sh"
}
