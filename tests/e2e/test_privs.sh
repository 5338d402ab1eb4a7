#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_privs.sh - least privilege (issue 12): after setup mxgated runs as
# user mxgate with CAP_NET_ADMIN and CAP_BPF only (effective, permitted,
# ambient and bounding sets, read from /proc), no supplementary group
# (the user has none: mxgated takes only those the admin gives it),
# no_new_privs; and its work still works unprivileged: a clean sender
# delivered, a greylisted client's 450 from the responder, a reload, a
# country file loaded (a new BPF map), rules removed by someone put back
# (mxgate-rules and nft inherit CAP_NET_ADMIN), the store written, a
# clean stop. mxgatectl's read commands (lookup, list, stats, status,
# check) work for an unprivileged user who is a member of mxgate's group,
# as an admin makes one (adduser alice mxgate: a supplementary group),
# and forget and reload are refused there with a clear message, changing
# nothing; others get a clear refusal. A user that does not exist: a
# warning, and root.
set -u
. "$(dirname "$0")/lib.sh"

CAP_NET_ADMIN=12 CAP_BPF=39
WANT=$(printf '%016x' $(( (1 << CAP_NET_ADMIN) | (1 << CAP_BPF) )))

setup_network || { echo "privs: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary privs; exit 1; }
uid=$(id -u "$MXG_USER") gid=$(id -g "$MXG_USER")

# status FIELD - a line of /proc/PID/status of mxgated, its value
status() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$MXGATED_PID/status"; }
# all4 N - N four times, as the Uid and Gid lines give them
all4() { echo "$1 $1 $1 $1"; }

check "mxgated said it gave up root" log_has "running as $MXG_USER (uid $uid), capabilities 0x$(printf '%x' $((16#$WANT)))"
check "uid: real, effective, saved, fs all $MXG_USER ($uid)" \
	test "$(status Uid)" = "$(all4 "$uid")"
check "gid: all $MXG_USER's group ($gid)" \
	test "$(status Gid)" = "$(all4 "$gid")"
# sorted_ids - whitespace-separated numbers, sorted, on one line
sorted_ids() { tr ' \t' '\n\n' | grep . | sort -n | paste -sd ' '; }
own_groups=$(id -G "$MXG_USER" | sorted_ids)
check "supplementary groups: the user's own alone ($own_groups: none added)" \
	test "$(status Groups | sorted_ids)" = "$own_groups"
for set in CapEff CapPrm CapAmb CapBnd; do
	check "$set is CAP_NET_ADMIN + CAP_BPF only ($(status $set))" test "$(status $set)" = "$WANT"
done
check "CapInh holds no more ($(status CapInh))" test "$(status CapInh)" = "$WANT"
check "no_new_privs is set" test "$(status NoNewPrivs)" = 1

# greylisted - the dynamic-looking client meets the responder's 450
greylisted() {
	smtp_probe $DYNAMIC wait > "$TMP/grey.out" 2>&1
	# the 450 at RCPT TO, or, once it had that dialogue, the repeat's
	# greeting-time 421 (greylist_repeat_reply): refused either way
	grep -Eq '^(reply=450 4\.7\.1|banner=421 4\.7\.0) ' "$TMP/grey.out"
}

# Its work, unprivileged.
send_mail $CLEAN 4 clean
check "a clean sender is delivered (NFQUEUE verdicts)" delivered clean
check "a greylisted client gets the responder's 450" greylisted
check "... its verdict in the kernel" lookup_has "$(v4 $DYNAMIC)" " greylist "
n=$(grep -c 'reload: .* in effect' "$DAEMON_LOG")
kill -HUP "$MXGATED_PID"
check "a reload rereads the configuration and tables" \
	wait_long 10 "reload" sh -c "[ \$(grep -c 'reload: .* in effect' '$DAEMON_LOG') -gt $n ]"
printf '198.51.100.200/32\n' > "$TMP/countries.d/.zz.tmp" && mv "$TMP/countries.d/.zz.tmp" "$TMP/countries.d/zz.zone"
check "a country file is loaded (a new map: CAP_BPF)" \
	wait_long 10 "country load" log_has "countries: 1 prefixes from 1 file(s)"
in_ns "$NS_G" nft flush ruleset
check "rules flushed by someone are put back (nft with CAP_NET_ADMIN)" \
	wait_long 10 "reinstall" log_has "rules: reinstalled in"
check "... and work: the greylisted client gets 450 again" greylisted
check "the store is written (store_records > 0)" \
	wait_long 5 "store gauge" sh -c "[ \"\$('$BUILD/mxgatectl' -p '$PIN' stats | awk '\$1 == \"store_records\" { print \$2 }')\" -gt 0 ]"
check "no warning about privileges" not log_has "warning: .*\(capab\|permission\|Operation not permitted\)"

# mxgatectl: a member of mxgate's group reads, only root writes. The
# member is nobody with mxgate as a supplementary group (adduser nobody
# mxgate would give it that); the configuration it reads is a copy it
# may read (the test's directory is root's).
as_member() { in_ns "$NS_G" setpriv --reuid=nobody --regid=nogroup --groups="$gid" "$@"; }
as_other() { in_ns "$NS_G" setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
chmod o+x "$TMP" && install -d -m 0755 "$TMP/pub" &&
	install -m 0644 "$TMP/mxgate.conf" "$TMP/pub/mxgate.conf"
MCTL=("$BUILD/mxgatectl" -c "$TMP/pub/mxgate.conf")
check "pin_dir is root:$MXG_USER 0750" test "$(stat -c '%u:%g %a' "$PIN")" = "0:$gid 750"
check "each pin is root:$MXG_USER 0640" \
	test -z "$(find "$PIN" -mindepth 1 \( ! -uid 0 -o ! -gid "$gid" -o ! -perm 0640 \))"
check "group member: mxgatectl lookup" as_member "${MCTL[@]}" lookup "$(v4 $DYNAMIC)"
check "group member: mxgatectl list" \
	eval "as_member ${MCTL[*]} list | grep -q ' greylist '"
check "group member: mxgatectl stats" \
	eval "as_member ${MCTL[*]} stats | grep -q '^connections (SYNs):'"
check "group member: mxgatectl check NAME" \
	eval "as_member ${MCTL[*]} check dyn-198-51-100-20.pool.example.net | grep -q ': s25r'"
as_member "${MCTL[@]}" status > "$TMP/status.out" 2>&1
check "group member: mxgatectl status shows the store and overload" \
	eval "grep -q '^store: ' '$TMP/status.out' && grep -q '^overload: ' '$TMP/status.out'"
check "... and says the rules line needs root, not \"none\": $(grep "^rules:" "$TMP/status.out")" \
	grep -q '^rules: .*ruleset.*needs root' "$TMP/status.out"
as_member "${MCTL[@]}" forget "$(v4 $DYNAMIC)" > "$TMP/forget.out" 2>&1; rc=$?
check "group member: forget is refused (status $rc), saying it needs root: $(cat "$TMP/forget.out")" \
	eval "[ $rc = 2 ] && grep -q 'forget needs root' '$TMP/forget.out'"
check "... and the verdict is still there" lookup_has "$(v4 $DYNAMIC)" " greylist "
n=$(grep -c 'reload: .* in effect' "$DAEMON_LOG")
as_member "${MCTL[@]}" reload > "$TMP/reload.out" 2>&1; rc=$?
check "group member: reload is refused (status $rc), saying it needs root: $(cat "$TMP/reload.out")" \
	eval "[ $rc = 2 ] && grep -q 'reload needs root' '$TMP/reload.out'"
sleep 1
check "... and mxgated did not reload" test "$(grep -c 'reload: .* in effect' "$DAEMON_LOG")" -eq "$n"
as_other "$BUILD/mxgatectl" -p "$PIN" stats > "$TMP/other.out" 2>&1
check "others: refused, pointing at the group" grep -q "member of the group" "$TMP/other.out"

# A clean stop: the pid file no longer names it (unprivileged, it may not
# be allowed to remove it: emptied then).
kill -TERM "$MXGATED_PID"
wait "$MXGATED_PID" 2>/dev/null
check "stopped cleanly" log_has "stopped: "
check "the pid file names no one" test ! -s "$TMP/mxgated.pid"

# No such user: a warning, and root.
MXG_USER=root start_mxgated >/dev/null 2>&1
sed -i "s/^user = .*/user = mxg-no-such-user/" "$TMP/mxgate.conf"
kill -TERM "$MXGATED_PID"; wait "$MXGATED_PID" 2>/dev/null
readies=$(grep -c ' ready' "$DAEMON_LOG")
ip netns exec "$NS_G" "$BUILD/mxgated" -f -c "$TMP/mxgate.conf" >>"$DAEMON_LOG" 2>&1 &
MXGATED_PID=$!
wait_for "mxgated ready" readies_above "$readies"
check "a user that does not exist: a warning naming it" \
	log_has "warning: user mxg-no-such-user: no such user: staying root"
check "... and mxgated runs (as root)" test "$(status Uid)" = "$(all4 0)"

summary privs
