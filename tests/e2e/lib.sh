# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - the end-to-end world: namespaces, a real DNS server (nsd), a
# real MTA (Postfix), mxgated on a gateway, clients with documentation
# addresses. Sourced by tests/e2e/test_*.sh and scripts/demo.sh.
#
#   clients (NS_C)            gateway (NS_G)              server (NS_S)
#   198.51.100.10,11,20,30,40 198.51.100.1 | 203.0.113.1  203.0.113.25 Postfix
#   2001:db8:c::10,11,...     2001:db8:c::1 | 2001:db8:5::1 203.0.113.53 nsd
#            c0 ---------------- gc            gs ---------- s0
#                               (tc ingress + NFQUEUE + mxgated)
#
# and, for the tests that need an inside (setup_lan):
#
#                                  gl  192.0.2.1 | 2001:db8:1::1
#                                  |
#                                  l0  LAN (NS_L): 192.0.2.25 | 2001:db8:1::25
#
# gl is not one of mxgated's interfaces: what arrives there is the
# LAN's, never judged.
#
# Every name is unique to this run; cleanup (on EXIT and signals) kills
# what was started, deletes the namespaces and the temporary directory.
# shellcheck shell=bash
# shellcheck disable=SC2016 # awk programs and zone text: no shell expansion meant

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/e2e/tap.sh
. "$REPO/tests/e2e/tap.sh"
BUILD=${BUILD:-$REPO/build}
RUN_ID=$$
NS_C=mxg-c-$RUN_ID
NS_G=mxg-g-$RUN_ID
NS_S=mxg-s-$RUN_ID
NS_L=mxg-l-$RUN_ID		# the LAN, only after setup_lan
TMP=$(mktemp -d /tmp/mxgate-e2e.XXXXXX)
chmod 755 "$TMP"	# Postfix runs as user postfix in here
PIN=$TMP/bpf
# Where start_mxgated and start_postfix keep a gateway's files (its
# configuration, state_dir, pid file, countries.d; the MTA's directories).
# test_share.sh runs several gateways, each with a GW_DIR of its own.
GW_DIR=$TMP
MAILBOX=$TMP/mail/mbox
MAILLOG=$TMP/maillog
DAEMON_LOG=$TMP/mxgated.log
MTA4=203.0.113.25
MTA6=2001:db8:5::25
DNS4=203.0.113.53
DNS6=2001:db8:5::53
SILENT_DNS4=203.0.113.54	# drops every query: a DNS server that hangs
MXGATED_PID=
NSD_PID=
# mxgated gives up root after setup, as on a gateway (user = mxgate, a
# system user make install creates; created here if missing).
MXG_USER=${MXG_USER:-mxgate}

# The clients: clean MTA, spare clean MTA, dynamic line, no PTR, forged
# PTR, and a PTR that is not a host name at all.
CLEAN=10 SPARE=11 DYNAMIC=20 NOPTR=30 FORGED=40 BADPTR=50
v4() { echo "198.51.100.$1"; }
v6() { echo "2001:db8:c::$1"; }

