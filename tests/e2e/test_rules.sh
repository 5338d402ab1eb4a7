#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_rules.sh - end-to-end test of nftables/mxgate-rules and mxgate.nft.
#
#   bash tests/e2e/test_rules.sh        (as root; run by tests/e2e/run.sh)
#
# Self-contained: two network namespaces of its own (mxg-rules-PID and
# mxg-rules-PID-c, a veth pair 192.0.2.1 / 192.0.2.2, 2001:db8::1 / ::2),
# an admin's own rules loaded first (table inet admin, a rule in ip
# mangle), then load / status / reload / unload, checked against
# "nft list ruleset" and "iptables-nft -S" in the namespace. A real SYN to
# port 25 with no queue listener must still connect (queue bypass) and
# must have gone through the queue rule (its counter). Then, with real
# connections from more client addresses (192.0.2.3-5, 2001:db8::3-5):
# a SYN the test marks TARPIT (table inet mxgtest, priority raw, as the tc
# program would) reaches the responder's port, not port 25; unmarked and
# PASS-marked ones reach port 25; the responder's port cannot be reached
# directly; --conn-limit caps the open connections of one address and
# --conn-limit 0 loads no limit; bad values change nothing. The values
# not given come from mxgated -p (-c FILE, MXGATED; mxgate.nft has only
# placeholders), and without an mxgated a load with every option given
# still works. Only clients arriving on --interfaces are judged, and
# never those from --trusted: with the interfaces naming another link,
# or the client's address trusted, its SYN is not queued, not redirected
# and not counted by the limit. The admin's firewall: check-firewall
# finds the chains at the input hook that would drop the connections
# redirected to the responder (a table of rulesets, nftables and
# iptables-nft, each with the verdict it must give), such a chain really
# drops a TARPIT-marked client's connection until the line the warning
# gives is added, and --firewall-accept yes inserts exactly that line
# and unload takes exactly it out again. Every nft and iptables command
# runs inside our namespaces; the host's ruleset is never touched. One
# "ok - ..." / "not ok - ..." line per check, then "rules: N passed, N
# failed"; exit 1 if any failed.
#
# The native nftables path cannot load here (this kernel has no nft_queue).
# It is exercised through a shim "nft" first in PATH that turns the queue
# statement into "accept" on the way to the kernel: that tests the
# loader's native branch (message, status, reload, unload, removal of an
# earlier fallback), not the queue statement itself. The queue statement's
# own text is checked with "nft -c": the kernel refuses it only because of
# the missing expression, never for its syntax.

set -u
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RULES=${MXGATE_RULES:-$REPO/nftables/mxgate-rules}	# MXGATE_RULES: test another copy
NS=mxg-rules-$$			# the gateway: rules and listener
NSC=mxg-rules-$$-c		# the client
NSF=mxg-rules-$$-f		# firewall cases, each a whole ruleset
TMP=$(mktemp -d /tmp/mxg-rules.XXXXXX)
RUNDIR=${MXGATE_RUNDIR:-/run/mxgate}
LISTENER_PID=
STATE=

