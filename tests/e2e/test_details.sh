#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_details.sh - details operators notice, without mxgated: --version
# of every program (mxgated, mxgatectl, mxgate-rules) is one version,
# daemon/version.h's; mxgatectl check of an empty or malformed name is
# an error, not "clean"; without bpffs mxgatectl's error gives the
# command that mounts it (the default pin_dir is tried in a mount
# namespace of the test's own). Needs root (mount, unshare); touches
# nothing outside its directory.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/tap.sh
. "$REPO/tests/e2e/tap.sh"
# shellcheck source=tests/e2e/pinned.sh
. "$REPO/tests/e2e/pinned.sh"
pinned_setup details
[ -x "$BUILD/mxgated" ] || fail_early "mxgated is built"
printf 'pin_dir = %s\nstate_dir = %s\n' "$PIN" "$STATE" > "$CONF"

# run ARGS... - mxgatectl; sets OUT, ERR and RC
run() {
	OUT=$("$CTL" "$@" 2>"$TMP/err"); RC=$?
	ERR=$(cat "$TMP/err")
}
one_error() { [ "$(grep -c '' <<<"$ERR")" -eq 1 ] && [[ $ERR == "mxgatectl: "* ]]; }

# --- --version: every program, one version
want=$(sed -n 's/^#define MXG_VERSION "\(.*\)"$/\1/p' "$REPO/daemon/version.h")
check "version.h defines the version ($want)" grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' <<<"$want"
run --version
check "mxgatectl --version: 'mxgatectl $want', exit 0 ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "mxgatectl $want" -a -z "$ERR"
check "mxgated --version: 'mxgated $want' ($("$BUILD/mxgated" --version 2>&1))" \
	test "$("$BUILD/mxgated" --version 2>&1)" = "mxgated $want"
check "mxgate-rules --version: 'mxgate-rules $want', asked of mxgated" \
	test "$(MXGATED="$BUILD/mxgated" "$REPO/nftables/mxgate-rules" --version 2>&1)" = "mxgate-rules $want"
check "mxgate-rules --version finds the tree's mxgated by itself" \
	test "$("$REPO/nftables/mxgate-rules" --version 2>&1)" = "mxgate-rules $want"
check "make version prints the same" test "$(make -s -C "$REPO" version)" = "$want"
run -c "$CONF" lookup 192.0.2.1 --version
check "--version anywhere on the line wins, exit 0" test "$RC" -eq 0 -a "$OUT" = "mxgatectl $want"

# --- check: an empty or malformed name is an error, not "clean"
for name in '' 'bad name!' 'a..b' 'x/24' "$(printf 'esc\033[2J')"; do
	run check "$name"
	check "check '$name': exit 2, one line, nothing on stdout ($ERR)" \
		test "$RC" -eq 2 -a -z "$OUT" && one_error
done
run check ''
check "check '': the message says what is wrong ($ERR)" \
	test "$ERR" = "mxgatectl: check: \"\" is neither an IPv4 or IPv6 address nor a host name (letters, digits, '-' and '_' in dot-separated labels)"
run check mail.example.org
check "check of a clean name still says clean, exit 0" test "$RC" -eq 0 -a "$OUT" = "mail.example.org: clean"
run check mx_1.example.org.
check "check: '_' and a final dot are a host name" test "$RC" -eq 0

# --- bpffs not mounted: the error gives the command
mkdir -p "$TMP/plain"
run -p "$TMP/plain" lookup 192.0.2.1
check "pin_dir a directory that is not bpffs: exit 2, one line ($ERR)" \
	test "$RC" -eq 2 && one_error
check "... naming the mount command ($ERR)" \
	test "$ERR" = "mxgatectl: $TMP/plain is not on a bpf filesystem (bpffs is not mounted): mount it with 'mount -t bpf bpf $TMP/plain', then start mxgated, which pins its maps there"
run -p "$TMP/plain/typo" lookup 192.0.2.1
check "a pin_dir that does not exist, not under /sys/fs/bpf: more likely wrong, said so ($ERR)" \
	test "$ERR" = "mxgatectl: $TMP/plain/typo does not exist: mxgated has never run, or pin_dir is wrong (-p, -c)"
# The default pin_dir, in a mount namespace of our own without bpffs
# (the host's mounts are left alone).
printf 'state_dir = %s\n' "$STATE" > "$TMP/default.conf"
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
out=$(unshare -m sh -c 'mountpoint -q /sys/fs/bpf && umount /sys/fs/bpf; "$1" -c "$2" stats' \
	sh "$CTL" "$TMP/default.conf" 2>&1)
check "default pin_dir without bpffs: 'mount -t bpf bpf /sys/fs/bpf' ($out)" \
	test "$out" = "mxgatectl: /sys/fs/bpf/mxgate is not on a bpf filesystem (bpffs is not mounted): mount it with 'mount -t bpf bpf /sys/fs/bpf', then start mxgated, which pins its maps there"
run -p "$PIN/nowhere" lookup 192.0.2.1
check "on bpffs, a pin_dir that does not exist: the old message ($ERR)" \
	test "$ERR" = "mxgatectl: $PIN/nowhere does not exist: mxgated has never run, or pin_dir is wrong (-p, -c)"

tally details