# cleanup - undo everything; safe to call more than once
cleanup() {
	# A suite with more of the world than this file builds (test_share.sh:
	# more gateways, Redis) undoes its own part first, while $TMP exists.
	declare -F cleanup_more >/dev/null && cleanup_more
	if [ -n "$MXGATED_PID" ]; then
		kill -9 "$MXGATED_PID" 2>/dev/null
		wait "$MXGATED_PID" 2>/dev/null	# reaped quietly
	fi
	[ -n "$NSD_PID" ] && kill "$NSD_PID" 2>/dev/null
	# mxgated's note that it created the gateway's clsact qdisc (gone
	# with the namespace; a later namespace may reuse its inode number)
	[ -e "/run/netns/$NS_G" ] &&
		rm -f "/run/mxgate/clsact-$(stat -L -c %i "/run/netns/$NS_G")-"*
	if [ -f "$TMP/postfix/main.cf" ]; then
		ip netns exec "$NS_S" postfix -c "$TMP/postfix" stop >/dev/null 2>&1
	fi
	# The rule loader keeps a state file per namespace under /run: unload.
	ip netns exec "$NS_G" "$REPO/nftables/mxgate-rules" unload >/dev/null 2>&1
	# Anything still running inside our namespaces must not outlive them.
	local ns pids
	[ -f "$TMP/lan-mta/etc/main.cf" ] &&
		ip netns exec "$NS_L" postfix -c "$TMP/lan-mta/etc" stop >/dev/null 2>&1
	for ns in "$NS_C" "$NS_G" "$NS_S" "$NS_L"; do
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
		[ "${#pids[@]}" -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	mountpoint -q "$PIN" 2>/dev/null && umount -l "$PIN"
	# KEEP_TMP=DIR keeps a copy of the files (logs) for a post-mortem
	[ -n "${KEEP_TMP:-}" ] && cp -r "$TMP" "$KEEP_TMP" 2>/dev/null
	rm -rf "$TMP"
	MXGATED_PID='' NSD_PID=''
	return 0
}
# Set as soon as $TMP exists, so that even a script that gives up before
# setup_network leaves nothing behind. A signal (^C, a closed terminal or
# output pipe) goes through EXIT too: bash skips the EXIT trap when a
# signal it does not trap kills it.
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# summary NAME - "NAME: N passed, N failed"; exit status for the script
summary() {
	if [ "$E2E_FAILED" -ne 0 ]; then
		echo "--- mxgated log (tail)"; tail -n 40 "$DAEMON_LOG" 2>/dev/null
		echo "--- postfix log (tail)"; tail -n 20 "$MAILLOG" 2>/dev/null
	fi
	tally "$1"
}

# in_ns NS CMD... - run a command in one of our namespaces
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# setup_network - namespaces, veth pairs, addresses, routes, resolv.conf
setup_network() {
	for ns in "$NS_C" "$NS_G" "$NS_S"; do
		ip netns add "$ns" || return 1
		# Any stray resolver lookup inside goes to our nsd, nowhere else.
		mkdir -p "/etc/netns/$ns"
		printf 'nameserver %s\n' "$DNS4" > "/etc/netns/$ns/resolv.conf"
		in_ns "$ns" ip link set lo up
	done
	ip link add c0 netns "$NS_C" type veth peer gc netns "$NS_G" || return 1
	ip link add gs netns "$NS_G" type veth peer s0 netns "$NS_S" || return 1

	for h in $CLEAN $SPARE $DYNAMIC $NOPTR $FORGED $BADPTR; do
		in_ns "$NS_C" ip addr add "$(v4 "$h")/24" dev c0
		in_ns "$NS_C" ip addr add "$(v6 "$h")/64" dev c0 nodad
	done
	in_ns "$NS_C" ip link set c0 up
	in_ns "$NS_C" ip route add default via 198.51.100.1
	in_ns "$NS_C" ip -6 route add default via 2001:db8:c::1

	in_ns "$NS_G" ip addr add 198.51.100.1/24 dev gc
	in_ns "$NS_G" ip addr add 2001:db8:c::1/64 dev gc nodad
	in_ns "$NS_G" ip addr add 203.0.113.1/24 dev gs
	in_ns "$NS_G" ip addr add 2001:db8:5::1/64 dev gs nodad
	in_ns "$NS_G" ip link set gc up
	in_ns "$NS_G" ip link set gs up
	in_ns "$NS_G" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	for a in $MTA4 $DNS4 $SILENT_DNS4; do in_ns "$NS_S" ip addr add "$a/24" dev s0; done
	in_ns "$NS_S" nft add table inet silent
	in_ns "$NS_S" nft add chain inet silent in '{ type filter hook input priority 0; }'
	in_ns "$NS_S" nft add rule inet silent in ip daddr $SILENT_DNS4 udp dport 53 counter drop
	for a in $MTA6 $DNS6; do in_ns "$NS_S" ip addr add "$a/64" dev s0 nodad; done
	in_ns "$NS_S" ip link set s0 up
	in_ns "$NS_S" ip route add default via 203.0.113.1
	in_ns "$NS_S" ip -6 route add default via 2001:db8:5::1
}

# write_zones - forward and reverse zones for the clients
write_zones() {
	local z=$TMP/zones soa
	mkdir -p "$z"
	soa='$TTL 60
@ IN SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 60
@ IN NS ns.test.example.'
	printf '%s\n%s\n' "$soa" "mail IN A $(v4 $CLEAN)
mail IN AAAA $(v6 $CLEAN)
mx2 IN A $(v4 $SPARE)
mx2 IN AAAA $(v6 $SPARE)" > "$z/sender.example"
	# Dynamic-looking names: S25R rule 1 (digit, non-digits, digit).
	printf '%s\n%s\n' "$soa" "dyn-198-51-100-20 IN A $(v4 $DYNAMIC)
dyn6-2001-db8-c-20 IN AAAA $(v6 $DYNAMIC)" > "$z/pool.example.net"
	# The forged PTR's name points somewhere else: FCrDNS fails.
	printf '%s\n%s\n' "$soa" "@ IN A 203.0.113.99
@ IN AAAA 2001:db8:5::99" > "$z/forged.example.com"
	printf '%s\n%s\n' "$soa" "ns IN A $DNS4" > "$z/test.example"
	# DNS lists: every list answers its probe (127.0.0.2 listed, .1 not).
	# bl lists mx2 (.11) and answers the clean sender with an error code;
	# wl allowlists the dynamic client (.20); broken lists everything.
	printf '%s\n%s\n' "$soa" "2.0.0.127 IN A 127.0.0.2
$SPARE.100.51.198 IN A 127.0.0.4
$CLEAN.100.51.198 IN A 127.255.255.254" > "$z/bl.test.example"
	printf '%s\n%s\n' "$soa" "2.0.0.127 IN A 127.0.10.2
$DYNAMIC.100.51.198 IN A 127.0.10.2" > "$z/wl.test.example"
	printf '%s\n%s\n' "$soa" "* IN A 127.0.0.2" > "$z/broken.test.example"
	printf '%s\n%s\n' "$soa" "$CLEAN IN PTR mail.sender.example.
$SPARE IN PTR mx2.sender.example.
$DYNAMIC IN PTR dyn-198-51-100-20.pool.example.net.
$FORGED IN PTR forged.example.com.
$BADPTR IN PTR bad\\032name.example." > "$z/100.51.198.in-addr.arpa"
	# 2001:db8:c::/64; host ::XY is 0.0...Y.X reversed over 16 nibbles.
	{
		printf '%s\n' "$soa"
		for h in $CLEAN $SPARE $DYNAMIC $FORGED; do
			local name
			case $h in
			"$CLEAN") name=mail.sender.example.;;
			"$SPARE") name=mx2.sender.example.;;
			"$DYNAMIC") name=dyn6-2001-db8-c-20.pool.example.net.;;
			*) name=forged.example.com.;;
			esac
			printf '%s.%s.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR %s\n' \
				"${h:1:1}" "${h:0:1}" "$name"
		done
	} > "$z/0.0.0.0.c.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
}