# cleanup - kill what we started, delete our namespaces and files
cleanup() {
	local pids n
	[ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null
	for n in "$NS" "$NSC" "$NSF"; do
		pids=$(ip netns pids "$n" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid a word
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	[ -n "$STATE" ] && rm -f "$STATE"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$(dirname "$0")/tap.sh"
# expect WHAT WANT GOT - ok if the two strings are equal, else show both
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   want: %s\n#   got:  %s\n' "$2" "$3" | sed 's/^/  /'
	fi
}

in_ns() { ip netns exec "$NS" "$@"; }
# IFACE - the gateway's link to the client: what a load needs as
# --interfaces (there is no default, and nothing here sets it in a file)
IFACE=g0
# rules ARGS... - run the loader in the gateway namespace; stdout to
# $TMP/out, stderr to $TMP/err, exit status in RC. A load or a
# check-firewall that names no --interfaces gets "--interfaces $IFACE"
# right after the command word.
rules() {
	local a=("$@")
	case ${1:-} in
	load|check-firewall)
		[[ " $* " == *" --interfaces"* ]] || a=("$1" --interfaces "$IFACE" "${@:2}") ;;
	esac
	in_ns "$RULES" "${a[@]}" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
# LOADED - the end of load's and status's line for the defaults
LOADED='interfaces g0, trusted 127.0.0.0/8,::1/128)'

ruleset() { in_ns nft list ruleset 2>/dev/null; }
# tables - the ruleset with its tables in sorted order: replacing table
# inet mxgate ("add; delete; table") moves it to the end of the listing
tables() {
	local t
	in_ns nft list tables 2>/dev/null | sort | while read -r t; do
		# shellcheck disable=SC2086 # "table inet admin": three words
		in_ns nft list $t 2>/dev/null
	done
}
# count PATTERN CMD... - how many lines of CMD's output match PATTERN
count() {
	local re=$1
	shift
	"$@" 2>/dev/null | grep -c -E -- "$re"
}
same_ruleset() { diff -u "$TMP/ruleset.before" <(ruleset) >"$TMP/diff"; }
show_diff() { sed 's/^/  #   /' "$TMP/diff" | head -n 40; }

if [ "$(id -u)" != 0 ]; then
	echo "rules: needs root (network namespaces, nftables)" >&2
	echo "rules: 0 passed, 1 failed"
	exit 1
fi
for t in nft iptables-nft ip6tables-nft python3 ip; do
	if ! command -v $t >/dev/null; then
		echo "rules: $t not found" >&2
		echo "rules: 0 passed, 1 failed"
		exit 1
	fi
done

# --- the world: two namespaces, a veth pair, the admin's own rules --------

if ! ip netns add "$NS" || ! ip netns add "$NSC"; then
	echo "rules: cannot create namespaces"
	echo "rules: 0 passed, 1 failed"
	exit 1
fi
ip -n "$NS" link add g0 type veth peer name c0 netns "$NSC"
ip -n "$NS" addr add 192.0.2.2/24 dev g0
ip -n "$NS" addr add 2001:db8::2/64 dev g0 nodad
ip -n "$NSC" addr add 192.0.2.1/24 dev c0
ip -n "$NSC" addr add 2001:db8::1/64 dev c0 nodad
for n in "$NS" "$NSC"; do
	ip -n "$n" link set lo up
done
ip -n "$NS" link set g0 up
ip -n "$NSC" link set c0 up

# An admin's table, unrelated to mxgate except that it marks SYNs to port
# 587 the way the tc program marks a cached PASS (so the queue rule must
# skip them), and an admin rule in ip mangle. Both must survive us. The
# ip6 mangle table does not exist: load creates it, unload removes it.
in_ns nft -f - <<'EOF'
table inet admin {
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		tcp dport 587 meta mark set 0x100 comment "test: as if tc marked PASS"
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 203.0.113.99 drop
	}
}
EOF
in_ns iptables-nft -t mangle -A PREROUTING -s 203.0.113.99/32 -p udp --dport 53 \
	-m comment --comment admin -j MARK --set-mark 0x5
ruleset >"$TMP/ruleset.before"
check "setup: admin table and ip mangle rule in place" \
	grep -q 'ip saddr 203.0.113.99 udp dport 53 .*meta mark set 0x5' "$TMP/ruleset.before"

ino=$(in_ns readlink /proc/self/ns/net)
STATE=$RUNDIR/rules-${ino//[!0-9]/}.state

# What this kernel can do, asked independently of the loader ("nft -c"
# goes to the kernel and changes nothing).
if printf 'table inet mxgprobe { chain c { type filter hook prerouting priority 0; queue num 0 bypass; }; }\n' |
	in_ns nft -c -f - >/dev/null 2>&1; then
	MODE=native
else
	MODE=fallback
fi

# --- status, load, the resulting rules ------------------------------------

rules status
expect "status before load exits 3" 3 "$RC"
check "status before load says none" grep -q '^mxgate-rules: none:' "$TMP/out"

rules load
expect "load exits 0" 0 "$RC"
expect "load prints exactly one line on stdout" 1 "$(wc -l <"$TMP/out")"
expect "load prints nothing on stderr" "" "$(cat "$TMP/err")"
echo "  # $(cat "$TMP/out")"
if [ $MODE = fallback ]; then
	check "load used the iptables-nft fallback (this kernel has no nft queue)" \
		grep -qF "nftables 'queue' not supported by this kernel (nft: Could not process rule: No such file or directory); loaded iptables-nft NFQUEUE fallback (queue 0, ports 25, responder port 10025, conn limit 20, $LOADED" "$TMP/out"
else
	check "load used the native nftables rule (this kernel has nft queue)" \
		grep -qF "loaded native nftables queue rule (queue 0, ports 25, responder port 10025, conn limit 20, $LOADED" "$TMP/out"
fi

rules status
expect "status after load exits 0" 0 "$RC"
check "status says $MODE" grep -q "^mxgate-rules: $MODE:" "$TMP/out"
check "status shows the default responder port, connection limit, interfaces and trusted networks" \
	grep -q "^mxgate-rules: $MODE: .*(queue 0, ports 25, responder port 10025, conn limit 20, $LOADED\$" "$TMP/out"
check "state file for this namespace records $MODE" grep -qx "mode=$MODE" "$STATE"
expect "state file records the responder port, the connection limit, the interfaces and the trusted networks" \
	"responder_port=10025 conn_limit=20 interfaces=g0 trusted=127.0.0.0/8,::1/128" \
	"$(grep -x 'responder_port=[0-9]*' "$STATE") $(grep -x 'conn_limit=[0-9]*' "$STATE") $(grep '^interfaces=' "$STATE") $(grep '^trusted=' "$STATE")"

# table inet mxgate: prerouting at mangle, dstnat at dstnat
tbl=$(in_ns nft list table inet mxgate 2>/dev/null)
check "table inet mxgate has chain prerouting, hook prerouting priority mangle" \
	grep -Pzo 'chain prerouting \{\s*type filter hook prerouting priority mangle; policy accept;' <<<"$tbl"
check "table inet mxgate has chain dstnat, nat hook prerouting priority dstnat" \
	grep -Pzo 'chain dstnat \{\s*type nat hook prerouting priority dstnat; policy accept;' <<<"$tbl"
# The redirect, the guard of the responder's port and the limit are in
# table inet mxgate in both modes (the fallback moves the queue rule only).
expect "$MODE: dstnat redirects TARPIT-marked SYNs arriving on g0 to protected ports to :10025" \
	'iifname "g0" tcp dport 25 meta mark & 0x00000f00 == 0x00000200 redirect to :10025 comment "mxgate: tarpit to the responder"' \
	"$(in_ns nft list chain inet mxgate dstnat 2>/dev/null | grep -F redirect | sed 's/^[[:space:]]*//')"
for c in connlimit prerouting dstnat; do
	check "$MODE: chain $c accepts trusted_networks first, IPv4 then IPv6" \
		grep -Pzo "chain $c \\{\\s*type [^\\n]*\\n\\s*tcp dport 25 ip saddr @mxgate_trusted4 accept comment \"mxgate: trusted_networks\"\\s*tcp dport 25 ip6 saddr @mxgate_trusted6 accept comment \"mxgate: trusted_networks\"\\n" <<<"$tbl"
done
check "$MODE: the trusted sets are interval sets holding the loopback networks" \
	grep -Pzo 'set mxgate_trusted4 \{\s*type ipv4_addr\s*flags interval\s*auto-merge\s*elements = \{ 127\.0\.0\.0/8 \}\s*\}\s*set mxgate_trusted6 \{\s*type ipv6_addr\s*flags interval\s*auto-merge\s*elements = \{ ::1 \}\s*\}' <<<"$tbl"
check "$MODE: chain input, hook input priority filter, guards port 10025: redirected accepted, the rest dropped" \
	grep -Pzo 'chain input \{\s*type filter hook input priority filter; policy accept;\s*tcp dport 10025 ct status dnat accept comment "mxgate: redirected to the responder"\s*tcp dport 10025 counter packets \d+ bytes \d+ drop comment "mxgate: responder port, not redirected"\s*\}' <<<"$tbl"
check "$MODE: chain connlimit at priority mangle - 1 holds the trusted accepts and the IPv4 and IPv6 limits of 20 on g0, nothing else" \
	grep -Pzo 'chain connlimit \{\s*type filter hook prerouting priority mangle - 1; policy accept;\s*tcp dport 25 ip saddr @mxgate_trusted4 accept comment "mxgate: trusted_networks"\s*tcp dport 25 ip6 saddr @mxgate_trusted6 accept comment "mxgate: trusted_networks"\s*iifname "g0" tcp dport 25 ct state new add @mxgate_conn4 \{ ip saddr ct count over 20 \} counter packets \d+ bytes \d+ drop comment "mxgate: connection limit"\s*iifname "g0" tcp dport 25 ct state new add @mxgate_conn6 \{ ip6 saddr ct count over 20 \} counter packets \d+ bytes \d+ drop comment "mxgate: connection limit"\s*\}' <<<"$tbl"
check "$MODE: the limit's sets are dynamic, ipv4_addr and ipv6_addr" \
	grep -Pzo 'set mxgate_conn4 \{\s*type ipv4_addr\s*size 65535\s*flags dynamic\s*\}\s*set mxgate_conn6 \{\s*type ipv6_addr\s*size 65535\s*flags dynamic\s*\}' <<<"$tbl"
if [ $MODE = fallback ]; then
	expect "fallback: no queue rule in table inet mxgate" 0 "$(grep -c queue <<<"$tbl")"
	want='-A MXGATE -i g0 -p tcp -m tcp --tcp-flags SYN,ACK SYN -m multiport --dports 25 -m conntrack --ctstate NEW -m mark --mark 0x0/0xf00 -m comment --comment mxgate -j NFQUEUE --queue-num 0 --queue-bypass'
	for f in iptables-nft ip6tables-nft; do
		if [ $f = iptables-nft ]; then n=127.0.0.0/8; else n=::1/128; fi
		expect "$f mangle MXGATE returns for the trusted $n, then holds the queue rule for g0" \
			"-A MXGATE -s $n -m comment --comment mxgate -j RETURN|$want" \
			"$(in_ns $f -t mangle -S MXGATE 2>/dev/null | grep '^-A' | paste -sd'|')"
		expect "$f mangle PREROUTING jumps to MXGATE first" \
			'-A PREROUTING -p tcp -m comment --comment mxgate -j MXGATE' \
			"$(in_ns $f -t mangle -S PREROUTING 2>/dev/null | grep '^-A' | head -n1)"
	done
	check "the admin's ip mangle rule is still there, after our jump" \
		grep -q -- '-A PREROUTING -s 203.0.113.99/32 -p udp .*--comment admin -j MARK' \
		<(in_ns iptables-nft -t mangle -S PREROUTING)
	expect "the native view of the fallback rules (ip, ip6) is the same match" 2 \
		"$(ruleset | grep -c 'tcp flags syn / syn,ack tcp dport 25 ct state new meta mark & 0x00000f00 == 0x00000000 .*queue num 0 bypass')"
else
	check "native rule: SYN to port 25, ct new, no mark, queue 0 bypass" \
		grep -qE 'tcp dport 25 tcp flags syn / syn,ack ct state new meta mark & 0x00000f00 == 0x00000000 counter packets [0-9]+ bytes [0-9]+ queue .*(0.*bypass|bypass.*0)' <<<"$tbl"
fi

# --- idempotence and replacement ------------------------------------------

snap1=$(tables)
rules load
expect "second load exits 0" 0 "$RC"
expect "second load leaves the ruleset exactly as the first" "$snap1" "$(tables)"
expect "one table inet mxgate after two loads" 1 "$(count '^table inet mxgate' ruleset)"
if [ $MODE = fallback ]; then
	for f in iptables-nft ip6tables-nft; do
		expect "$f: one queue rule and one jump after two loads" "1 1" \
			"$(count '-j NFQUEUE' in_ns $f -t mangle -S) $(count '-j MXGATE' in_ns $f -t mangle -S)"
	done
fi

rules load --queue 3 --ports 25,587 --mark-mask 0xff00 --mark-pass 0x100 --mark-responder 0x200
expect "load with new options exits 0" 0 "$RC"
check "load reports the new queue and ports" grep -qF "(queue 3, ports 25,587, responder port 10025, conn limit 20, $LOADED" "$TMP/out"
rules status
check "status reports the loaded queue and ports" grep -q "^mxgate-rules: $MODE: .*(queue 3, ports 25,587, responder port 10025, conn limit 20, $LOADED\$" "$TMP/out"
expect "the redirect and both limits follow --ports" 3 \
	"$(ruleset | grep -cE 'tcp dport \{ 25, 587 \} (meta mark .* redirect to :10025|ct state new add @mxgate_conn[46] )')"
if [ $MODE = fallback ]; then
	for f in iptables-nft ip6tables-nft; do
		expect "$f: the queue rule was replaced, not added" \
			'-A MXGATE -i g0 -p tcp -m tcp --tcp-flags SYN,ACK SYN -m multiport --dports 25,587 -m conntrack --ctstate NEW -m mark --mark 0x0/0xff00 -m comment --comment mxgate -j NFQUEUE --queue-num 3 --queue-bypass' \
			"$(in_ns $f -t mangle -S MXGATE 2>/dev/null | grep '^-A.*NFQUEUE')"
	done
else
	expect "native: one queue rule, new ports" 1 "$(ruleset | grep -F 'mxgate: new SYN to mxgated' | grep -c 'tcp dport { 25, 587 }')"
fi

# --- unload -----------------------------------------------------------------

rules unload
expect "unload exits 0" 0 "$RC"
expect "unload prints exactly one line" 1 "$(wc -l <"$TMP/out")"
if same_ruleset; then
	ok "after unload the ruleset is exactly as before load (admin rules intact, ip6 mangle gone)"
else
	not_ok "after unload the ruleset is exactly as before load"
	show_diff
fi
check "unload removed the state file" test ! -e "$STATE"
rules unload
expect "unload with nothing loaded exits 0" 0 "$RC"
check "unload with nothing loaded changes nothing" same_ruleset
rules status
expect "status after unload exits 3" 3 "$RC"

# A mangle table that load created but the admin has since put a rule in
# stays; only our chain goes.
rules load
in_ns ip6tables-nft -t mangle -A OUTPUT -p udp --dport 9 -m comment --comment admin6 -j ACCEPT
rules unload
expect "unload of a created ip6 mangle the admin now uses exits 0" 0 "$RC"
expect "... keeps the admin's new ip6 rule and drops our chain" "1 0" \
	"$(count 'admin6' in_ns ip6tables-nft -t mangle -S) $(count 'MXGATE' in_ns ip6tables-nft -t mangle -S)"
in_ns nft delete table ip6 mangle
check "... and nothing else changed" same_ruleset

# --- bad arguments, dry run, finding mxgate.nft -----------------------------

for bad in "--queue 65536" "--queue x" "--ports 0" "--ports 25,70000" "--ports 25,,587" \
	"--ports 25,25" "--mark-mask zz" "--mark-pass 0x1000" "--mark-responder 0x100" \
	"--queue" "--bogus" "--mark-mask 0x100000000" "--interfaces g0,g0" "--interfaces g0,,c0" \
	"--interfaces a/b" "--interfaces abcdefghijklmnop" "--interfaces x\"y" \
	"--trusted 192.0.2.1/24" "--trusted 192.0.2.0/33" "--trusted 256.0.0.0/8" \
	"--trusted 2001:db8::1/64" "--trusted 2001:db8:::/48" "--trusted 2001:db8::/129" \
	"--trusted 192.0.2.0/24,192.0.2.0/24" "--trusted example.com" "--trusted ,"\
	"--firewall-accept maybe" "--firewall-accept"; do
	# shellcheck disable=SC2086
	rules load $bad
	if [ "$RC" = 1 ] && [ -s "$TMP/err" ] && [ ! -s "$TMP/out" ]; then
		ok "load $bad rejected: $(head -n1 "$TMP/err")"
	else
		not_ok "load $bad rejected (exit $RC)"
	fi
done
rules
expect "no command rejected" 1 "$RC"
rules frobnicate
expect "unknown command rejected" 1 "$RC"
check "bad arguments changed nothing" same_ruleset

rules load --dry-run --ports 25,587
expect "load --dry-run exits 0" 0 "$RC"
check "load --dry-run says what it would do ($MODE)" \
	grep -qE "^mxgate-rules: dry run: .*would load .*$( [ $MODE = fallback ] && echo fallback || echo native)" "$TMP/out"
check "load --dry-run prints the ruleset with the ports filled in" \
	grep -q '^define MXG_PORTS = { 25, 587 }' "$TMP/out"
check "load --dry-run changed nothing" same_ruleset

# Installed layout: sbin/mxgate-rules finds ../share/mxgate/mxgate.nft,
# and mxgated beside it for the values not given; with no mxgate.nft
# anywhere it says so, unless MXGATE_NFT names one. The bare copy finds
# no mxgated either: MXGATED names it.
mkdir -p "$TMP/inst/sbin" "$TMP/inst/share/mxgate" "$TMP/bare"
cp "$RULES" "$TMP/inst/sbin/" && cp "$RULES" "$TMP/bare/"
cp "$REPO/build/mxgated" "$TMP/inst/sbin/"
cp "$REPO/nftables/mxgate.nft" "$TMP/inst/share/mxgate/"
check "installed layout finds ../share/mxgate/mxgate.nft and sbin/mxgated" \
	in_ns "$TMP/inst/sbin/mxgate-rules" load --dry-run --interfaces g0
if in_ns env MXGATED="$REPO/build/mxgated" "$TMP/bare/mxgate-rules" load --dry-run --interfaces g0 \
	>/dev/null 2>"$TMP/err"; then
	not_ok "no mxgate.nft anywhere is an error"
else
	check "no mxgate.nft anywhere is an error naming MXGATE_NFT" grep -q 'cannot find mxgate.nft.*MXGATE_NFT' "$TMP/err"
fi
check "MXGATE_NFT names the ruleset as a last resort" \
	in_ns env MXGATE_NFT="$REPO/nftables/mxgate.nft" MXGATED="$REPO/build/mxgated" \
	"$TMP/bare/mxgate-rules" load --dry-run --interfaces g0

# --- the values not given: from mxgated -p, where the defaults are ---------

# mxgate.nft holds placeholders where values were, and nft refuses it as
# it is: it carries no defaults of its own.
expect "mxgate.nft: seven defines with their placeholders, two limits with @CONN_LIMIT@, two trusted sets with theirs" "7 2 2" \
	"$(grep -c '^define MXG_\([A-Z_]*\) = @\1@' "$REPO/nftables/mxgate.nft") $(grep -c 'ct count over @CONN_LIMIT@ }' "$REPO/nftables/mxgate.nft") $(grep -c 'elements = { @TRUSTED[46]@ }' "$REPO/nftables/mxgate.nft")"
if in_ns nft -c -f "$REPO/nftables/mxgate.nft" >/dev/null 2>&1; then
	not_ok "mxgate.nft as it is does not load"
else
	ok "mxgate.nft as it is does not load"
fi
# With no mxgated beside the loader, in MXGATED or in PATH, load says what
# to do, unless every option is given (as mxgated gives them).
if [ -z "$(command -v mxgated)" ]; then
	rules_bare() {
		in_ns env MXGATE_NFT="$REPO/nftables/mxgate.nft" "$TMP/bare/mxgate-rules" "$@" \
			>"$TMP/out" 2>"$TMP/err"
		RC=$?
	}
	rules_bare load --dry-run --queue 3
	expect "no mxgated anywhere: load fails with one line naming MXGATED" "1 1 1" \
		"$RC $(wc -l <"$TMP/err") $(grep -c 'cannot find mxgated.*set MXGATED' "$TMP/err")"
	rules_bare load --dry-run --queue 0 --ports 25 --mark-mask 0xf00 --mark-pass 0x100 \
		--mark-responder 0x200 --responder-port 10025 --conn-limit 20 --interfaces g0 \
		--trusted none --firewall-accept no
	expect "no mxgated anywhere: load with every option given needs none" 0 "$RC"
	rules_bare unload --dry-run
	expect "no mxgated anywhere: unload needs none" 0 "$RC"
	rules_bare check-firewall --interfaces g0 --responder-port 10025
	expect "no mxgated anywhere: check-firewall with --interfaces and --responder-port needs none" 0 "$RC"
else
	ok "# skip: mxgated is in PATH ($(command -v mxgated)); its absence is not tested"
fi
# -c FILE: the file's values fill in what the command line does not say.
cat >"$TMP/conf" <<'EOF'
queue = 9
ports = 25, 465
mark_mask = 0xff00
mark_pass = 0x1000
mark_responder = 0x2000
responder_port = 2600
client_connection_limit = 7
EOF
rules load --dry-run -c "$TMP/conf"
expect "load -c FILE takes the values from FILE" \
	"0 (queue 9, ports 25,465, responder port 2600, conn limit 7, interfaces g0, trusted 127.0.0.0/8,::1/128)" \
	"$RC $(grep -o '(queue .*)$' "$TMP/out")"
expect "... the marks too" \
	"define MXG_MARK_MASK = 0xff00|define MXG_MARK_PASS = 0x1000|define MXG_MARK_RESPONDER = 0x2000" \
	"$(grep -o '^define MXG_MARK_[A-Z]* = 0x[0-9a-f]*' "$TMP/out" | paste -sd'|')"
rules load --dry-run -c "$TMP/conf" --queue 4 --conn-limit 0 --ports 25
expect "options given win over FILE" "0 (queue 4, ports 25, responder port 2600, conn limit off, interfaces g0, trusted 127.0.0.0/8,::1/128)" \
	"$RC $(grep -o '(queue .*)$' "$TMP/out")"
printf 'interfaces = g0, c9\ntrusted_networks = 192.0.2.0/24 2001:db8:1::/48\nfirewall_accept = yes\n' >"$TMP/conf2"
in_ns "$RULES" load --dry-run -c "$TMP/conf2" >"$TMP/out" 2>"$TMP/err"
expect "load -c FILE takes interfaces, trusted_networks and firewall_accept from FILE" \
	"(queue 0, ports 25, responder port 10025, conn limit 20, interfaces g0,c9, trusted 192.0.2.0/24,2001:db8:1::/48)|define MXG_INTERFACES = { \"g0\", \"c9\" }" \
	"$(grep -o '(queue .*)$' "$TMP/out")|$(grep -o '^define MXG_INTERFACES = [^#]*[^#[:space:]]' "$TMP/out")"
printf 'queue = 9\n' >"$TMP/noif.conf"
in_ns "$RULES" load --dry-run -c "$TMP/noif.conf" >"$TMP/out" 2>"$TMP/err"
expect "load -c a FILE without interfaces fails with one line naming interfaces and FILE" "1 1 1" \
	"$? $(wc -l <"$TMP/err") $(grep -c "no interfaces: .*set interfaces in $TMP/noif.conf or give --interfaces" "$TMP/err")"
rules load --dry-run -c "$TMP/nonexistent.conf"
expect "load -c a missing FILE fails with one line naming it" "1 1 1" \
	"$RC $(wc -l <"$TMP/err") $(grep -c "$TMP/nonexistent.conf: No such file" "$TMP/err")"
printf 'queue = 9\nports = 25 25\n' >"$TMP/bad.conf"
rules load --dry-run -c "$TMP/bad.conf"
expect "load -c a bad FILE fails with one line naming FILE:LINE" "1 1 1" \
	"$RC $(wc -l <"$TMP/err") $(grep -c "$TMP/bad.conf:2: ports: \"25\" is listed twice" "$TMP/err")"
# MXGATED is asked first: a stand-in with other defaults is believed.
cat >"$TMP/fake-mxgated" <<'EOF'
#!/bin/sh
# test stand-in for "mxgated -d" (or -p): defaults that are not mxgate's
cat <<'EOV'
interfaces = f0, f1
trusted_networks = 192.0.2.0/24, 2001:db8:1::/48
firewall_accept = no
queue = 5
ports = 2525
mark_mask = 0xf00
mark_pass = 0x100
mark_responder = 0x200
responder_port = 2600
client_connection_limit = 9
EOV
EOF
chmod +x "$TMP/fake-mxgated"
in_ns env MXGATED="$TMP/fake-mxgated" "$RULES" load --dry-run >"$TMP/out" 2>"$TMP/err"
expect "MXGATED names the mxgated whose values load takes" \
	"(queue 5, ports 2525, responder port 2600, conn limit 9, interfaces f0,f1, trusted 192.0.2.0/24,2001:db8:1::/48)" "$(grep -o '(queue .*)$' "$TMP/out")"

# The native rule's text is valid: the kernel refuses the full ruleset
# only at the queue statement, for want of the expression.
if [ $MODE = fallback ]; then
	in_ns "$RULES" load --dry-run --interfaces g0 | sed '/^# then/,$d' | grep -v '^mxgate-rules:' >"$TMP/native.nft"
	in_ns nft -c -f "$TMP/native.nft" >/dev/null 2>"$TMP/err"
	# nft prints: "file:line:cols: Error: ...", the source line, carets.
	src=$(sed -n 2p "$TMP/err")
	car=$(sed -n 3p "$TMP/err")
	pre=${car%%^*}
	expect "native ruleset: one error, the missing expression" \
		"1 1" "$(grep -c 'Error' "$TMP/err") $(grep -c 'Error: Could not process rule: No such file or directory' "$TMP/err")"
	# shellcheck disable=SC2016 # the literal text of mxgate.nft
	want='queue num $MXG_QUEUE bypass'
	expect "native ruleset: the error points at the queue statement" \
		"$want" "${src:${#pre}:${#want}}"
fi

# --- the native path, through the shim -------------------------------------

REAL_NFT=$(command -v nft)
mkdir -p "$TMP/shim"
cat >"$TMP/shim/nft" <<EOF
#!/bin/bash
# test shim: pretend the kernel has nft_queue by loading "accept" in place
# of the queue statement. Everything but "-f FILE" passes straight through.
args=() file=
while [ \$# -gt 0 ]; do
	if [ "\$1" = -f ]; then file=\$2; shift 2; continue; fi
	args+=("\$1"); shift
done
[ -z "\$file" ] && exec $REAL_NFT "\${args[@]}"
[ "\$file" = - ] && file=/dev/stdin
sed -E 's/queue num [^ ]+ bypass/accept/' "\$file" | exec $REAL_NFT "\${args[@]}" -f -
EOF
chmod +x "$TMP/shim/nft"
rules_native() {
	local a=("$@")
	[ "${1:-}" = load ] && a=(load --interfaces "$IFACE" "${@:2}")
	in_ns env PATH="$TMP/shim:$PATH" "$RULES" "${a[@]}" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

rules load			# the real kernel: whatever $MODE is
rules_native load --ports 25,587
expect "native (shim): load exits 0" 0 "$RC"
check "native (shim): load reports the native rule" \
	grep -qxF "mxgate-rules: loaded native nftables queue rule (queue 0, ports 25,587, responder port 10025, conn limit 20, $LOADED" "$TMP/out"
expect "native (shim): exactly one line" 1 "$(wc -l <"$TMP/out")"
rules_native status
expect "native (shim): status exits 0 and says native" "0 1" "$RC $(grep -c '^mxgate-rules: native:' "$TMP/out")"
expect "native (shim): the earlier fallback is gone (no MXGATE, no ip6 mangle)" "0 0" \
	"$(count MXGATE ruleset) $(count '^table ip6 mangle' ruleset)"
expect "native (shim): the redirect, the guard and both limits are there as in the fallback" "1 2 2" \
	"$(count 'redirect to :10025 comment "mxgate: tarpit to the responder"' ruleset) $(count 'tcp dport 10025 .*comment "mxgate: (redirected to the responder|responder port, not redirected)"' ruleset) $(count 'add @mxgate_conn[46] \{ ip6? saddr ct count over 20 \}' ruleset)"
rules_native status
# (queue ?: the shim loaded "accept" where the queue statement was)
check "native (shim): status shows the responder port and the limit" \
	grep -qF "(queue ?, ports 25,587, responder port 10025, conn limit 20, $LOADED" "$TMP/out"
expect "native (shim): the rule, with the mxgate comment" 1 \
	"$(ruleset | grep -c 'iifname "g0" tcp dport { 25, 587 } tcp flags syn / syn,ack ct state new meta mark & 0x00000f00 == 0x00000000 counter .*comment "mxgate: new SYN to mxgated"')"
snap1=$(tables)
rules_native load --ports 25,587
expect "native (shim): second load leaves the ruleset as the first" "$snap1" "$(tables)"
rules_native unload
expect "native (shim): unload exits 0" 0 "$RC"
if same_ruleset; then ok "native (shim): unload restores the ruleset"; else not_ok "native (shim): unload restores the ruleset"; show_diff; fi

# --- real packets: bypass with no listener, the rule counts the SYN --------

cat >"$TMP/listen.py" <<'EOF'
# listen.py READYFILE PORT... - accept on 0.0.0.0 and :: at each PORT,
# send a banner, close. Writes READYFILE once every socket listens.
import select, socket, sys
socks = []
for port in map(int, sys.argv[2:]):
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        s.listen(16)
        socks.append(s)
open(sys.argv[1], "w").close()
while True:
    for s in select.select(socks, [], [])[0]:
        c, _ = s.accept()
        c.sendall(b"220 mxg-rules test\r\n")
        c.close()
EOF
cat >"$TMP/connect.py" <<'EOF'
# connect.py ADDR PORT [TIMEOUT] - exit 0 if a TCP connection gets the
# banner; TIMEOUT (seconds, default 10) only keeps a broken run from hanging
import socket, sys
try:
    t = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=t)
    sys.exit(0 if c.recv(64).startswith(b"220") else 1)
except OSError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
EOF
in_ns python3 "$TMP/listen.py" "$TMP/ready" 25 587 2525 &
LISTENER_PID=$!
for _ in $(seq 100); do
	[ -e "$TMP/ready" ] && break
	kill -0 "$LISTENER_PID" 2>/dev/null || break
	sleep 0.1
done
check "listener up on 25, 587, 2525" test -e "$TMP/ready"

connect() { ip netns exec "$NSC" python3 "$TMP/connect.py" "$@"; }
# hits FAMILY - packets the queue rule has counted (ip or ip6)
hits() {
	if [ $MODE = fallback ]; then
		local t=iptables-nft
		[ "$1" = ip6 ] && t=ip6tables-nft
		# One queue rule per interface: their sum.
		in_ns $t -t mangle -L MXGATE -v -x -n 2>/dev/null | awk '/NFQUEUE/ { n += $1 } END { print n + 0 }'
	else
		# One inet rule counts both families.
		in_ns nft list chain inet mxgate prerouting | grep -F 'mxgate: new SYN to mxgated' |
			sed -nE 's/.*counter packets ([0-9]+).*/\1/p'
	fi
}

rules load --queue 7 --ports 25,587
expect "load for the packet test exits 0" 0 "$RC"
# shellcheck disable=SC2016 # awk's $1
if in_ns awk '$1 == 7 { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue; then
	not_ok "queue 7 has no listener"
else
	ok "queue 7 has no listener (not in /proc/net/netfilter/nfnetlink_queue)"
fi
h0=$(hits ip)
check "IPv4 SYN to port 25 connects with no queue listener (bypass)" connect 192.0.2.2 25
h1=$(hits ip)
expect "the queue rule counted that SYN, and only the SYN" "$((h0 + 1))" "$h1"
check "IPv4 SYN to port 587 carrying the PASS mark connects" connect 192.0.2.2 587
expect "... and was not queued (mark in the mask)" "$h1" "$(hits ip)"
check "IPv4 SYN to unprotected port 2525 connects" connect 192.0.2.2 2525
expect "... and was not queued (port not protected)" "$h1" "$(hits ip)"
h6=$(hits ip6)
check "IPv6 SYN to port 25 connects with no queue listener (bypass)" connect 2001:db8::2 25
expect "the queue rule counted the IPv6 SYN" "$((h6 + 1))" "$(hits ip6)"

# Control: the same SYN without the bypass flag is held for a listener
# that never comes, so the connection fails. This proves the connections
# above really went through NFQUEUE and lived by "bypass".
if [ $MODE = fallback ]; then
	in_ns iptables-nft -t mangle -R MXGATE 1 -p tcp --tcp-flags SYN,ACK SYN \
		-m multiport --dports 25,587 -j NFQUEUE --queue-num 7
	# No listener will ever take the SYN: 2 s only bounds the wait.
	if connect 192.0.2.2 25 2 2>/dev/null; then
		not_ok "control: without --queue-bypass the SYN to port 25 is dropped"
	else
		ok "control: without --queue-bypass the SYN to port 25 is dropped"
	fi
fi

# --- the responder redirect, its guard and the connection limit ------------
#
# Real connections from more client addresses. Table inet mxgtest marks
# their SYNs at priority raw, before anything of ours, as the tc program
# would: 192.0.2.3 / 2001:db8::3 TARPIT (0x200), 192.0.2.4 / 2001:db8::4
# PASS (0x100); .1/::1 and .5/::5 are unmarked. A new listener names
# itself in its banner ("220 mta" on 25, "220 responder-10025" on 10025,
# "220 responder-2600" on 2600, "220 other" on 2525), logs "NAME PEER" for
# every connection it accepts, and keeps each one open until the client
# closes it, so a client can hold connections for the limit.

# The old listener goes first: python3 may be a wrapper that forks (pyenv),
# so $LISTENER_PID need not be the process holding the ports. Nothing else
# of ours runs in the gateway namespace.
kill "$LISTENER_PID" 2>/dev/null
# shellcheck disable=SC2046 # one pid a word
kill $(ip netns pids "$NS") 2>/dev/null
wait "$LISTENER_PID" 2>/dev/null
LISTENER_PID=
for _ in $(seq 50); do
	[ -z "$(ip netns pids "$NS")" ] && break
	sleep 0.1
done
for a in 3 4 5; do
	ip -n "$NSC" addr add 192.0.2.$a/24 dev c0
	ip -n "$NSC" addr add 2001:db8::$a/64 dev c0 nodad
done
in_ns nft -f - <<'EOF'
table inet mxgtest {
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		ip saddr 192.0.2.3 meta mark set 0x200 comment "test: as if tc marked TARPIT"
		ip6 saddr 2001:db8::3 meta mark set 0x200 comment "test: as if tc marked TARPIT"
		ip saddr 192.0.2.4 meta mark set 0x100 comment "test: as if tc marked PASS"
		ip6 saddr 2001:db8::4 meta mark set 0x100 comment "test: as if tc marked PASS"
	}
}
EOF
check "setup: table inet mxgtest marks the test clients at priority raw" \
	test "$(count 'meta mark set 0x00000[12]00' in_ns nft list table inet mxgtest)" = 4

cat >"$TMP/serve.py" <<'EOF'
# serve.py READYFILE LOGFILE PORT:NAME... - listen on 0.0.0.0 and :: at
# each PORT; greet with "220 NAME", log "NAME PEER" per connection, keep
# it open until the peer closes. Writes READYFILE once every socket listens.
import os, select, socket, sys
names = {}
for spec in sys.argv[3:]:
    port, name = spec.split(":", 1)
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, int(port)))
        s.listen(64)
        names[s] = name
