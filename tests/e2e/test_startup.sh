#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_startup.sh - mxgated -t means it, and one instance owns the gateway.
# Every setting that start-up would refuse or that would misbehave is
# refused by -t with one clear line (a missing interface, the responder on
# a protected port, DNSBL TTLs the wrong way round, a table that is a
# directory, a missing countries_dir, pin_dir without a bpffs, responder
# texts that are not fit for SMTP replies). A second
# mxgated started while one runs exits naming the first one's pid and
# changes nothing: the config map and the ruleset stay byte for byte.
set -u
. "$(dirname "$0")/lib.sh"

# t_conf EXTRA - a configuration good for this gateway, with EXTRA lines
# in place of the base lines of the same keys
t_conf() {
	local keys
	keys=$(sed -n 's/^\([a-z0-9_]*\) *=.*/\1/p' <<<"$1" | paste -sd'|')
	{
		cat <<-EOC
		interfaces = gc
		pin_dir = $PIN
		state_dir = $TMP/state
		countries_dir = $TMP/countries.d
		pid_file = $TMP/second.pid
		rules_cmd = none
		EOC
	} | grep -Ev "^(${keys:-none_at_all}) =" 
	echo "$1"
}

# refused WHAT EXTRA PATTERN - -t exits non-zero and says PATTERN
refused() {
	local what=$1 pattern=$3 out rc said
	t_conf "$2" > "$TMP/t.conf"
	out=$(in_ns "$NS_G" "$BUILD/mxgated" -t -c "$TMP/t.conf" 2>&1); rc=$?
	said=$(grep -m1 -e "$pattern" <<<"$out")
	[ -n "$said" ] || echo "$out" | sed 's/^/# /'
	check "-t refuses $what (exit $rc): ${said:-nothing}" \
		test "$rc" -ne 0 -a -n "$said"
}

setup_network || { echo "startup: 0 passed, 1 failed"; exit 1; }
mkdir -p "$PIN" "$TMP/state" "$TMP/countries.d" "$TMP/adir"
mountpoint -q "$PIN" || mount -t bpf bpf "$PIN"

t_conf "" > "$TMP/t.conf"
check "-t accepts a configuration that fits this host" \
	in_ns "$NS_G" "$BUILD/mxgated" -t -c "$TMP/t.conf"
refused "an interface that does not exist" "interfaces = gc, nosuch0" \
	"interfaces: nosuch0: no such interface"
refused "responder_port equal to a protected port" "ports = 25, 10025" \
	"responder_port 10025 is one of the protected ports"
refused "dnsbl_min_ttl above dnsbl_max_ttl" "dnsbl_min_ttl = 2h
dnsbl_max_ttl = 1h" "dnsbl_min_ttl (7200s) must not be longer than dnsbl_max_ttl"
refused "a table path that is a directory" "client_access = hash:$TMP/adir" \
	"$TMP/adir.*directory"
refused "a countries_dir that does not exist" "countries_dir = $TMP/nowhere" \
	"countries_dir $TMP/nowhere: No such file or directory (create it"
refused "pin_dir without a bpf filesystem" "pin_dir = /sys/kernel/mm/mxgate" \
	"/sys/kernel/mm is not a bpf filesystem; mount one: mount -t bpf bpf /sys/kernel/mm"
refused "a banner that does not start with the host name" \
	"responder_banner = mx.example.org ESMTP" \
	't\.conf:7: responder_banner: must start with "\$hostname"'
refused "a 450 text with a control byte (a tab)" "s25r_reply = $(printf 'be\tpatient')" \
	't\.conf:7: s25r_reply: byte 0x09 at 3 is not printable ASCII'
# The responder's default name is the system's: a host name that could
# not go into a reply is refused, unless responder_hostname names
# another. (Set in a UTS namespace of the test's, through /proc:
# hostname(1) itself refuses such a name.)
t_conf "" > "$TMP/t.conf"
out=$(in_ns "$NS_G" unshare --uts sh -c "printf 'gw 1' > /proc/sys/kernel/hostname && '$BUILD/mxgated' -t -c '$TMP/t.conf'" 2>&1); rc=$?
said=$(grep -m1 -F "responder_hostname: not set, and this host's name \"gw 1\" cannot go into SMTP replies: ' ' at 3" <<<"$out")
[ -n "$said" ] || echo "$out" | sed 's/^/# /'
check "-t refuses a system host name unfit for replies (exit $rc): ${said:-nothing}" \
	test "$rc" -ne 0 -a -n "$said"
t_conf "responder_hostname = gw1.example.org" > "$TMP/t.conf"
check "... and accepts it with responder_hostname set" \
	in_ns "$NS_G" unshare --uts sh -c "printf 'gw 1' > /proc/sys/kernel/hostname && '$BUILD/mxgated' -t -c '$TMP/t.conf'"
check "-t touched nothing: no pid file" test ! -e "$TMP/second.pid"

# --- One instance.
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary startup; exit 1; }
config_dump() { in_ns "$NS_G" bpftool map dump pinned "$PIN/config"; }
config_dump > "$TMP/config.before"
in_ns "$NS_G" nft list ruleset > "$TMP/rules.before"
# The second instance wants other ports, another greylist delay and the
# rules loaded again: none of it may happen.
sed -e 's/^ports = .*/ports = 25, 587/' "$TMP/mxgate.conf" > "$TMP/second.conf"
echo "greylist_delay = 5s" >> "$TMP/second.conf"
echo "greylist_window = 1m" >> "$TMP/second.conf"
out=$(in_ns "$NS_G" "$BUILD/mxgated" -f -c "$TMP/second.conf" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "a second mxgated exits (status $rc)" test "$rc" -ne 0
check "... naming the running one's pid ($MXGATED_PID)" \
	grep -q "another mxgated is running (pid $MXGATED_PID" <<<"$out"
config_dump > "$TMP/config.after"
in_ns "$NS_G" nft list ruleset > "$TMP/rules.after"
check "... the config map is byte for byte as before" cmp -s "$TMP/config.before" "$TMP/config.after"
check "... the ruleset is byte for byte as before" cmp -s "$TMP/rules.before" "$TMP/rules.after"
check "... the running one still owns the pid file" \
	test "$(cat "$TMP/mxgated.pid")" = "$MXGATED_PID"
send_mail $CLEAN 4 after
check "... and still judges: the clean sender is delivered" delivered after
stop_mxgated 15
# Unprivileged by then (user mxgate), it may not remove it from $TMP:
# emptied, it names no one.
check "a stopped mxgated removes or empties its pid file" test ! -s "$TMP/mxgated.pid"

# --- -u takes mxgate out, and the clsact qdisc it created on gc with it.
clsact_on() { in_ns "$NS_G" tc qdisc show dev "$1" | grep -q clsact; }
check "mxgated had created the clsact qdisc on gc" clsact_on gc
check "mxgated -u succeeds" in_ns "$NS_G" "$BUILD/mxgated" -u -c "$TMP/mxgate.conf"
check "... the tc program is gone, and the clsact qdisc mxgate created" not clsact_on gc
check "... the rules are unloaded" not in_ns "$NS_G" "$REPO/nftables/mxgate-rules" status
# A clsact qdisc the admin had before is left alone.
in_ns "$NS_G" tc qdisc add dev gc clsact
start_mxgated
stop_mxgated 15
in_ns "$NS_G" "$BUILD/mxgated" -u -c "$TMP/mxgate.conf" >/dev/null 2>&1
check "an admin's own clsact qdisc stays after -u" clsact_on gc

summary startup