# start_nsd - a real authoritative server for every zone above
start_nsd() {
	local conf=$TMP/nsd.conf z
	write_zones
	cat > "$conf" <<-EOC
	server:
	  ip-address: $DNS4
	  ip-address: $DNS6
	  port: 53
	  username: ""
	  chroot: ""
	  zonesdir: "$TMP/zones"
	  database: ""
	  zonelistfile: "$TMP/nsd.zonelist"
	  xfrdfile: "$TMP/nsd.xfrd"
	  xfrdir: "$TMP"
	  pidfile: "$TMP/nsd.pid"
	  logfile: "$TMP/nsd.log"
	  server-count: 1
	  verbosity: 1
	  # nsd's response rate limiting (200 answers a second to one
	  # address) would starve mxgated, the only client, under load.
	  rrl-ratelimit: 0
	  rrl-whitelist-ratelimit: 0
	remote-control:
	  control-enable: no
	EOC
	for z in "$TMP"/zones/*; do
		printf 'zone:\n  name: %s\n  zonefile: %s\n' "${z##*/}" "$z" >> "$conf"
	done
	ip netns exec "$NS_S" nsd -d -c "$conf" >>"$TMP/nsd.log" 2>&1 &
	NSD_PID=$!
	wait_for "nsd answers" in_ns "$NS_G" dig +short +time=1 +tries=1 \
		@"$DNS4" -x "$(v4 $CLEAN)"
}

# start_postfix - a real Postfix, own directories, mail to one mailbox
start_postfix() {
	local d=$GW_DIR/postfix
	mkdir -p "$d" "$GW_DIR/pfq" "$GW_DIR/pfdata" "$GW_DIR/mail"
	chown postfix "$GW_DIR/pfdata" "$GW_DIR/mail"
	cp /usr/share/postfix/master.cf.dist "$d/master.cf"
	cat > "$d/main.cf" <<-EOC
	compatibility_level = 3.6
	queue_directory = $GW_DIR/pfq
	data_directory = $GW_DIR/pfdata
	mail_owner = postfix
	setgid_group = postdrop
	myhostname = mx.example
	mydestination =
	inet_interfaces = all
	inet_protocols = all
	mynetworks = 127.0.0.0/8
	smtpd_peername_lookup = no
	smtp_dns_support_level = disabled
	maillog_file = $MAILLOG
	maillog_file_prefixes = $TMP
	alias_maps =
	alias_database =
	smtputf8_enable = no
	virtual_mailbox_domains = mx.example
	virtual_mailbox_base = $GW_DIR/mail
	virtual_mailbox_maps = static:mbox
	virtual_uid_maps = static:$(id -u postfix)
	virtual_gid_maps = static:$(id -g postfix)
	EOC
	if ! in_ns "$NS_S" postfix -c "$d" start >"$GW_DIR/postfix-start.log" 2>&1; then
		cat "$GW_DIR/postfix-start.log" >&2
		return 1
	fi
	wait_for "postfix listens" in_ns "$NS_S" sh -c \
		"ss -ltn | grep -q '$MTA4:25\|\*:25\|0.0.0.0:25'"
}

# start_mxgated [extra conf lines] - the daemon on the gateway; its DNS
# server and decision timeout come from MXG_DNS and MXG_TIMEOUT
# shellcheck disable=SC2120 # the extra conf lines are optional
start_mxgated() {
	local readies
	ensure_user "$MXG_USER" || return 1
	readies=$(grep -cE '(^|[ >])ready' "$DAEMON_LOG" 2>/dev/null)
	mkdir -p "$PIN" "$GW_DIR/state" "$GW_DIR/countries.d"
	mountpoint -q "$PIN" || mount -t bpf bpf "$PIN"
	cat > "$GW_DIR/mxgate.conf" <<-EOC
	interfaces = gc
	ports = 25
	queue = 0
	dns_servers = ${MXG_DNS:-$DNS4}
	pin_dir = $PIN
	state_dir = $GW_DIR/state
	pid_file = $GW_DIR/mxgated.pid
	countries_dir = $GW_DIR/countries.d
	rules_cmd = $REPO/nftables/mxgate-rules
	decision_timeout = ${MXG_TIMEOUT:-5s}
	user = $MXG_USER
	verdict_ttl_pass = 1d
	verdict_ttl_block = 1h
	${1:-}
	EOC
	# Not through a function: $! must be mxgated itself (ip netns exec
	# execs it), so that killing it really kills the daemon.
	ip netns exec "$NS_G" "$BUILD/mxgated" -f -c "$GW_DIR/mxgate.conf" >>"$DAEMON_LOG" 2>&1 &
	MXGATED_PID=$!
	wait_for "mxgated ready" readies_above "${readies:-0}"
}

# ensure_user NAME - a system user NAME exists (as make install makes it)
ensure_user() {
	[ "$1" = root ] || getent passwd "$1" >/dev/null ||
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$1"
}

# readies_above N - the daemon log has more than N "ready" lines ("<6>ready"
# when mxgated writes for journald)
readies_above() { [ "$(grep -cE '(^|[ >])ready' "$DAEMON_LOG")" -gt "$1" ]; }

# stop_mxgated [signal] - kill the daemon (default SIGKILL: a crash)
stop_mxgated() {
	[ -n "$MXGATED_PID" ] || return 0
	kill "-${1:-9}" "$MXGATED_PID" 2>/dev/null
	wait "$MXGATED_PID" 2>/dev/null
	MXGATED_PID=
}