log = open(sys.argv[2], "a", buffering=1)
open(sys.argv[1], "w").close()
conns = set()
while True:
    for s in select.select(list(names) + list(conns), [], [])[0]:
        if s in names:
            c, peer = s.accept()
            log.write("%s %s\n" % (names[s], peer[0]))
            c.sendall(("220 %s\r\n" % names[s]).encode())
            conns.add(c)
        else:
            try:
                data = s.recv(64)
            except OSError:
                data = b""
            if not data:
                conns.discard(s)
                s.close()
EOF
cat >"$TMP/client.py" <<'EOF'
# client.py DST PORT TIMEOUT ACTION... - one line per action:
#   o:SRC   connect from SRC, keep the connection: "o SRC NAME" with the
#           NAME of the "220 NAME" banner, or "o SRC fail" (why on stderr)
#   c       close the oldest connection kept: "c"
#   s:SECS  sleep (no line)
# TIMEOUT (seconds) bounds a connect that gets no answer.
import socket, sys, time
dst, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
kept = []
for act in sys.argv[4:]:
    if act.startswith("o:"):
        src = act[2:]
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.bind((src, 0))
            s.connect((dst, port))
            line = s.recv(64).decode(errors="replace")
            if not line.startswith("220 "):
                raise OSError("no banner: %r" % line)
            print("o %s %s" % (src, line[4:].strip()), flush=True)
            kept.append(s)
        except OSError as e:
            print("o %s fail" % src, flush=True)
            print("%s: %s" % (src, e), file=sys.stderr)
            s.close()
    elif act == "c":
        kept.pop(0).close()
        print("c", flush=True)
    elif act.startswith("s:"):
        time.sleep(float(act[2:]))
EOF
in_ns python3 "$TMP/serve.py" "$TMP/ready2" "$TMP/accepts" \
	25:mta 10025:responder-10025 2600:responder-2600 2525:other &
LISTENER_PID=$!
for _ in $(seq 100); do
	[ -e "$TMP/ready2" ] && break
	kill -0 "$LISTENER_PID" 2>/dev/null || break
	sleep 0.1
done
check "listener up on 25, 10025, 2600, 2525" test -e "$TMP/ready2"

# talk SRC DST PORT - the name of the listener that answers a connection
# from SRC, or "fail" (no answer within 2 s)
talk() {
	ip netns exec "$NSC" python3 "$TMP/client.py" "$2" "$3" 2 "o:$1" 2>/dev/null |
		sed -nE 's/^o [^ ]+ //p'
}
# accepted NAME PEER - how many connections listener NAME accepted from PEER
accepted() { grep -cxF "$1 $2" "$TMP/accepts"; }
# rule_packets PATTERN - packets counted by the rules of table inet mxgate
# whose line matches PATTERN (grep -E), summed
rule_packets() {
	in_ns nft list table inet mxgate 2>/dev/null | grep -E -- "$1" |
		sed -nE 's/.*counter packets ([0-9]+).*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}
GUARD='comment "mxgate: responder port, not redirected"'

# (a) the redirect, (b) the guard of the responder's port

rules load --queue 7
expect "load with the default responder port and limit exits 0" 0 "$RC"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam: an unmarked SYN to port 25 reaches the listener on port 25" \
		mta "$(talk ${p}1 $gw 25)"
	expect "IPv$fam: a PASS-marked SYN to port 25 reaches the listener on port 25" \
		mta "$(talk ${p}4 $gw 25)"
	m0=$(accepted mta ${p}3) r0=$(accepted responder-10025 ${p}3)
	expect "IPv$fam: a TARPIT-marked SYN to port 25 is answered by the responder's port 10025" \
		responder-10025 "$(talk ${p}3 $gw 25)"
	expect "IPv$fam: ... it reached the listener on 10025, never the one on port 25" \
		"$((r0 + 1)) $m0" "$(accepted responder-10025 ${p}3) $(accepted mta ${p}3)"
	expect "IPv$fam: a TARPIT-marked SYN to unprotected port 2525 is not redirected" \
		other "$(talk ${p}3 $gw 2525)"

	d0=$(rule_packets "$GUARD") r0=$(accepted responder-10025 ${p}1)
	expect "IPv$fam: a direct connection to the responder's port 10025 gets no answer" \
		fail "$(talk ${p}1 $gw 10025)"
	d1=$(rule_packets "$GUARD")
	expect "IPv$fam: ... its SYNs were dropped by the guard rule, the listener saw nothing" \
		"more $r0" "$( ((d1 > d0)) && echo more || echo "same ($d0)") $(accepted responder-10025 ${p}1)"
	expect "IPv$fam: a direct connection to 10025 from a TARPIT-marked client gets no answer either" \
		fail "$(talk ${p}3 $gw 10025)"
done

# (c) the connection limit, (d) no limit

rules load --queue 7 --conn-limit 2
expect "load --conn-limit 2 exits 0" 0 "$RC"
check "load --conn-limit 2 reports it" grep -qF ", conn limit 2, $LOADED" "$TMP/out"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	l0=$(rule_packets "@mxgate_conn$fam ")
	# A opens 2 and holds them, a third fails; B is another address; A
	# closes one (then TIME_WAIT, which ct count does not count), opens
	# one again, and is back at its limit.
	mapfile -t L < <(ip netns exec "$NSC" python3 "$TMP/client.py" $gw 25 2 \
		o:${p}1 o:${p}1 o:${p}1 o:${p}5 c s:1 o:${p}1 o:${p}1 2>/dev/null)
	expect "IPv$fam --conn-limit 2: a client opens and holds 2 connections to port 25" \
		"o ${p}1 mta|o ${p}1 mta" "${L[0]:-}|${L[1]:-}"
	expect "IPv$fam --conn-limit 2: its third connection gets no answer" "o ${p}1 fail" "${L[2]:-}"
	expect "IPv$fam --conn-limit 2: another address still connects" "o ${p}5 mta" "${L[3]:-}"
	expect "IPv$fam --conn-limit 2: after closing one, the client connects again" \
		"c|o ${p}1 mta" "${L[4]:-}|${L[5]:-}"
	expect "IPv$fam --conn-limit 2: ... and is back at its limit" "o ${p}1 fail" "${L[6]:-}"
	l1=$(rule_packets "@mxgate_conn$fam ")
	check "IPv$fam --conn-limit 2: the refused SYNs were dropped by the IPv$fam limit rule ($l0 -> $l1)" \
		test "$l1" -gt "$l0"
done

rules load --queue 7 --conn-limit 0
expect "load --conn-limit 0 exits 0" 0 "$RC"
check "load --conn-limit 0 reports the limit off" grep -qF ", conn limit off, $LOADED" "$TMP/out"
expect "--conn-limit 0: no ct count rule, no mxgate_conn set, no chain connlimit" "0 0 0" \
	"$(count 'ct count' ruleset) $(count 'mxgate_conn' ruleset) $(count 'chain connlimit' ruleset)"
expect "--conn-limit 0: the redirect and the guard are still there" "1 1" \
	"$(count 'redirect to :10025' ruleset) $(count "$GUARD" ruleset)"
rules status
check "status shows the connection limit off" grep -q "^mxgate-rules: $MODE: .*, conn limit off, $LOADED\$" "$TMP/out"
check "state file records conn_limit=0" grep -qx 'conn_limit=0' "$STATE"
expect "--conn-limit 0: a client opens 3 connections to port 25 at once" \
	"o 192.0.2.1 mta|o 192.0.2.1 mta|o 192.0.2.1 mta" \
	"$(ip netns exec "$NSC" python3 "$TMP/client.py" 192.0.2.2 25 2 o:192.0.2.1 o:192.0.2.1 o:192.0.2.1 2>/dev/null | paste -sd'|')"

# (f) another responder port and limit: load, status, state, packets

rules load --queue 7 --responder-port 2600 --conn-limit 3
expect "load --responder-port 2600 --conn-limit 3 exits 0" 0 "$RC"
check "load reports them" grep -qF "(queue 7, ports 25, responder port 2600, conn limit 3, $LOADED" "$TMP/out"
rules status
check "status shows them" grep -q "^mxgate-rules: $MODE: .*(queue 7, ports 25, responder port 2600, conn limit 3, $LOADED\$" "$TMP/out"
expect "state file records them" "responder_port=2600 conn_limit=3" \
	"$(grep -x 'responder_port=[0-9]*' "$STATE") $(grep -x 'conn_limit=[0-9]*' "$STATE")"
expect "the kernel has them: redirect to :2600, guard on 2600, two limits of 3" "1 2 2" \
	"$(count 'redirect to :2600 ' ruleset) $(count 'tcp dport 2600 .*comment "mxgate: ' ruleset) $(count 'ct count over 3 ' ruleset)"
expect "a TARPIT-marked SYN to port 25 now reaches port 2600" responder-2600 "$(talk 192.0.2.3 192.0.2.2 25)"
expect "a direct connection to 2600 gets no answer" fail "$(talk 192.0.2.1 192.0.2.2 2600)"
expect "port 10025 is no longer guarded" responder-10025 "$(talk 192.0.2.1 192.0.2.2 10025)"
# Status reads the kernel, not the state file.
sed -i 's/^conn_limit=.*/conn_limit=99/' "$STATE"
rules status
check "status shows the kernel's limit, not the state file's" grep -qF ", conn limit 3, $LOADED" "$TMP/out"
sed -i 's/^conn_limit=.*/conn_limit=3/' "$STATE"

# (e) bad values of the new options change nothing; neither does a
# mxgate.nft without the rules the loader edits

snap=$(tables)
cp "$STATE" "$TMP/state.before"
for bad in "--responder-port|--responder-port 0" "--responder-port|--responder-port 65536" \
	"--responder-port|--responder-port x" "--responder-port|--responder-port 25" \
	"--responder-port|--ports 25,2600 --responder-port 2600" "--responder-port|--responder-port" \
	"--responder-port|--responder-port=" "--conn-limit|--conn-limit 100001" \
	"--conn-limit|--conn-limit -1" "--conn-limit|--conn-limit 0x10" "--conn-limit|--conn-limit 2x" \
	"--conn-limit|--conn-limit"; do
	opt=${bad%%|*} args=${bad#*|}
	# shellcheck disable=SC2086
	rules load $args
	if [ "$RC" = 1 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -qF -- "$opt" "$TMP/err"; then
		ok "load $args rejected naming $opt: $(cat "$TMP/err")"
	else
		not_ok "load $args rejected naming $opt (exit $RC: $(head -n1 "$TMP/err"))"
	fi
done

mkdir -p "$TMP/tpl"
cp "$RULES" "$TMP/tpl/"		# no mxgated beside it: MXGATED names it
# shellcheck disable=SC2016 # literal $MXG_... of mxgate.nft
for mut in '/add @mxgate_conn6 /d|add @mxgate_conn6' \
	's/ct count over @CONN_LIMIT@ }/ct count @CONN_LIMIT@ }/|add @mxgate_conn4' \
	's/^define MXG_QUEUE = @QUEUE@/define MXG_QUEUE = 0/|define MXG_QUEUE = @QUEUE@' \
	'/set mxgate_conn4 /d|set mxgate_conn4' \
	's/redirect to :$MXG_RESPONDER_PORT/redirect to :10025/|redirect to :$MXG_RESPONDER_PORT' \
	'/^define MXG_RESPONDER_PORT /d|define MXG_RESPONDER_PORT' \
	'/add @mxgate_conn4 /a\		ip saddr 203.0.113.7 drop|chain connlimit' \
	's/^\(\t*\)iifname $MXG_INTERFACES \(.*queue num\)/\1\2/|iifname $MXG_INTERFACES' \
	's/^\(\t*\)iifname $MXG_INTERFACES \(.*redirect to\)/\1\2/|iifname $MXG_INTERFACES' \
	's/^\(\t*\)iifname $MXG_INTERFACES \(.*@mxgate_conn6\)/\1\2/|iifname $MXG_INTERFACES' \
	's/^define MXG_INTERFACES = @INTERFACES@/define MXG_INTERFACES = { "eth0" }/|define MXG_INTERFACES = @INTERFACES@' \
	'/chain dstnat {/,/^\t}/{/ip6 saddr @mxgate_trusted6/d}|chain dstnat must accept trusted_networks' \
	's/ elements = { @TRUSTED4@ };//|set mxgate_trusted4'; do
	sed "${mut%|*}" "$REPO/nftables/mxgate.nft" >"$TMP/tpl/mxgate.nft"
	want=${mut##*|}
	if in_ns env MXGATED="$REPO/build/mxgated" "$TMP/tpl/mxgate-rules" load --interfaces g0 \
		>"$TMP/out" 2>"$TMP/err"; then
		not_ok "a mxgate.nft edited with '${mut%|*}' is refused"
	else
		check "a mxgate.nft edited with '${mut%|*}' is refused naming '$want'" \
			grep -qF -- "$want" "$TMP/err"
	fi
done
expect "bad values and bad templates left the loaded ruleset as it was" "$snap" "$(tables)"
check "... and the state file" cmp -s "$STATE" "$TMP/state.before"
rules status
check "... status still shows responder port 2600 and limit 3" \
	grep -q "^mxgate-rules: $MODE: .*(queue 7, ports 25, responder port 2600, conn limit 3, $LOADED\$" "$TMP/out"

# (g) the fallback (here: the real kernel's mode) loads the redirect too
if [ $MODE = fallback ]; then
	rules load --dry-run
	# shellcheck disable=SC2016 # the literal text of mxgate.nft
	check "fallback dry run: the table it would load has the redirect and no queue rule" \
		test "$(sed -n '/^# then/,$p' "$TMP/out" | grep -c 'queue num')$(grep -c 'redirect to :$MXG_RESPONDER_PORT' "$TMP/out")" = 01
	expect "fallback: the queue rule is in iptables-nft (ip, ip6), the redirect in table inet mxgate" "1 1 0 1" \
		"$(count '-j NFQUEUE' in_ns iptables-nft-save -t mangle) $(count '-j NFQUEUE' in_ns ip6tables-nft-save -t mangle) $(count queue in_ns nft list table inet mxgate) $(count 'redirect to :2600' in_ns nft list chain inet mxgate dstnat)"
fi

# (h) Only clients arriving on --interfaces are judged. With the
# interfaces naming another link (c9, which does not even exist: iifname
# matches names), the client's SYNs arrive on g0 and no rule of ours
# touches them; naming g0 too brings every rule back.

rules load --queue 7 --conn-limit 1 --interfaces c9
expect "load --interfaces c9 exits 0" 0 "$RC"
# The queue rule: one inet rule (native), or one per family (fallback,
# which nft lists translated).
want=4
[ $MODE = fallback ] && want=5
expect "... every judging rule matches c9 alone (queue rule, redirect, both limits)" $want \
	"$(ruleset | grep -cE 'iifname "c9" .*(redirect to|ct count over 1 |queue num)')"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2 f=ip; else p=2001:db8:: gw=2001:db8::2 f=ip6; fi
	h0=$(hits $f)
	expect "IPv$fam --interfaces c9: an unmarked SYN arriving on g0 reaches port 25" mta "$(talk ${p}1 $gw 25)"
	expect "IPv$fam --interfaces c9: ... without going through the queue rule" "$h0" "$(hits $f)"
	expect "IPv$fam --interfaces c9: a TARPIT-marked SYN arriving on g0 is not redirected" mta "$(talk ${p}3 $gw 25)"
	mapfile -t L < <(ip netns exec "$NSC" python3 "$TMP/client.py" $gw 25 2 o:${p}5 o:${p}5 o:${p}5 2>/dev/null)
	expect "IPv$fam --interfaces c9 --conn-limit 1: a client arriving on g0 holds 3 connections" \
		"o ${p}5 mta|o ${p}5 mta|o ${p}5 mta" "$(IFS='|'; echo "${L[*]}")"
done
rules load --queue 7 --conn-limit 1 --interfaces c9,g0
expect "load --interfaces c9,g0 exits 0 and says so" "0 1" "$RC $(grep -c ', interfaces c9,g0, trusted ' "$TMP/out")"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2 f=ip; else p=2001:db8:: gw=2001:db8::2 f=ip6; fi
	h0=$(hits $f)
	expect "IPv$fam --interfaces c9,g0: an unmarked SYN reaches port 25 through the queue rule" \
		"mta $((h0 + 1))" "$(talk ${p}1 $gw 25) $(hits $f)"
	expect "IPv$fam --interfaces c9,g0: a TARPIT-marked SYN is redirected again" responder-10025 "$(talk ${p}3 $gw 25)"
	mapfile -t L < <(ip netns exec "$NSC" python3 "$TMP/client.py" $gw 25 2 o:${p}5 o:${p}5 2>/dev/null)
	expect "IPv$fam --interfaces c9,g0 --conn-limit 1: the second connection gets no answer" \
		"o ${p}5 mta|o ${p}5 fail" "$(IFS='|'; echo "${L[*]}")"
done

# (i) --trusted: .1 and .3 (and ::1, ::3) are trusted, .5 is not.
rules load --queue 7 --conn-limit 1 --trusted 192.0.2.1,192.0.2.3/32,2001:db8::1/128,2001:db8::3
expect "load --trusted exits 0 and reports the networks with their lengths" "0 1" \
	"$RC $(grep -c ', trusted 192.0.2.1/32,192.0.2.3/32,2001:db8::1/128,2001:db8::3/128)$' "$TMP/out")"
rules status
check "status reads the trusted networks back from the kernel's sets" \
	grep -q ', trusted 192.0.2.1/32,192.0.2.3/32,2001:db8::1/128,2001:db8::3/128)$' "$TMP/out"
if [ $MODE = fallback ]; then
	expect "fallback: MXGATE returns for the trusted networks before its queue rule (ip, ip6)" \
		"-s 192.0.2.1/32 -s 192.0.2.3/32 NFQUEUE|-s 2001:db8::1/128 -s 2001:db8::3/128 NFQUEUE" \
		"$(in_ns iptables-nft -t mangle -S MXGATE | grep '^-A' | sed -E 's/.*(-s [^ ]+) .*RETURN/\1/; s/.*-j NFQUEUE.*/NFQUEUE/' | paste -sd' ')|$(in_ns ip6tables-nft -t mangle -S MXGATE | grep '^-A' | sed -E 's/.*(-s [^ ]+) .*RETURN/\1/; s/.*-j NFQUEUE.*/NFQUEUE/' | paste -sd' ')"
fi
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2 f=ip; else p=2001:db8:: gw=2001:db8::2 f=ip6; fi
	h0=$(hits $f)
	expect "IPv$fam --trusted: the trusted client's SYN reaches port 25 without the queue rule" \
		"mta $h0" "$(talk ${p}1 $gw 25) $(hits $f)"
	expect "IPv$fam --trusted: an untrusted client's SYN still goes through it" \
		"mta $((h0 + 1))" "$(talk ${p}5 $gw 25) $(hits $f)"
	expect "IPv$fam --trusted: a trusted client marked TARPIT is not redirected" mta "$(talk ${p}3 $gw 25)"
	mapfile -t L < <(ip netns exec "$NSC" python3 "$TMP/client.py" $gw 25 2 o:${p}1 o:${p}1 o:${p}1 \
		o:${p}5 o:${p}5 2>/dev/null)
	expect "IPv$fam --trusted --conn-limit 1: the trusted client holds 3 connections, the other is refused its second" \
		"o ${p}1 mta|o ${p}1 mta|o ${p}1 mta|o ${p}5 mta|o ${p}5 fail" "$(IFS='|'; echo "${L[*]}")"
done
rules load --queue 7 --trusted none
expect "load --trusted none: empty sets, no RETURN rules" "0 2 0" \
	"$RC $(in_ns nft list table inet mxgate | grep -Pzo 'set mxgate_trusted[46] \{\s*type ipv6?4?_addr\s*flags interval\s*auto-merge\s*\}' | tr '\0' '\n' | grep -c '^set') $(count 'RETURN' in_ns iptables-nft-save -t mangle)"
check "... and it says so" grep -q ', trusted none)$' "$TMP/out"

# --- the admin's firewall: check-firewall ------------------------------------
#
# A namespace of its own, whose ruleset each case replaces whole; the
# loader is asked for port 10025 and interfaces g0 (or g0,c9). Each case:
# its ruleset, then either "ok" (no warning, exit 0) or the chains that
# must be named, each with why, in the order nft lists them.

in_nsf() { ip netns exec "$NSF" "$@"; }
ip netns add "$NSF"
# fw_case NAME EXPECT [IFACES] - load the ruleset on stdin (nft -f, or
# with a first line "#sh", a shell script of iptables commands) and check
fw_case() {
	local name=$1 want=$2 ifs=${3:-g0} got
	in_nsf nft flush ruleset
	cat >"$TMP/case"
	if [ "$(head -n1 "$TMP/case")" = "#sh" ]; then
		in_nsf bash "$TMP/case" >/dev/null 2>&1
	else
		in_nsf nft -f "$TMP/case" || { not_ok "check-firewall: $name (ruleset refused)"; return; }
	fi
	in_nsf "$RULES" check-firewall --interfaces "$ifs" --responder-port 10025 >"$TMP/out" 2>"$TMP/err"
	RC=$?
	got=$(sed -nE 's/^mxgate-rules: warning: chain (.*) drops greylisted clients redirected to the responder \(port 10025\); add: .*/\1/p' "$TMP/err" | paste -sd'|')
	[ -n "$got" ] || got=ok
	if [ "$want" = ok ]; then
		expect "check-firewall: $name: no warning, exit 0" "ok 0" "$got $RC"
	else
		expect "check-firewall: $name: warns" "$want|4" "$got|$RC"
	fi
}
FILTER_HEAD='table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport { 22, 25 } accept'

fw_case "a default-drop inet filter input accepting 22 and 25" "inet filter input (policy drop)" <<EOF
$FILTER_HEAD
	}
}
EOF
check "... the warning gives the exact rule to add" grep -qx \
	'mxgate-rules: warning: chain inet filter input (policy drop) drops greylisted clients redirected to the responder (port 10025); add: nft insert rule inet filter input tcp dport 10025 ct status dnat accept' "$TMP/err"
check "... and the summary line says how many" grep -qx \
	'mxgate-rules: firewall: 1 of 1 chain(s) at the input hook drop clients redirected to the responder (port 10025)' "$TMP/out"
fw_case "... with the documented line added" ok <<EOF
$FILTER_HEAD
		tcp dport 10025 ct status dnat accept
	}
}
EOF
check "... the summary line says none drops" grep -q '^mxgate-rules: firewall: no chain at the input hook drops' "$TMP/out"
fw_case "... with 'ct status dnat accept'" ok <<EOF
$FILTER_HEAD
		ct status dnat accept
	}
}
EOF
fw_case "... with 'meta l4proto tcp th dport 10000-11000 accept' (a range)" ok <<EOF
$FILTER_HEAD
		meta l4proto tcp th dport 10000-11000 accept
	}
}
EOF
fw_case "... with 'iifname g0 accept' (the interface clients arrive on)" ok <<EOF
$FILTER_HEAD
		iifname "g0" accept
	}
}
EOF
fw_case "... with 'iifname g0 accept' but clients also arriving on c9" "inet filter input (policy drop)" g0,c9 <<EOF
$FILTER_HEAD
		iifname "g0" accept
	}
}
EOF
fw_case "... with an accept of some source addresses only" "inet filter input (policy drop)" <<EOF
$FILTER_HEAD
		ip saddr 198.51.100.0/24 accept
	}
}
EOF
fw_case "... with an accept of IPv4 only (meta nfproto ipv4)" "inet filter input (policy drop)" <<EOF
$FILTER_HEAD
		meta nfproto ipv4 tcp dport 10025 accept
	}
}
EOF
fw_case "... with a jump to a chain that accepts" ok <<EOF
$FILTER_HEAD
		tcp dport 10000-11000 jump services
	}
	chain services {
		ct status dnat accept
	}
}
EOF
fw_case "... with a verdict map (not read: warns, as documented)" "inet filter input (policy drop)" <<EOF
$FILTER_HEAD
		tcp dport vmap { 10025 : accept }
	}
}
EOF
fw_case "a policy-accept chain ending in a reject rule" "inet filter input (rule 'counter reject')" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport { 22, 25 } accept
		counter reject
	}
}
EOF
fw_case "a policy-accept chain dropping every port but 22 and 25" "inet filter input (rule 'tcp dport != { 22, 25 } drop')" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport != { 22, 25 } drop
	}
}
EOF
fw_case "a policy-accept chain that jumps to a chain that drops" "inet filter input (rule 'drop' in chain deny)" <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 10025 jump deny
	}
	chain deny {
		drop
	}
}
EOF
fw_case "a policy-accept chain whose drop rule needs an address (not ours to judge)" ok <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 203.0.113.0/24 drop
	}
}
EOF
fw_case "default-drop chains at other hooks (forward, prerouting) and an output chain" ok <<'EOF'
table inet filter {
	chain forward {
		type filter hook forward priority 0; policy drop;
	}
	chain output {
		type filter hook output priority 0; policy drop;
	}
}
table ip raw {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
	}
}
EOF
fw_case "two tables: an ip table with a default-drop input chain, and an accepting inet one" \
	"ip fw in (policy drop)" <<'EOF'