# wait_for WHAT CMD... - poll up to 10 s for a condition
wait_for() {
	local what=$1 _
	shift
	for _ in $(seq 1 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $what" >&2
	return 1
}

# send_mail HOST FAMILY TAG [TIMEOUT] - swaks from client HOST to the MTA
send_mail() {
	local host=$1 fam=$2 tag=$3 src server
	if [ "$fam" = 6 ]; then src=$(v6 "$host") server=$MTA6; else src=$(v4 "$host") server=$MTA4; fi
	in_ns "$NS_C" swaks --server "$server" --local-interface "$src" \
		--helo "client$host.test.example" --from "sender@test.example" \
		--to user@mx.example --header "X-Mxgate-Test: $tag" \
		--timeout "${4:-30}" >"$TMP/swaks-$tag.log" 2>&1
}

# delivered TAG - the message with this tag is in the mailbox
delivered() { wait_for "delivery of $1" grep -q "X-Mxgate-Test: $1\$" "$MAILBOX"; }

# queue_id TAG - the Postfix queue id swaks was given ("queued as ID")
queue_id() { sed -n 's/.* queued as \([0-9A-Za-z]*\).*/\1/p' "$TMP/swaks-$1.log" | head -n 1; }

# mta_sent TAG - Postfix's own log says the session's message was
# delivered (its queue id with status=sent)
mta_sent() {
	local qid
	qid=$(queue_id "$1")
	[ -n "$qid" ] && wait_for "status=sent for $qid" grep -q " $qid: .* status=sent" "$MAILLOG"
}

# mta_saw ADDR - Postfix logged a connection from ADDR
mta_saw() { grep -q "connect from [^ ]*\[$1\]" "$MAILLOG"; }

# ctl ARGS... - mxgatectl on the gateway's pinned maps
ctl() { in_ns "$NS_G" "$BUILD/mxgatectl" -p "$PIN" "$@"; }

# stat_value NAME - one kernel counter
stat_value() { ctl stats | awk -v n="$1" '$1 == n { print $2 }'; }
# stat_is NAME OP N - mxgatectl stats' counter NAME compares to N (test
# OP). mxgated's own counters reach the maps once a second (stats_hold()
# in daemon/maps.h): check them with wait_for stat_is.
stat_is() { test "$(stat_value "$1")" "$2" "$3"; }

# silent_dns_queries - queries the hanging DNS server swallowed
silent_dns_queries() {
	in_ns "$NS_S" nft list chain inet silent in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# queue_bound - some process listens on NFQUEUE 0 in the gateway
queue_bound() { in_ns "$NS_G" awk '$1 == 0 { f = 1 } END { exit !f }' /proc/net/netfilter/nfnetlink_queue; }

# queued_total - packets NFQUEUE 0 has handed to user space (id sequence)
queued_total() {
	in_ns "$NS_G" awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue |
		grep . || echo 0
}

# lookup_has ADDR TEXT - mxgatectl lookup's line for ADDR contains TEXT
lookup_has() { ctl lookup "$1" | grep -q -- "$2"; }

# log_has REGEX - the daemon logged a matching line
log_has() { grep -q -- "$1" "$DAEMON_LOG"; }

# not CMD... - succeed when CMD fails
not() { ! "$@"; }

# --- More clients, a sending Postfix, raw SMTP probes (issue 4) ---------

# Extra clients' forward names live in this zone (written before nsd).
ISP_ZONE=isp.example

# add_client HOST [LABEL] - one more client address 198.51.100.HOST in the
# client namespace; with LABEL, its PTR is LABEL.$ISP_ZONE and that name
# has an A record back to the address (forward-confirmed). Call after
# setup_network and before start_nsd (nsd reads its zones at start). Each
# reverse entry is a zone of its own (HOST.100.51.198.in-addr.arpa), which
# nsd answers from before the /24 zone write_zones owns.
add_client() {
	in_ns "$NS_C" ip addr add "$(v4 "$1")/24" dev c0 || return 1
	[ -z "${2:-}" ] || client_names "$(v4 "$1")" "$2" A "$1.100.51.198.in-addr.arpa"
}

# add_client6 HOST [LABEL] - the same for 2001:db8:c::HOST (HOST two
# hex digits): the address, and with LABEL a PTR LABEL.$ISP_ZONE (a zone
# of its own, the address's 32 nibbles) whose AAAA record points back
add_client6() {
	local host=$1
	in_ns "$NS_C" ip addr add "$(v6 "$host")/64" dev c0 nodad || return 1
	[ -z "${2:-}" ] || client_names "$(v6 "$host")" "$2" AAAA \
		"${host:1:1}.${host:0:1}.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
}

# client_names ADDR LABEL TYPE REVERSE - LABEL.$ISP_ZONE TYPE ADDR, and
# the reverse zone REVERSE whose PTR names it: a forward-confirmed client
client_names() {
	local z=$TMP/zones soa
	soa='$TTL 60
@ IN SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 60
@ IN NS ns.test.example.'
	mkdir -p "$z"
	[ -f "$z/$ISP_ZONE" ] || printf '%s\n' "$soa" > "$z/$ISP_ZONE"
	printf '%s IN %s %s\n' "$2" "$3" "$1" >> "$z/$ISP_ZONE"
	printf '%s\n@ IN PTR %s.%s.\n' "$soa" "$2" "$ISP_ZONE" > "$z/$4"
}

# wait_long SECONDS WHAT CMD... - like wait_for, for up to SECONDS
wait_long() {
	local n=$(($1 * 10)) what=$2 _
	shift 2
	for _ in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "timed out after $n/10 s waiting for: $what" >&2
	return 1
}

# now_s - wall clock in seconds, with a fraction
now_s() { date +%s.%N; }

# elapsed_ge T0 T1 SECONDS - T1 - T0 >= SECONDS
elapsed_ge() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { exit !(b - a >= s) }'; }

# start_sender HOST [6] - a second, real Postfix as a sending MTA on client
# HOST: own config, queue and data directories under $TMP/sender-HOST,
# its smtpd on 198.51.100.HOST:25 only (for submissions from the client
# namespace), its smtp client bound to that address and relaying
# everything to [$MTA4] with fast retries. With 6 it sends over IPv6
# instead: bound to 2001:db8:c::HOST (add_client6), relaying to [$MTA6].
# Its log is sender_log HOST.
# The cleanup kills it with everything else in the client namespace.
start_sender() {
	local host=$1 d=$TMP/sender-$1 addr protos=ipv4 relay="[$MTA4]" bind6=
	addr=$(v4 "$host")
	if [ "${2:-4}" = 6 ]; then
		protos=all relay="[ipv6:$MTA6]" bind6="smtp_bind_address6 = $(v6 "$host")"
	fi
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cp /usr/share/postfix/master.cf.dist "$d/etc/master.cf"
	cat > "$d/etc/main.cf" <<-EOC
	compatibility_level = 3.6
	queue_directory = $d/queue
	data_directory = $d/data
	mail_owner = postfix
	setgid_group = postdrop
	myhostname = sender$host.test.example
	mydestination =
	inet_interfaces = $addr
	inet_protocols = $protos
	mynetworks = 127.0.0.0/8 $addr/32
	smtpd_peername_lookup = no
	smtp_bind_address = $addr
	$bind6
	relayhost = $relay
	smtp_dns_support_level = disabled
	maillog_file = $d/maillog
	maillog_file_prefixes = $TMP
	alias_maps =
	alias_database =
	smtputf8_enable = no
	queue_run_delay = 2s
	minimal_backoff_time = 2s
	maximal_backoff_time = 4s
	smtp_connect_timeout = 5s
	smtp_helo_timeout = 30s
	EOC
	if ! in_ns "$NS_C" postfix -c "$d/etc" start >"$d/start.log" 2>&1; then
		cat "$d/start.log" >&2
		return 1
	fi
	wait_for "sender postfix on $addr listens" in_ns "$NS_C" sh -c \
		"ss -ltn | grep -q '$addr:25 '"
}

# stop_sender HOST - stop that sending Postfix
stop_sender() { in_ns "$NS_C" postfix -c "$TMP/sender-$1/etc" stop >/dev/null 2>&1; }

# sender_log HOST - the sending Postfix's log file
sender_log() { echo "$TMP/sender-$1/maillog"; }

# sender_submit HOST TAG [FROM] - hand a message to client HOST's Postfix
# (envelope sender FROM, default sender@senderHOST.test.example); the
# swaks transcript is $TMP/swaks-TAG.log, so queue_id TAG is the id the
# *sender* gave the message
sender_submit() {
	local addr
	addr=$(v4 "$1")
	in_ns "$NS_C" swaks --server "$addr" --local-interface "$addr" \
		--helo "sender$1.test.example" --from "${3:-sender@sender$1.test.example}" \
		--to user@mx.example --header "X-Mxgate-Test: $2" \
		--timeout 10 >"$TMP/swaks-$2.log" 2>&1
}

# sender_has HOST TAG REGEX - a line of the sender's log about TAG's
# message (its queue id) matches REGEX
sender_has() {
	local qid
	qid=$(queue_id "$2")
	[ -n "$qid" ] && grep -q " $qid: .*$3" "$(sender_log "$1")"
}

# sender_deferrals HOST TAG - how many times the sender deferred TAG
sender_deferrals() {
	local qid
	qid=$(queue_id "$2")
	[ -n "$qid" ] || { echo 0; return; }
	grep -c " $qid: .*status=deferred" "$(sender_log "$1")"
}

# relayed HOST TAG - the sender relayed TAG's message to the MTA
# (status=sent, "queued as MTAID"; over IPv4 or IPv6) and the MTA
# delivered it (MTAID status=sent in its own log)
relayed() {
	local qid mid
	qid=$(queue_id "$2")
	[ -n "$qid" ] || return 1
	mid=$(sed -n "s/.* $qid: .*relay=[^ ]*\($MTA4\|$MTA6\)\]:25.* status=sent .*queued as \([0-9A-Za-z]*\).*/\2/p" \
		"$(sender_log "$1")" | head -n 1)
	[ -n "$mid" ] && grep -q " $mid: .* status=sent" "$MAILLOG"
}

# mta_connects ADDR - how many connections Postfix logged from ADDR
# ("connect from", not "disconnect from")
mta_connects() { grep -c ": connect from [^ ]*\[$1\]" "$MAILLOG" 2>/dev/null; }

# wipe_maps - what a reboot does to mxgate's kernel side: stop mxgated,
# detach the tc program, drop the pinned maps (as test_state.sh does)
wipe_maps() {
	stop_mxgated 15
	in_ns "$NS_G" tc filter del dev gc ingress 2>/dev/null
	umount -l "$PIN"
	mount -t bpf bpf "$PIN"
}

# smtp_probe HOST MODE [ARG] - a raw SMTP client from 198.51.100.HOST to
# the MTA's address, port 25, printing what it saw, one "key=value" a
# line (connect=ok|timeout|refused|reset, banner=..., banner_s=...,
# ehlo=..., mail=..., reply=..., end=closed|reset|timeout|held). MODE:
#   pregreet     send EHLO right after connecting, then read what comes
#   hangup SECS  read for SECS, then hang up
#   wait         read the whole banner line (timing it), EHLO, MAIL FROM
#                <probe@test.example>, RCPT TO <user@mx.example> (its
#                answer is reply=), QUIT
#   hold SECS    read the banner, then keep the session open SECS
#   quick SECS   connect with a SECS timeout, read the banner, QUIT
# Exit 0 when it connected.
smtp_probe() {
	local py=$TMP/smtp_probe.py
	[ -f "$py" ] || cat > "$py" <<-'EOP'
	import socket, sys, time
	src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
	arg = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else 0.0
	def out(k, v):
	    print("%s=%s" % (k, v), flush=True)
	def readline(s, limit):
	    # one CRLF-terminated line, or what came before close/timeout
	    buf, end = b"", "line"
	    deadline = time.monotonic() + limit
	    while not buf.endswith(b"\n"):
	        left = deadline - time.monotonic()
	        if left <= 0:
	            end = "timeout"; break
	        s.settimeout(left)
	        try:
	            c = s.recv(1)
	        except socket.timeout:
	            end = "timeout"; break
	        except ConnectionResetError:
	            end = "reset"; break
	        if not c:
	            end = "closed"; break
	        buf += c
	    return buf.decode("latin-1").rstrip("\r\n"), end
	def reply(s, limit):
	    # a possibly multi-line SMTP reply; its last line
	    while True:
	        line, end = readline(s, limit)
	        if end != "line" or len(line) < 4 or line[3] != "-":
	            return line, end
	ctimeout = arg if mode == "quick" else 5.0
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.bind((src, 0))
	s.settimeout(ctimeout)
	try:
	    s.connect((dst, 25))
	except socket.timeout:
	    out("connect", "timeout"); sys.exit(1)
	except ConnectionRefusedError:
	    out("connect", "refused"); sys.exit(1)
	except ConnectionResetError:
	    out("connect", "reset"); sys.exit(1)
	except OSError as e:
	    out("connect", "error " + str(e)); sys.exit(1)
	out("connect", "ok")
	t0 = time.monotonic()
	if mode == "pregreet":
	    s.sendall(b"EHLO pregreet.test.example\r\n")
	    while True:
	        line, end = readline(s, 15)
	        if line:
	            out("line", line)
	        if end != "line":
	            out("end", end); break
	elif mode == "hangup":
	    line, end = readline(s, arg)
	    out("partial", line)
	    out("end", "hungup")
	elif mode == "hold":
	    line, end = reply(s, 15)
	    out("banner", line)
	    out("banner_s", "%.2f" % (time.monotonic() - t0))
	    if end == "line":
	        time.sleep(arg)
	        out("end", "held")
	    else:
	        out("end", end)
	else:   # wait, quick
	    line, end = reply(s, 30 if mode == "wait" else 5)
	    out("banner", line)
	    out("banner_s", "%.2f" % (time.monotonic() - t0))
	    if end != "line":
	        out("end", end); sys.exit(0)
	    if line.startswith("421 "):
	        # a greeting-time refusal (the responder's answer to a
	        # greylisted repeat): the server closes, nothing to say
	        line, end = readline(s, 5)
	        out("end", "closed" if end in ("closed", "reset") else end); sys.exit(0)
	    if mode == "wait":
	        s.sendall(b"EHLO probe.test.example\r\n")
	        line, end = reply(s, 15)
	        out("ehlo", line)
	        s.sendall(b"MAIL FROM:<probe@test.example>\r\n")
	        line, end = reply(s, 15)
	        out("mail", line)
	        s.sendall(b"RCPT TO:<user@mx.example>\r\n")
	        line, end = reply(s, 15)
	        out("reply", line)
	    s.sendall(b"QUIT\r\n")
	    line, end = reply(s, 15)
	    out("quit", line)
	    out("end", "closed" if end in ("line", "closed") else end)
	s.close()
	EOP
	in_ns "$NS_C" python3 "$py" "$(v4 "$1")" "$MTA4" "$2" "${3:-}"
}

# --- The inside: a LAN, its MTA, SMTP sinks (issue 10) -----------------

LAN4=192.0.2.25 LAN6=2001:db8:1::25	# the internal MTA (NS_L)
GWL4=192.0.2.1 GWL6=2001:db8:1::1	# the gateway on the LAN (gl)
OUT_MX4=198.51.100.100 OUT_MX6=2001:db8:c::100	# an MX out there (NS_C)

# setup_lan - the LAN namespace and its link to the gateway (gl, not in
# interfaces); call after setup_network. The client namespace routes back
# to it through its default route, the gateway forwards.
setup_lan() {
	ip netns add "$NS_L" || return 1
	mkdir -p "/etc/netns/$NS_L"
	printf 'nameserver %s\n' "$DNS4" > "/etc/netns/$NS_L/resolv.conf"
	in_ns "$NS_L" ip link set lo up
	ip link add l0 netns "$NS_L" type veth peer gl netns "$NS_G" || return 1
	in_ns "$NS_G" ip addr add "$GWL4/24" dev gl
	in_ns "$NS_G" ip addr add "$GWL6/64" dev gl nodad
	in_ns "$NS_G" ip link set gl up
	in_ns "$NS_L" ip addr add "$LAN4/24" dev l0
	in_ns "$NS_L" ip addr add "$LAN6/64" dev l0 nodad
	in_ns "$NS_L" ip link set l0 up
	in_ns "$NS_L" ip route add default via "$GWL4"
	in_ns "$NS_L" ip -6 route add default via "$GWL6"
}

# start_sink NAME NS ADDR... - a minimal SMTP server on port 25 of each
# ADDR ("0.0.0.0" and "::" for all) in namespace NS: it accepts every
# message and logs "PEER TAG" per message (TAG: its X-Mxgate-Test
# header) to sink_log NAME. Killed with its namespace by the cleanup.
start_sink() {
	local name=$1 ns=$2 py=$TMP/smtp_sink.py
	shift 2
	[ -f "$py" ] || cat > "$py" <<-'EOP'
	import socket, sys, threading
	log = open(sys.argv[1], "a", buffering=1)
	def session(c, peer):
	    f = c.makefile("rb")
	    def say(t):
	        c.sendall((t + "\r\n").encode())
	    say("220 sink ESMTP")
	    try:
	        for line in f:
	            cmd = line.decode("latin-1").strip().upper()
	            if cmd.startswith("DATA"):
	                say("354 go on")
	                tag = "-"
	                for d in f:
	                    d = d.decode("latin-1").rstrip("\r\n")
	                    if d == ".":
	                        break
	                    if d.lower().startswith("x-mxgate-test:"):
	                        tag = d.split(":", 1)[1].strip()
	                log.write("%s %s\n" % (peer, tag))
	                say("250 2.0.0 Ok: queued as SINK")
	            elif cmd.startswith("QUIT"):
	                say("221 bye")
	                break
	            else:
	                say("250 sink")
	    except OSError:
	        pass
	    c.close()
	def serve(s):
	    while True:
	        c, a = s.accept()
	        threading.Thread(target=session, args=(c, a[0]), daemon=True).start()
	for addr in sys.argv[3:]:
	    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
	    s = socket.socket(fam, socket.SOCK_STREAM)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    if fam == socket.AF_INET6:
	        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
	    s.bind((addr, 25))
	    s.listen(64)
	    threading.Thread(target=serve, args=(s,), daemon=True).start()
	open(sys.argv[2], "w").close()
	threading.Event().wait()
	EOP
	ip netns exec "$ns" python3 "$py" "$(sink_log "$name")" "$TMP/sink-$name.ready" "$@" \
		>>"$TMP/sink-$name.err" 2>&1 &
	disown $!	# the cleanup kills it with its namespace, quietly
	wait_for "SMTP sink $name" test -e "$TMP/sink-$name.ready"
}

# sink_log NAME - the sink's log file; sink_got NAME PEER TAG - it took
# TAG's message from PEER
sink_log() { echo "$TMP/sink-$1.log"; }
sink_got() { grep -qxF "$2 $3" "$(sink_log "$1")" 2>/dev/null; }

# start_lan_mta - a real Postfix on the LAN ($LAN4, relaying for the
# LAN): mail to outside.example goes to [$OUT_MX4], to outside6.example
# to [$OUT_MX6], sent from $LAN4 / $LAN6 through the gateway. Fast
# retries, as start_sender. Its log: lan_log.
start_lan_mta() {
	local d=$TMP/lan-mta
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cp /usr/share/postfix/master.cf.dist "$d/etc/master.cf"
	cat > "$d/etc/main.cf" <<-EOC
	compatibility_level = 3.6
	queue_directory = $d/queue
	data_directory = $d/data
	mail_owner = postfix
	setgid_group = postdrop
	myhostname = mail.lan.example
	mydestination =
	inet_interfaces = $LAN4
	inet_protocols = all
	mynetworks = 127.0.0.0/8 $LAN4/32
	smtpd_peername_lookup = no
	smtp_bind_address = $LAN4
	smtp_bind_address6 = $LAN6
	relayhost = [$OUT_MX4]
	transport_maps = inline:{ outside6.example=smtp:[$OUT_MX6] }
	smtp_dns_support_level = disabled
	maillog_file = $d/maillog
	maillog_file_prefixes = $TMP
	alias_maps =
	alias_database =
	smtputf8_enable = no
	queue_run_delay = 2s
	minimal_backoff_time = 2s
	maximal_backoff_time = 4s
	smtp_connect_timeout = 5s
	EOC
	if ! in_ns "$NS_L" postfix -c "$d/etc" start >"$d/start.log" 2>&1; then
		cat "$d/start.log" >&2
		return 1
	fi
	wait_for "LAN postfix on $LAN4 listens" in_ns "$NS_L" sh -c "ss -ltn | grep -q '$LAN4:25 '"
}

# lan_log - the LAN Postfix's log file
lan_log() { echo "$TMP/lan-mta/maillog"; }

# lan_submit TAG RCPT - hand a message to the LAN Postfix (from the LAN)
lan_submit() {
	in_ns "$NS_L" swaks --server "$LAN4" --local-interface "$LAN4" \
		--helo ws.lan.example --from "user@lan.example" --to "$2" \
		--header "X-Mxgate-Test: $1" --timeout 10 >"$TMP/swaks-$1.log" 2>&1
}

# lan_status TAG REGEX - a line of the LAN Postfix's log about TAG's
# message (its queue id) matches REGEX
lan_status() {
	local qid
	qid=$(queue_id "$1")
	[ -n "$qid" ] && grep -q " $qid: .*$2" "$(lan_log)"
}

# lan_deferrals TAG - how many times the LAN Postfix deferred TAG
lan_deferrals() {
	local qid
	qid=$(queue_id "$1")
	[ -n "$qid" ] || { echo 0; return; }
	grep -c " $qid: .*status=deferred" "$(lan_log)"
}

# queue_rule_packets - packets the queue rule has counted, both families:
# the native rule, or the iptables-nft fallback's NFQUEUE rules
queue_rule_packets() {
	{
		in_ns "$NS_G" nft list chain inet mxgate prerouting 2>/dev/null |
			sed -nE '/mxgate: new SYN to mxgated/s/.*counter packets ([0-9]+).*/\1/p'
		for t in iptables-nft ip6tables-nft; do
			in_ns "$NS_G" $t -t mangle -L MXGATE -v -x -n 2>/dev/null | awk '/NFQUEUE/ { print $1 }'
		done
	} | awk '{ n += $1 } END { print n + 0 }'
}

# --- Spoofed SYN floods (issue 11) -------------------------------------

# The spoofed sources: 2001:db8:dead::/48, whose PTR queries the server
# namespace drops before nsd sees them (a resolver that never answers, as
# for most random addresses on the Internet). An ip6.arpa qname starts 20
# bytes into the UDP header (8 UDP + 12 DNS header); nibble label i
# (lowest nibble first) is "\x01<nibble>" at byte 20 + 2i, so labels
# 20-27 of every name in 2001:0db8:dead::/48 read d a e d 8 b d 0; after
# the 32 labels (byte 84) a PTR query has "\x03ip6", a DNS list query its
# list's zone.
SPOOF_NET=2001:db8:dead::/48
SPOOF_PREFIX=2001:db8:dead::
SPOOF_LABELS=0x01640161016501640138016201640130
SPOOF_IP6_LABEL=0x03697036
FLOOD_PID=

# setup_spoofed - after setup_network: the gateway's route back to the
# spoofed range (SYN-ACKs go to the client namespace, which drops them),
# and table inet flood in the server namespace, input hook, with one
# counter per kind (spoof_counter NAME reads it):
#   unjudged     TCP to port 25 from the spoofed range: SYNs that got
#                through to the MTA's side
#   dns          every UDP query to port 53 (nsd and the silent server)
#   spoof_ptr    PTR queries about the spoofed range: dropped
#   spoof_other  other queries about it (DNS lists), let through
setup_spoofed() {
	in_ns "$NS_G" ip -6 route add "$SPOOF_NET" via "$(v6 "$CLEAN")" dev gc || return 1
	in_ns "$NS_S" nft add table inet flood || return 1
	in_ns "$NS_S" nft add chain inet flood in '{ type filter hook input priority -10; }'
	in_ns "$NS_S" nft add rule inet flood in ip6 saddr "$SPOOF_NET" tcp dport 25 \
		counter comment '"unjudged"'
	in_ns "$NS_S" nft add rule inet flood in udp dport 53 counter comment '"dns"'
	in_ns "$NS_S" nft add rule inet flood in udp dport 53 @th,480,128 "$SPOOF_LABELS" \
		@th,672,32 "$SPOOF_IP6_LABEL" counter drop comment '"spoof_ptr"' || return 1
	in_ns "$NS_S" nft add rule inet flood in udp dport 53 @th,480,128 "$SPOOF_LABELS" \
		counter comment '"spoof_other"'
}

# spoof_counter NAME - packets counted by table inet flood's rule NAME
spoof_counter() {
	in_ns "$NS_S" nft list chain inet flood in |
		sed -n "s/.*counter packets \([0-9]*\) .*comment \"$1\".*/\1/p"
}

# start_flood FIRST RATE SECONDS [seq|spread] - tests/bench/syn_flood.c
# in the client namespace, in the background: RATE SYNs a second for
# SECONDS (bounded in time by the generator too) to [$MTA6]:25 from
# $SPOOF_PREFIX + FIRST, + FIRST+1, ... (default spread: over the /48's
# /64s). Extra words before the generator from FLOOD_WRAP (e.g.
# "taskset -c 0"). wait_flood waits for it; its line ("sent=N seconds=S
# rate=R next=I") is in $TMP/flood.out.
start_flood() {
	local mac
	mac=$(in_ns "$NS_G" cat /sys/class/net/gc/address) || return 1
	# shellcheck disable=SC2086 # FLOOD_WRAP: words
	in_ns "$NS_C" ${FLOOD_WRAP:-} "$BUILD/syn_flood" c0 "$mac" "$SPOOF_PREFIX" "$MTA6" 25 \
		"$1" "$2" "$3" "${4:-spread}" > "$TMP/flood.out" 2>&1 &
	FLOOD_PID=$!
}

# wait_flood - wait for start_flood's generator; its exit status
wait_flood() {
	local rc=0
	[ -n "$FLOOD_PID" ] || return 1
	wait "$FLOOD_PID" || rc=$?
	FLOOD_PID=
	return "$rc"
}

# flood_field NAME - sent, seconds, rate or next from the generator's line
flood_field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$TMP/flood.out"; }

# nfq_held - SYNs NFQUEUE 0 holds now (queued, no verdict yet)
nfq_held() {
	in_ns "$NS_G" awk '$1 == 0 { print $3; f = 1 } END { if (!f) print 0 }' \
		/proc/net/netfilter/nfnetlink_queue
}