table ip fw {
	chain in {
		type filter hook input priority 10; policy drop;
		ct state established,related accept
	}
}
table inet other {
	chain in {
		type filter hook input priority 0; policy drop;
		tcp dport 10025 ct status dnat accept
	}
}
EOF
check "... the ip table's fix is an nft rule for that table and chain" grep -q \
	'add: nft insert rule ip fw in tcp dport 10025 ct status dnat accept$' "$TMP/err"
fw_case "iptables-nft and ip6tables-nft, INPUT DROP accepting 22 and 25" \
	"ip filter INPUT (policy drop)|ip6 filter INPUT (policy drop)" <<'EOF'
#sh
for t in iptables-nft ip6tables-nft; do
	$t -P INPUT DROP
	$t -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	$t -A INPUT -i lo -j ACCEPT
	$t -A INPUT -p tcp -m multiport --dports 22,25 -j ACCEPT
done
iptables-nft -A INPUT -p icmp -j ACCEPT
ip6tables-nft -A INPUT -p ipv6-icmp -j ACCEPT
EOF
check "... the warnings give the exact iptables-nft and ip6tables-nft rules" test "$(grep -cxF \
	-e 'mxgate-rules: warning: chain ip filter INPUT (policy drop) drops greylisted clients redirected to the responder (port 10025); add: iptables-nft -I INPUT -p tcp --dport 10025 -m conntrack --ctstate DNAT -j ACCEPT' \
	-e 'mxgate-rules: warning: chain ip6 filter INPUT (policy drop) drops greylisted clients redirected to the responder (port 10025); add: ip6tables-nft -I INPUT -p tcp --dport 10025 -m conntrack --ctstate DNAT -j ACCEPT' \
	"$TMP/err")" = 2
fw_case "... with the documented lines added" ok <<'EOF'
#sh
for t in iptables-nft ip6tables-nft; do
	$t -P INPUT DROP
	$t -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	$t -A INPUT -p tcp -m multiport --dports 22,25 -j ACCEPT
	$t -I INPUT -p tcp --dport 10025 -m conntrack --ctstate DNAT -j ACCEPT
done
EOF
fw_case "iptables-nft ending in -j REJECT, policy ACCEPT" "ip filter INPUT (rule 'counter reject')" <<'EOF'
#sh
iptables-nft -A INPUT -p tcp -m multiport --dports 22,25 -j ACCEPT
iptables-nft -A INPUT -j REJECT
EOF
fw_case "no ruleset at all" ok </dev/null
ip netns del "$NSF"

# --- the admin's firewall: real connections ----------------------------------
#
# In the gateway namespace, with the listener and the TARPIT marks of
# table inet mxgtest: the admin's default-drop table inet filter lets 22
# and 25 in and, until told, drops the connections the redirect sends to
# port 10025.

# handle_of FAM TABLE CHAIN TEXT - the handle of the rule reading TEXT
handle_of() {
	in_ns nft -a list chain "$1" "$2" "$3" | grep -F -- "$4" | sed -nE 's/.*# handle ([0-9]+)$/\1/p' | head -n1
}
# masked - the ruleset with counter values left out (iptables-nft counts
# every rule; the admin's rules see our test traffic)
masked() { ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/g'; }
rules unload
in_ns nft -f - <<EOF
$FILTER_HEAD
	}
}
EOF
ruleset >"$TMP/fw.before"
rules load --queue 7
expect "load under a default-drop inet filter exits 0" 0 "$RC"
expect "... and warns, once, naming the chain and the rule to add" \
	'mxgate-rules: warning: chain inet filter input (policy drop) drops greylisted clients redirected to the responder (port 10025); add: nft insert rule inet filter input tcp dport 10025 ct status dnat accept' \
	"$(cat "$TMP/err")"
add=$(sed -n 's/.*; add: //p' "$TMP/err")
rules status
check "status repeats the warning" grep -q 'warning: chain inet filter input (policy drop) drops' "$TMP/err"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam: with the admin's drop a TARPIT-marked client gets no answer (redirected, then dropped)" \
		fail "$(talk ${p}3 $gw 25)"
	expect "IPv$fam: ... while an unmarked client reaches port 25" mta "$(talk ${p}1 $gw 25)"
done
# shellcheck disable=SC2086 # the command, word by word, as an admin pastes it
in_ns $add
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam: after '$add' the TARPIT-marked client reaches the responder's port" \
		responder-10025 "$(talk ${p}3 $gw 25)"
done
rules check-firewall --responder-port 10025
expect "check-firewall then finds nothing" "0 0" "$RC $(grep -c warning "$TMP/err")"
in_ns nft delete rule inet filter input handle "$(handle_of inet filter input 'tcp dport 10025 ct status dnat accept')"

rules load --queue 7 --firewall-accept yes
expect "load --firewall-accept yes exits 0 without a warning" "0 0" "$RC $(grep -c warning "$TMP/err")"
check "... says what it inserted where" grep -qx \
	'mxgate-rules: firewall_accept: chain inet filter input (policy drop) would drop greylisted clients redirected to the responder; inserted at its top: tcp dport 10025 ct status dnat accept comment "mxgate: responder accept"' "$TMP/out"
expect "... the rule is the first of the admin's chain" \
	'tcp dport 10025 ct status dnat accept comment "mxgate: responder accept"' \
	"$(in_ns nft list chain inet filter input | sed -n '4s/^[[:space:]]*//p')"
h=$(handle_of inet filter input 'mxgate: responder accept')
check "... and the state file records it" grep -qx "accept=nft inet filter input $h 10025" "$STATE"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam --firewall-accept yes: the TARPIT-marked client reaches the responder's port" \
		responder-10025 "$(talk ${p}3 $gw 25)"
done
rules load --queue 7 --firewall-accept yes
expect "a second load keeps the one rule" "0 1" "$RC $(count 'mxgate: responder accept' ruleset)"
rules status
check "status lists it" grep -qx 'mxgate-rules: firewall_accept: accept rule for port 10025 in chain inet filter input' "$TMP/out"
rules load --queue 7 --firewall-accept yes --responder-port 2600
expect "another responder port: the rule follows it" "1 0" \
	"$(count 'tcp dport 2600 ct status dnat accept comment "mxgate: responder accept"' ruleset) $(count 'tcp dport 10025 ct status dnat accept comment "mxgate: responder accept"' ruleset)"
rules load --queue 7 --firewall-accept no
expect "--firewall-accept no takes it out again, and warns" "0 1" \
	"$(count 'mxgate: responder accept' ruleset) $(grep -c 'warning: chain inet filter input' "$TMP/err")"
rules load --queue 7 --firewall-accept yes
rules unload
expect "unload exits 0 and names the rule it removed" "0 1" "$RC $(grep -c 'the accept rule in chain inet filter input' "$TMP/out")"
if diff -u "$TMP/fw.before" <(ruleset) >"$TMP/diff"; then
	ok "unload leaves the admin's ruleset byte for byte as before load"
else
	not_ok "unload leaves the admin's ruleset byte for byte as before load"
	show_diff
fi
# An admin who reloaded the firewall meanwhile: the rule is gone, and
# unload must not take another rule with the handle it had.
rules load --queue 7 --firewall-accept yes
in_ns nft flush chain inet filter input
in_ns nft add rule inet filter input tcp dport 22 accept
rules unload
expect "unload after the admin rewrote the chain leaves the admin's new rule" 1 \
	"$(count 'tcp dport 22 accept' in_ns nft list chain inet filter input)"
in_ns nft delete table inet filter

# The same for iptables-nft, both families.
in_ns bash -c 'for t in iptables-nft ip6tables-nft; do
	$t -P INPUT DROP
	$t -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	$t -A INPUT -p tcp -m multiport --dports 22,25 -j ACCEPT
done
iptables-nft -A INPUT -p icmp -j ACCEPT
ip6tables-nft -A INPUT -p ipv6-icmp -j ACCEPT'
masked >"$TMP/fw.before"
rules load --queue 7
expect "iptables-nft INPUT DROP: load warns for ip and ip6" "0 2" "$RC $(grep -c 'warning: chain ip6\? filter INPUT (policy drop)' "$TMP/err")"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam: iptables-nft INPUT DROP drops the redirected client" fail "$(talk ${p}3 $gw 25)"
done
while IFS= read -r add; do
	# shellcheck disable=SC2086
	in_ns $add
done < <(sed -n 's/.*; add: //p' "$TMP/err")
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam: after the documented iptables-nft line the client reaches the responder's port" \
		responder-10025 "$(talk ${p}3 $gw 25)"
done
for t in iptables-nft ip6tables-nft; do
	in_ns $t -D INPUT -p tcp --dport 10025 -m conntrack --ctstate DNAT -j ACCEPT
done
rules load --queue 7 --firewall-accept yes
expect "iptables-nft: --firewall-accept yes inserts into INPUT of both families" "0 0 2" \
	"$RC $(grep -c warning "$TMP/err") $(grep -c '^mxgate-rules: firewall_accept: chain ip6\? filter INPUT' "$TMP/out")"
expect "... as the first rule of each, with its comment" \
	'-A INPUT -p tcp -m tcp --dport 10025 -m conntrack --ctstate DNAT -m comment --comment "mxgate: responder accept" -j ACCEPT|-A INPUT -p tcp -m tcp --dport 10025 -m conntrack --ctstate DNAT -m comment --comment "mxgate: responder accept" -j ACCEPT' \
	"$(in_ns iptables-nft -S INPUT | sed -n 2p)|$(in_ns ip6tables-nft -S INPUT | sed -n 2p)"
for fam in 4 6; do
	if [ $fam = 4 ]; then p=192.0.2. gw=192.0.2.2; else p=2001:db8:: gw=2001:db8::2; fi
	expect "IPv$fam iptables-nft --firewall-accept yes: the client reaches the responder's port" \
		responder-10025 "$(talk ${p}3 $gw 25)"
done
rules unload
if diff -u "$TMP/fw.before" <(masked) >"$TMP/diff"; then
	ok "iptables-nft: unload leaves the admin's ruleset as before load (counter values aside)"
else
	not_ok "iptables-nft: unload leaves the admin's ruleset as before load (counter values aside)"
	show_diff
fi
in_ns bash -c 'for t in iptables-nft ip6tables-nft; do $t -F INPUT; $t -P INPUT ACCEPT; done'
in_ns nft delete table ip filter
in_ns nft delete table ip6 filter

# mxgated passes every option to unload too.
rules unload --interfaces g0 --trusted 127.0.0.0/8,::1/128 --queue 7 --ports 25 --mark-mask 0xf00 \
	--mark-pass 0x100 --mark-responder 0x200 --responder-port 2600 --conn-limit 3 --firewall-accept no
expect "unload with mxgated's full argument list exits 0" 0 "$RC"
expect "... table inet mxgate is gone" 0 "$(count '^table inet mxgate' ruleset)"

# Controls: without our rules, the same connections behave as plain TCP,
# so the refusals above were ours.
expect "control: with no rules loaded, a direct connection to 10025 is answered" \
	responder-10025 "$(talk 192.0.2.1 192.0.2.2 10025)"
expect "control: with no rules loaded, a TARPIT-marked SYN to port 25 reaches port 25" \
	mta "$(talk 192.0.2.3 192.0.2.2 25)"
in_ns nft delete table inet mxgtest

rules unload
expect "final unload exits 0" 0 "$RC"
if same_ruleset; then ok "final unload restores the ruleset"; else not_ok "final unload restores the ruleset"; show_diff; fi

tally rules
