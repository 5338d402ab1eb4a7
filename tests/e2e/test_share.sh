#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_share.sh - several gateways, one memory (issue 15): verdicts and
# greylist clocks shared through a real Redis. Two gateways, A and B,
# each in its own namespace with its own tc program, mxgated (own pinned
# maps on a private bpffs, state_dir, pid file) and Postfix behind it; a
# real redis-server of the test's own (own config file, an ACL user with
# a password read from a 0600 file, the default user off) in a namespace
# on a private network between the gateways; the clients (a sending
# Postfix, bots) reach A and B on separate links with the same
# addresses, as two MX hosts of one domain see them. Checked:
#   - the configuration: a password to a non-loopback address without
#     redis_cleartext_auth, or a password file others can read, is
#     refused by mxgated -t, naming the key or the file;
#   - a bot judged at A (no PTR: blocked) is refused at B without B's
#     daemon seeing its SYN (B's SYNs left to NFQUEUE do not move);
#   - a real sending Postfix greylisted at A and retrying at B after
#     the delay is promoted at B, at its first retry, and delivered by
#     B's MTA; the promotion is visible at A;
#   - a manual block at A holds at B; a forget at A lifts it at B;
#   - Redis killed: both gateways keep filtering (known bot refused,
#     known sender delivered, new clients judged locally) and queue what
#     they learn; Redis restarted (empty: no persistence), each learns
#     the other's verdicts, nothing dropped, each key written once;
#   - bad input from Redis (a malformed value, missing fields, a key of
#     the wrong type, an out-of-range action, a key that is no address, a
#     1 MB value) is logged and skipped: mxgated stays up, share_bad
#     counts it, the maps have no entry for it, a good update after it is
#     applied;
#   - a third gateway C, started after 1,000 verdicts exist (a real
#     spoofed SYN flood judged at A) and after the stream was trimmed
#     (redis_stream_max = 100), converges to the same map contents, over
#     IPv6 to Redis; the bad keys left in Redis are skipped there too.
# Delays shortened to seconds. Needs root.
#
#   clients (NS_C) c0 ---- gc  A (NS_G)  gs ---- s0 (NS_S) Postfix A 203.0.113.25, nsd
#                  c1 ---- gc  B (NS_GB) gs ---- s0 (NS_SB) Postfix B 203.0.113.225
#                  c2 ---- gc  C (NS_GC)
#   A, B, C: bb 192.0.2.65-67, 2001:db8:7::a-c ---- br0 (NS_R) redis 192.0.2.79, 2001:db8:7::79
#   B and C reach nsd through A (a route over bb).
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DELAY=8			# greylist_delay; the sender retries every 2-4 s
SENDER=60		# a sending Postfix on a dynamic-looking, confirmed name
RELAY=70		# a clean relay, first seen at B while Redis is down
BOT=$NOPTR		# no PTR: S25R rule 0, blocked (unknown_client_action)
NEWBOT=$FORGED		# a forged PTR: rule 0 too, first seen while Redis is down
FLOOD_N=1000		# verdicts before C starts
FLOOD_FIRST=65536	# their sources: 2001:db8:c::1:0 and on (NXDOMAIN PTRs)
STREAM_MAX=100		# redis_stream_max of the writers: the stream is trimmed

NS_R=mxg-r-$RUN_ID NS_GB=mxg-gb-$RUN_ID NS_SB=mxg-sb-$RUN_ID NS_GC=mxg-gc-$RUN_ID
REDIS4=192.0.2.79 REDIS6=2001:db8:7::79 REDIS_PORT=6379 REDIS_USER=mxgate
REDIS_PASS=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
REDIS_PID=
PREFIX=mxg:
MTA_B=203.0.113.225
# The gateways: namespace, server namespace, files, pinned maps, MTA,
# address on the private network, and mxgated's pid.
declare -A G_NS=([a]=$NS_G [b]=$NS_GB [c]=$NS_GC)
declare -A G_SNS=([a]=$NS_S [b]=$NS_SB [c]="")
declare -A G_DIR=([a]=$TMP [b]=$TMP/b [c]=$TMP/c)
declare -A G_PIN=([a]=$PIN [b]=$TMP/b/bpf [c]=$TMP/c/bpf)
declare -A G_MTA=([a]=$MTA4 [b]=$MTA_B [c]="")
declare -A G_BB4=([a]=192.0.2.65 [b]=192.0.2.66 [c]=192.0.2.67)
declare -A G_BB6=([a]=2001:db8:7::a [b]=2001:db8:7::b [c]=2001:db8:7::c)
declare -A G_PID=([b]="" [c]="")

# on G CMD... - CMD (any lib.sh helper: start_postfix, start_mxgated, ctl,
# stat_value, queued_total, lookup_has, send_mail, delivered, mta_saw,
# relayed, log_has...) with lib.sh's single-gateway variables pointing at
# gateway G (a, b or c). A is lib.sh's own gateway: CMD as it is.
on() {
	local g=$1 rc
	shift
	[ "$g" = a ] && { "$@"; return; }
	local NS_G=${G_NS[$g]} NS_S=${G_SNS[$g]} PIN=${G_PIN[$g]} GW_DIR=${G_DIR[$g]} \
		DAEMON_LOG=${G_DIR[$g]}/mxgated.log MAILLOG=${G_DIR[$g]}/maillog \
		MAILBOX=${G_DIR[$g]}/mail/mbox MTA4=${G_MTA[$g]} MXGATED_PID=${G_PID[$g]}
	"$@"
	rc=$?
	G_PID[$g]=$MXGATED_PID
	return "$rc"
}

# cleanup_more - lib.sh's cleanup calls it first: B's and C's daemons,
# rules, notes and namespaces, B's Postfix, Redis, the private bpffs
cleanup_more() {
	local g ns pids
	for g in b c; do
		if [ -n "${G_PID[$g]}" ]; then
			kill -9 "${G_PID[$g]}" 2>/dev/null
			wait "${G_PID[$g]}" 2>/dev/null
		fi
		G_PID[$g]=
	done
	if [ -n "$REDIS_PID" ]; then
		kill -9 "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
		REDIS_PID=
	fi
	[ -f "$TMP/b/postfix/main.cf" ] &&
		in_ns "$NS_SB" postfix -c "$TMP/b/postfix" stop >/dev/null 2>&1
	for ns in "$NS_GB" "$NS_GC"; do
		[ -e "/run/netns/$ns" ] || continue
		rm -f "/run/mxgate/clsact-$(stat -L -c %i "/run/netns/$ns")-"*
		in_ns "$ns" "$REPO/nftables/mxgate-rules" unload >/dev/null 2>&1
	done
	for ns in "$NS_R" "$NS_GB" "$NS_SB" "$NS_GC"; do
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
		[ "${#pids[@]}" -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	for g in b c; do
		mountpoint -q "${G_PIN[$g]}" 2>/dev/null && umount -l "${G_PIN[$g]}"
	done
	return 0
}

# setup_share_network - after setup_network: Redis's namespace and the
# private network (a bridge), gateway B and its MTA's namespace, gateway
# C, their links to the clients and to the private network
setup_share_network() {
	local ns g
	for ns in "$NS_R" "$NS_GB" "$NS_SB" "$NS_GC"; do
		ip netns add "$ns" || return 1
		mkdir -p "/etc/netns/$ns"
		printf 'nameserver %s\n' "$DNS4" > "/etc/netns/$ns/resolv.conf"
		in_ns "$ns" ip link set lo up
	done
	in_ns "$NS_R" ip link add br0 type bridge || return 1
	in_ns "$NS_R" ip addr add "$REDIS4/26" dev br0
	in_ns "$NS_R" ip addr add "$REDIS6/64" dev br0 nodad
	in_ns "$NS_R" ip link set br0 up
	for g in a b c; do
		ip link add bb netns "${G_NS[$g]}" type veth peer "r$g" netns "$NS_R" || return 1
		in_ns "$NS_R" ip link set "r$g" master br0 up
		in_ns "${G_NS[$g]}" ip addr add "${G_BB4[$g]}/26" dev bb
		in_ns "${G_NS[$g]}" ip addr add "${G_BB6[$g]}/64" dev bb nodad
		in_ns "${G_NS[$g]}" ip link set bb up
	done
	# B: its clients' side, the same client addresses on another link.
	ip link add c1 netns "$NS_C" type veth peer gc netns "$NS_GB" || return 1
	in_ns "$NS_C" ip link set c1 up
	in_ns "$NS_C" ip route add "$MTA_B/32" via 198.51.100.2 dev c1 onlink || return 1
	in_ns "$NS_GB" ip addr add 198.51.100.2/24 dev gc
	in_ns "$NS_GB" ip link set gc up
	# B: its MTA's side.
	ip link add gs netns "$NS_GB" type veth peer s0 netns "$NS_SB" || return 1
	in_ns "$NS_GB" ip addr add 203.0.113.129/25 dev gs
	in_ns "$NS_GB" ip link set gs up
	in_ns "$NS_SB" ip addr add "$MTA_B/25" dev s0
	in_ns "$NS_SB" ip link set s0 up
	in_ns "$NS_SB" ip route add default via 203.0.113.129
	in_ns "$NS_GB" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# C: a link on the clients' side for its tc program, nothing behind.
	ip link add c2 netns "$NS_C" type veth peer gc netns "$NS_GC" || return 1
	in_ns "$NS_C" ip link set c2 up
	in_ns "$NS_GC" ip addr add 198.51.100.3/24 dev gc
	in_ns "$NS_GC" ip link set gc up
	# B and C ask nsd through A.
	for g in b c; do
		in_ns "${G_NS[$g]}" ip route add "$DNS4/32" via "${G_BB4[a]}" || return 1
	done
	mkdir -p "$TMP/b" "$TMP/c"
	chmod 755 "$TMP/b" "$TMP/c"	# Postfix runs as user postfix in there
}

# start_redis - a real redis-server in its namespace, on the private
# network, IPv4 and IPv6: an ACL user for the gateways (keys under the
# prefix only), the default user off, nothing persisted (so a restart
# starts empty, as a crashed cache without a dump does)
start_redis() {
	local d=$TMP/redis
	mkdir -p "$d"
	[ -f "$d/redis.conf" ] || cat > "$d/redis.conf" <<-EOC
	port $REDIS_PORT
	bind $REDIS4 $REDIS6
	protected-mode yes
	daemonize no
	save ""
	appendonly no
	dir $d
	logfile $d/redis.log
	user default off
	user $REDIS_USER on >$REDIS_PASS ~${PREFIX}* &* +@all
	EOC
	chmod 600 "$d/redis.conf"
	# Not through a function: $! must be redis-server itself (ip netns
	# exec execs it), so that killing it really kills Redis.
	ip netns exec "$NS_R" redis-server "$d/redis.conf" >>"$d/redis.out" 2>&1 &
	REDIS_PID=$!
	wait_for "redis answers" rcli_is PING PONG
}

# stop_redis - kill it (SIGKILL: a crash; what it held is gone)
stop_redis() {
	[ -n "$REDIS_PID" ] || return 0
	kill -9 "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}

# rcli ARGS... - redis-cli as the gateways' user, raw output
rcli() {
	in_ns "$NS_R" env REDISCLI_AUTH="$REDIS_PASS" redis-cli --raw -h "$REDIS4" \
		-p "$REDIS_PORT" --user "$REDIS_USER" "$@"
}
# rcli_is ARGS... WANT - rcli ARGS prints exactly WANT
rcli_is() {
	local want=${!#}
	[ "$(rcli "${@:1:$#-1}" 2>/dev/null)" = "$want" ]
}
# vkeys [PATTERN] - the verdict keys in Redis (matching PATTERN), sorted
vkeys() { rcli --scan --pattern "${PREFIX}v:${1:-*}" | sort; }
# stream_ks - the k field of every entry of the stream, one a line
stream_ks() {
	rcli XRANGE "${PREFIX}stream" - + |
		awk 'f { print; f = 0; next } $0 == "k" { f = 1 }'
}

# start_share G [extra conf lines] - mxgated on gateway G, sharing
# through Redis (REDIS_AT: its redis_server, default $REDIS4:$REDIS_PORT)
CONF="unknown_client_action = block
greylist_delay = ${DELAY}s
greylist_window = 120s
responder_port = 10025"
start_share() {
	local g=$1 d=${G_DIR[$1]}
	mkdir -p "$d"
	printf '%s\n' "$REDIS_PASS" > "$d/redis.pass"
	chmod 600 "$d/redis.pass"
	on "$g" start_mxgated "$CONF
redis_server = ${REDIS_AT:-$REDIS4:$REDIS_PORT}
redis_user = $REDIS_USER
redis_password_file = $d/redis.pass
redis_cleartext_auth = yes
redis_stream_max = $STREAM_MAX
${2:-}"
}

# share_stat G NAME - one of mxgated's counters on gateway G
share_stat() { on "$1" stat_value "$2"; }
# share_up G - gateway G says its link to Redis is up
share_up() { [ "$(share_stat "$1" share_up)" = 1 ]; }
share_down() { [ "$(share_stat "$1" share_up)" = 0 ]; }
# mctl G ARGS... - mxgatectl with gateway G's configuration
mctl() { in_ns "${G_NS[$1]}" "$BUILD/mxgatectl" -c "${G_DIR[$1]}/mxgate.conf" "${@:2}"; }
# running G - gateway G's mxgated is alive
running() {
	if [ "$1" = a ]; then kill -0 "$MXGATED_PID" 2>/dev/null
	else kill -0 "${G_PID[$1]}" 2>/dev/null; fi
}
# refused G HOST TAG - swaks from HOST through gateway G fails within 5 s
# and G's MTA never sees HOST
refused() {
	! on "$1" send_mail "$2" 4 "$3" 5 && not on "$1" mta_saw "$(v4 "$2")"
}
# verdict_value ACTION REASONS_HEX TTL_S - a verdict as mxgated writes it
# to Redis: "1 v ACTION REASONS_HEX SCORE DECIDED_MS EXPIRES_MS", wall
# clock, action numbers of enum mxg_action (1 pass, 2 block, 3 greylist)
verdict_value() {
	local now
	now=$(date +%s%3N)
	echo "1 v $1 $2 0 $now $((now + $3 * 1000))"
}
# sleep_until T - sleep until wall-clock time T (seconds, with a fraction)
sleep_until() { sleep "$(awk -v t="$1" -v now="$(now_s)" 'BEGIN { s = t - now; print (s > 0 ? s : 0) }')"; }
# list_of G PATTERN - G's verdicts whose address matches the ERE,
# "ADDR ACTION REASONS" a line, sorted
list_of() { on "$1" ctl list | awk -v p="$2" '$1 ~ p { print $1, $2, $3 }' | sort; }

# section NAME - "# NAME" and the seconds since the suite started
T_START=$(now_s)
section() { echo "# $1 ($(awk -v a="$T_START" -v b="$(now_s)" 'BEGIN { printf "%.0f", b - a }') s in)"; }

summary_share() {
	section "done"
	if [ "$E2E_FAILED" -ne 0 ]; then
		echo "--- mxgated a log, share: lines"; grep 'share:' "$DAEMON_LOG" 2>/dev/null | tail -n 40
		for g in b c; do
			echo "--- mxgated $g log (tail)"; tail -n 30 "${G_DIR[$g]}/mxgated.log" 2>/dev/null
		done
		echo "--- redis log (tail)"; tail -n 20 "$TMP/redis/redis.log" 2>/dev/null
	fi
	summary share
}

if ! { setup_network && setup_share_network &&
	add_client $SENDER p2166-ipngn100106kobe.hyogo && add_client $RELAY relay &&
	start_nsd && start_redis && start_postfix && on b start_postfix &&
	start_share a && start_share b && start_sender $SENDER; }; then
	not_ok "test world started"
	summary_share
	exit 1
fi
snd=$(v4 $SENDER) bot=$(v4 $BOT) clean=$(v4 $CLEAN) spare=$(v4 $SPARE)
newbot=$(v4 $NEWBOT) relay=$(v4 $RELAY)

check "A: connected to Redis (share_up 1)" wait_long 15 "A's link up" share_up a
check "B: connected to Redis (share_up 1)" wait_long 15 "B's link up" share_up b
check "A's log: share: ... connected" wait_for "A's connected line" log_has "share:.*connected"
out=$(mctl a status 2>&1)
check "A: status has a sharing: line naming the server, up ($(grep '^sharing:' <<<"$out"))" \
	grep -qE "^sharing:.*$REDIS4:$REDIS_PORT.* up" <<<"$out"
mctl a -j status > "$TMP/status-a.json" 2>/dev/null
check "A: status -j has an object \"sharing\", state up" \
	test "$(python3 "$REPO/tests/e2e/jsonq.py" "$TMP/status-a.json" 'd["sharing"]["state"]')" = up

section "config"
# --- The configuration: no password in clear unless the admin says so;
# the password file is the admin's alone.
mkdir -p "$TMP/t"
# tconf NAME SED - A's configuration changed by SED, as $TMP/t/NAME.conf
tconf() { sed "$2" "$TMP/mxgate.conf" > "$TMP/t/$1.conf"; }
# mxgated_t NAME - mxgated -t on it in A's namespace; sets OUT and RC
mxgated_t() { OUT=$(in_ns "$NS_G" "$BUILD/mxgated" -t -c "$TMP/t/$1.conf" 2>&1); RC=$?; }
tconf clear '/^redis_cleartext_auth/d'
mxgated_t clear
check "-t: a password to $REDIS4 without redis_cleartext_auth is refused, naming the key ($(grep -m 1 -o 'redis_cleartext_auth: [^(]*' <<<"$OUT"))" \
	test "$RC" -ne 0 -a -n "$(grep redis_cleartext_auth <<<"$OUT")"
tconf clearno 's/^redis_cleartext_auth = yes/redis_cleartext_auth = no/'
mxgated_t clearno
check "-t: ... with redis_cleartext_auth = no as well" test "$RC" -ne 0 -a -n "$(grep redis_cleartext_auth <<<"$OUT")"
tconf ok ''
mxgated_t ok
check "-t: with redis_cleartext_auth = yes it is accepted ($(tail -n 1 <<<"$OUT"))" test "$RC" -eq 0
tconf unix "/^redis_cleartext_auth/d; s|^redis_server = .*|redis_server = unix:$TMP/redis/redis.sock|"
mxgated_t unix
check "-t: a Unix socket needs no redis_cleartext_auth ($(tail -n 1 <<<"$OUT"))" test "$RC" -eq 0
tconf loop "/^redis_cleartext_auth/d; s|^redis_server = .*|redis_server = 127.0.0.1:$REDIS_PORT|"
mxgated_t loop
check "-t: nor a loopback address ($(tail -n 1 <<<"$OUT"))" test "$RC" -eq 0
cp -p "$TMP/redis.pass" "$TMP/t/open.pass"
chmod 644 "$TMP/t/open.pass"
tconf open "s|^redis_password_file = .*|redis_password_file = $TMP/t/open.pass|"
mxgated_t open
check "-t: a password file others can read is refused, naming it ($(grep -m 1 open.pass <<<"$OUT"))" \
	test "$RC" -ne 0 -a -n "$(grep "$TMP/t/open.pass" <<<"$OUT")"
chmod 640 "$TMP/t/open.pass"
mxgated_t open
check "-t: ... or its group" test "$RC" -ne 0 -a -n "$(grep "$TMP/t/open.pass" <<<"$OUT")"

section "1. a bot judged at A, refused at B"
# --- 1. A bot judged at A is refused at B; B's daemon never sees it.
t1=$(now_s)
on a send_mail $BOT 4 bot-a 5 &
pid=$!
wait_for "the key" rcli_is EXISTS "${PREFIX}v:$bot" 1
t2=$(now_s)
wait_for "B's verdict" on b lookup_has "$bot" " block "
t3=$(now_s)
wait "$pid"
check "A: the bot $bot (no PTR) is refused" not mta_saw "$bot"
check "A: its verdict is a block, S25R rule 0" lookup_has "$bot" " block reasons=s25r0"
check "Redis holds it ($(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s after the bot's first SYN): ${PREFIX}v:$bot" \
	rcli_is EXISTS "${PREFIX}v:$bot" 1
echo "# B had it in its map $(awk -v a="$t1" -v b="$t3" 'BEGIN { printf "%.2f", b - a }') s after the bot's first SYN (mxgatectl polled every 0.1 s)"
check "... its value starts with \"1 \"" grep -q '^1 ' <<<"$(rcli GET "${PREFIX}v:$bot")"
check "... with a TTL (its expiry)" test "$(rcli PTTL "${PREFIX}v:$bot")" -gt 0
check "... in the stream" grep -qx "v:$bot" <<<"$(stream_ks)"
check "B: learns it (lookup: block, rule 0)" wait_for "B's verdict" on b lookup_has "$bot" " block reasons=s25r0"
q=$(on b queued_total) u=$(share_stat b unknown) s=$(share_stat b syn)
check "B: the bot is refused" refused b $BOT bot-b
check "B: its SYNs reached B's tc program (syn $s -> $(share_stat b syn))" \
	test "$(share_stat b syn)" -gt "$s"
check "B: ... none was left to NFQUEUE (unknown $u -> $(share_stat b unknown))" \
	test "$(share_stat b unknown)" -eq "$u"
check "B: ... nor queued to B's daemon (queued $q -> $(on b queued_total))" \
	test "$(on b queued_total)" -eq "$q"

section "2. greylisted at A, promoted at B"
# --- 2. A real sender greylisted at A retries at B after the delay:
# promoted at B at its first retry there, delivered; A sees the pass.
cf=$TMP/sender-$SENDER/etc
t0=$(now_s)
sender_submit $SENDER gl
check "the sending Postfix took the message ($(queue_id gl))" test -n "$(queue_id gl)"
check "its first attempt (to A) is deferred with A's 450" \
	wait_long 20 "a deferral" sender_has $SENDER gl 'status=deferred .*450 4\.7\.1 .*S25R check, be patient'
stop_sender $SENDER
check "A: greylisted, S25R rule 1" lookup_has "$snd" " greylist reasons=s25r1,fcrdns "
check "A's MTA never saw it" not mta_saw "$snd"
check "B: holds A's clock (lookup: greylist)" wait_for "B's greylist" on b lookup_has "$snd" " greylist reasons=s25r1,fcrdns "
sed -i "s|^relayhost = .*|relayhost = [$MTA_B]|" "$cf/main.cf"
sleep_until "$(awk -v t="$t0" -v d=$DELAY 'BEGIN { printf "%.3f", t + d + 1 }')"
q=$(on b queued_total) gl_first=$(share_stat b greylist_first)
in_ns "$NS_C" postfix -c "$cf" start >/dev/null 2>&1
in_ns "$NS_C" postqueue -c "$cf" -f
check "after the delay it retries at B and is delivered by B's MTA" \
	wait_long 20 "relayed by B" on b relayed $SENDER gl
check "... at its first retry at B (one deferral in all: $(sender_deferrals $SENDER gl))" \
	test "$(sender_deferrals $SENDER gl)" -eq 1
check "... promoted in B's kernel on A's clock: no new clock at B" \
	test "$(share_stat b greylist_first)" -eq "$gl_first"
check "... its SYN never queued to B's daemon (queued $q -> $(on b queued_total))" \
	test "$(on b queued_total)" -eq "$q"
check "B: lookup pass, retried" on b lookup_has "$snd" " pass reasons=s25r1,fcrdns,retried "
check "B's log: the promotion" wait_for "B's promotion" on b log_has "promoted .*client=$snd .*retried"
check "A: sees the promotion (lookup pass, retried)" \
	wait_for "A's pass" lookup_has "$snd" " pass reasons=s25r1,fcrdns,retried "
check "Redis holds the pass" grep -q '^1 v 1 ' <<<"$(rcli GET "${PREFIX}v:$snd")"
check "A's MTA never saw it" not mta_saw "$snd"

section "3. manual block at A, held at B"
# --- 3. The admin's block at A holds at B; forget at A lifts it at B.
on b send_mail $CLEAN 4 clean-b1
check "B: the clean sender $clean is delivered" on b delivered clean-b1
out=$(mctl a block 198.51.100.8/29 1h shared block 2>&1)
check "A: block 198.51.100.8/29 ($out)" grep -q '^198\.51\.100\.8/29 block reasons=manual' <<<"$out"
t1=$(now_s)
# manual_value - what Redis holds for the /29
manual_value() { rcli GET "${PREFIX}m:198.51.100.8/29"; }
manual_is_block() { grep -q '^1 m 2 ' <<<"$(manual_value)"; }
check "Redis holds it: ${PREFIX}m:198.51.100.8/29, a block" \
	wait_for "the manual key" manual_is_block
manual_at() { mctl "$1" list --manual | grep -q "^198\.51\.100\.8/29 block reasons=manual"; }
wait_for "B's manual block" manual_at b
t2=$(now_s)
check "B: the block is in its manual map within 3 s ($(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s)" \
	elapsed_ge "$t2" "$t1" -3
check "B: ... with its comment" grep -q 'comment="shared block"' <<<"$(mctl b list --manual)"
n=$(on b mta_connects "$clean")
# (refused() also asks that B's MTA never saw it: it did, before the block)
check "B: the clean sender is refused now" not on b send_mail $CLEAN 4 clean-b2 5
check "B: ... it never reached B's MTA again ($n connects)" test "$(on b mta_connects "$clean")" -eq "$n"
check "A: refused there too" refused a $SPARE spare-a1
out=$(mctl a forget 198.51.100.8/29 2>&1)
check "A: forget 198.51.100.8/29 ($out)" grep -q '^198\.51\.100\.8/29 forgotten' <<<"$out"
forgotten() { [ -z "$(manual_value)" ] || grep -q '^1 m 0 ' <<<"$(manual_value)"; }
check "Redis: the manual key is gone, or a tombstone ($(manual_value | cut -c1-40))" \
	wait_for "no manual block" forgotten
check "B: the block is lifted" wait_for "B's manual map empty" not manual_at b
on b send_mail $CLEAN 4 clean-b3
check "B: the clean sender is delivered again" on b delivered clean-b3

section "4. Redis killed and restarted"
# --- 4. Redis killed: both keep filtering and queue what they learn;
# restarted (empty), each learns the other's verdicts; nothing dropped,
# nothing written twice.
stop_redis
check "Redis killed: A sees its link down" wait_long 15 "A's link down" share_down a
check "... B too" wait_long 15 "B's link down" share_down b
check "A's log: share: ... lost" wait_for "A's lost line" log_has "share:.*lost"
check "A: status says sharing ... down" grep -qE '^sharing:.* down' <<<"$(mctl a status 2>&1)"
check "down: the known bot is refused at A" refused a $BOT bot-a2
check "down: ... and at B" refused b $BOT bot-b2
q=$(on b queued_total)
on b send_mail $SENDER 4 known-b
check "down: the known sender is delivered at B" on b delivered known-b
on a send_mail $SENDER 4 known-a
check "down: ... and at A" delivered known-a
check "down: ... neither SYN queued to a daemon at B (queued $q -> $(on b queued_total))" \
	test "$(on b queued_total)" -eq "$q"
qa0=$(share_stat a share_queue) qb0=$(share_stat b share_queue)
send_mail $SPARE 4 new-a
check "down: a new sender ($spare) is judged at A and delivered" delivered new-a
check "down: ... A's verdict: pass" lookup_has "$spare" " pass "
check "down: a new bot ($newbot) is judged at A and refused" refused a $NEWBOT newbot-a
check "down: ... A's verdict: block" lookup_has "$newbot" " block "
on b send_mail $RELAY 4 new-b
check "down: a new sender ($relay) is judged at B and delivered" on b delivered new-b
check "down: ... B's verdict: pass" on b lookup_has "$relay" " pass "
# stat_ge G NAME N - G's counter NAME is at least N (the daemon copies
# its counts and gauges to the map once a second: waited for)
stat_ge() { [ "$(share_stat "$1" "$2")" -ge "$3" ]; }
wait_for "A's queue" stat_ge a share_queue $((qa0 + 2))
wait_for "B's queue" stat_ge b share_queue $((qb0 + 1))
qa=$(share_stat a share_queue) qb=$(share_stat b share_queue)
check "down: A queued its two new verdicts (share_queue $qa0 -> $qa)" test "$qa" -ge $((qa0 + 2))
check "down: B queued its new verdict (share_queue $qb0 -> $qb)" test "$qb" -ge $((qb0 + 1))
check "down: B has not heard of A's new verdicts" not on b ctl lookup "$spare"
check "A's status shows the queue" grep -qE "^sharing:.* queue $qa\b" <<<"$(mctl a status 2>&1)"
sa=$(share_stat a share_sent) sb=$(share_stat b share_sent)
start_redis || not_ok "Redis started again"
check "Redis back: A reconnects (share_up 1)" wait_long 40 "A's link up" share_up a
check "... B too" wait_long 40 "B's link up" share_up b
check "B: learns A's new pass" wait_for "B: $spare" on b lookup_has "$spare" " pass "
check "B: ... and A's new block" wait_for "B: $newbot" on b lookup_has "$newbot" " block "
check "A: learns B's new pass" wait_for "A: $relay" lookup_has "$relay" " pass "
check "A: queue replayed (share_queue $(share_stat a share_queue))" wait_for "A's queue" test "$(share_stat a share_queue)" -eq 0
check "B: queue replayed (share_queue $(share_stat b share_queue))" wait_for "B's queue" test "$(share_stat b share_queue)" -eq 0
check "A: nothing dropped (share_dropped $(share_stat a share_dropped))" test "$(share_stat a share_dropped)" -eq 0
check "B: nothing dropped (share_dropped $(share_stat b share_dropped))" test "$(share_stat b share_dropped)" -eq 0
check "A: sent what it queued (share_sent $sa -> $(share_stat a share_sent), queue was $qa)" \
	test "$(share_stat a share_sent)" -ge $((sa + qa))
check "B: sent what it queued (share_sent $sb -> $(share_stat b share_sent), queue was $qb)" \
	test "$(share_stat b share_sent)" -ge $((sb + qb))
ks=$(stream_ks)
# stream_values K - the values of the stream's entries for key suffix K
stream_values() {
	rcli XRANGE "${PREFIX}stream" - + |
		awk -v k="$1" '$0 == "k" { getline; key = $0; next }
			$0 == "v" { getline; if (key == k) print }'
}
for a in "$spare" "$newbot" "$relay"; do
	n=$(grep -cx "v:$a" <<<"$ks")
	check "Redis: ${PREFIX}v:$a once in the stream ($n)" test "$n" -eq 1
	[ "$n" -eq 1 ] || stream_values "v:$a" | sed 's/^/#   /'
done
# Both offered what they hold to the empty Redis: every key came with its
# stream entry (one atomic step), and none twice, but for the promoted
# sender, whose pass each gateway's kernel renewed at its last visit (a
# later expiry wins: share_value.h).
nk=$(vkeys | grep -c .) nd=$(grep '^v:' <<<"$ks" | sort -u | grep -c .)
dups=$(grep '^v:' <<<"$ks" | grep -vx "v:$snd" | sort | uniq -d | tr '\n' ' ')
check "Redis: every verdict key has its stream entry ($nk keys, $nd in the stream, $(grep -c . <<<"$ks") entries)" \
	test "$nk" -eq "$nd"
check "Redis: no verdict written twice (${dups:-none})" test -z "$dups"

section "B away and back"
# --- B away for a while: back, it catches up from the stream where it
# left it (state_dir/share.last_id), without reading every key.
check "B keeps its place in the stream (state_dir/share.last_id)" \
	wait_for "B's last id" test -s "$TMP/b/state/share.last_id"
check "... and never failed to write it" not grep -q 'share:.*cannot keep' "$TMP/b/mxgated.log"
r0=$(share_stat b share_resyncs)
on b stop_mxgated 15
badptr=$(v4 $BADPTR)
check "B stopped: A judges a new bot ($badptr, a PTR that is no name)" refused a $BADPTR badptr-a
check "... A's verdict: block" lookup_has "$badptr" " block "
lb=$(wc -l < "$TMP/b/mxgated.log")
start_share b || not_ok "B started again"
check "B back: learns A's verdict made while it was away" \
	wait_long 15 "B: $badptr" on b lookup_has "$badptr" " block "
check "... from the stream, not by reading every key (share_resyncs $r0 -> $(share_stat b share_resyncs))" \
	test "$(share_stat b share_resyncs)" -eq "$r0"
check "... its log has no full read since its restart" \
	not grep -q 'share:.* read [0-9]* key(s)' <<<"$(tail -n +"$((lb + 1))" "$TMP/b/mxgated.log")"

section "6. bad input from Redis"
# --- 6. Bad input from Redis is logged and skipped.
ba=$(share_stat a share_bad) bb=$(share_stat b share_bad)
la=$(wc -l < "$DAEMON_LOG") lb=$(wc -l < "$TMP/b/mxgated.log")
BAD1=198.51.100.201 BAD2=198.51.100.202 BAD3=198.51.100.203 BAD4=198.51.100.204 BAD5=198.51.100.205
GOOD=198.51.100.210
# xadd K V - an entry in the stream as a writer from elsewhere ("test")
xadd() { rcli XADD "${PREFIX}stream" '*' k "$1" v "$2" o test >/dev/null; }
rcli SET "${PREFIX}v:$BAD1" "1 v banana" >/dev/null
xadd "v:$BAD1" "1 v banana"
rcli HSET "${PREFIX}v:$BAD2" action 2 >/dev/null
rcli XADD "${PREFIX}stream" '*' k "v:$BAD2" o test >/dev/null	# no v
rcli XADD "${PREFIX}stream" '*' k "v:$BAD3" >/dev/null		# k alone
rcli XADD "${PREFIX}stream" '*' v "$(verdict_value 2 1 3600)" o test >/dev/null	# no k
head -c 1048576 /dev/zero | tr '\0' 7 | sed "s/^/$(verdict_value 2 1 3600) /" > "$TMP/huge"
rcli -x SET "${PREFIX}v:$BAD4" < "$TMP/huge" >/dev/null
rcli -x XADD "${PREFIX}stream" '*' k "v:$BAD4" o test v < "$TMP/huge" >/dev/null
check "Redis took a 1 MB value ($(rcli STRLEN "${PREFIX}v:$BAD4") bytes)" \
	test "$(rcli STRLEN "${PREFIX}v:$BAD4")" -ge 1048576
xadd "v:$BAD5" "$(verdict_value 9 1 3600)"			# no such action
xadd "v:not-an-address" "$(verdict_value 2 1 3600)"
xadd "v:198.51.100.0/33" "$(verdict_value 2 1 3600)"
good=$(verdict_value 2 1 3600)
rcli SET "${PREFIX}v:$GOOD" "$good" PX 3600000 >/dev/null
xadd "v:$GOOD" "$good"
for g in a b; do
	check "$g: a good update after the bad ones is applied (lookup $GOOD: block)" \
		wait_for "$g: $GOOD" on $g lookup_has "$GOOD" " block reasons=s25r0"
	for a in $BAD1 $BAD2 $BAD3 $BAD4 $BAD5; do
		check "$g: no entry for $a" not on $g ctl lookup "$a"
	done
	check "$g: mxgated still running" running $g
	check "$g: still answers mxgatectl" on $g ctl stats
done
wait_for "A's count" stat_ge a share_bad $((ba + 8))
wait_for "B's count" stat_ge b share_bad $((bb + 8))
check "A: every bad entry counted (share_bad $ba -> $(share_stat a share_bad), 8 sent)" \
	test "$(share_stat a share_bad)" -ge $((ba + 8))
check "B: every bad entry counted (share_bad $bb -> $(share_stat b share_bad), 8 sent)" \
	test "$(share_stat b share_bad)" -ge $((bb + 8))
check "A's log: share: ... bad entry, rate-limited ($(tail -n +"$((la + 1))" "$DAEMON_LOG" | grep -c 'share:.*bad') line(s))" \
	test "$(tail -n +"$((la + 1))" "$DAEMON_LOG" | grep -c 'share:.*bad')" -ge 1 -a \
	"$(tail -n +"$((la + 1))" "$DAEMON_LOG" | grep -c 'share:.*bad')" -le 10
check "B's log: share: ... bad entry" \
	test "$(tail -n +"$((lb + 1))" "$TMP/b/mxgated.log" | grep -c 'share:.*bad')" -ge 1
check "A: still connected" share_up a
check "B: still connected" share_up b

section "5. a third gateway after 1,000 verdicts"
# --- 5. A third gateway started after 1,000 verdicts, the stream trimmed,
# converges to the same map contents.
mac=$(in_ns "$NS_G" cat /sys/class/net/gc/address)
in_ns "$NS_C" "$BUILD/syn_flood" c0 "$mac" 2001:db8:c:: "$MTA6" 25 $FLOOD_FIRST 250 4 seq \
	> "$TMP/flood.out" 2>&1
check "$FLOOD_N spoofed sources sent to A ($(cat "$TMP/flood.out"))" test "$(flood_field sent)" -eq $FLOOD_N
flood_re='^2001:db8:c::1:[0-9a-f]+$'
nflood() { on "$1" ctl list | grep -cE "^2001:db8:c::1:[0-9a-f]+ "; }
check "A: judged them all" wait_long 30 "A's verdicts" test "$(nflood a)" -eq $FLOOD_N
check "Redis: $FLOOD_N verdict keys for them" \
	wait_long 30 "the keys" test "$(vkeys '2001:db8:c::1:*' | grep -c .)" -eq $FLOOD_N
check "B: learned them all" wait_long 30 "B's verdicts" test "$(nflood b)" -eq $FLOOD_N
xlen=$(rcli XLEN "${PREFIX}stream")
check "the stream was trimmed (XLEN $xlen < $FLOOD_N, redis_stream_max $STREAM_MAX)" test "$xlen" -lt $FLOOD_N
REDIS_AT="[$REDIS6]:$REDIS_PORT" start_share c || not_ok "C started"
check "C: connected over IPv6 to [$REDIS6]:$REDIS_PORT" wait_long 15 "C's link up" share_up c
check "C: converges to A's $FLOOD_N verdicts" wait_long 30 "C's verdicts" test "$(nflood c)" -eq $FLOOD_N
check "C: the same addresses, actions and reasons as A" \
	test "$(list_of c "$flood_re" | md5sum)" = "$(list_of a "$flood_re" | md5sum)"
check "C: ... and as B" test "$(list_of c "$flood_re" | md5sum)" = "$(list_of b "$flood_re" | md5sum)"
# Every good verdict key in Redis is in C's map, and nothing else.
want=$(vkeys | sed "s/^${PREFIX}v://" | grep -vxE "$BAD1|$BAD2|$BAD4" | sort)
have=$(on c ctl list | awk '{ print $1 }' | sort)
check "C: its map holds exactly Redis's good verdict keys ($(grep -c . <<<"$want") keys, $(grep -c . <<<"$have") entries)" \
	test "$want" = "$have"
check "C: the sender's promotion, from before Redis lost its data (offered again)" \
	on c lookup_has "$snd" " pass reasons=s25r1,fcrdns,retried "
check "C: A's and B's verdicts from the outage" \
	test -n "$(on c ctl lookup "$spare" | grep ' pass ')" -a -n "$(on c ctl lookup "$relay" | grep ' pass ')"
for a in $BAD1 $BAD2 $BAD4; do
	check "C: the bad key ${PREFIX}v:$a skipped (no entry)" not on c ctl lookup "$a"
done
check "C: read every key (share_resyncs $(share_stat c share_resyncs))" test "$(share_stat c share_resyncs)" -ge 1
wait_for "C's count" stat_ge c share_bad 3
check "C: the bad keys counted, the hash too (share_bad $(share_stat c share_bad) >= 3)" test "$(share_stat c share_bad)" -ge 3
check "C: the good key written by hand applied" on c lookup_has "$GOOD" " block "
# expires_in G ADDR - seconds G's verdict for ADDR has left
expires_in() { on "$1" ctl lookup "$2" | sed -n 's/.* expires_in=\([0-9]*\)s.*/\1/p' | head -n 1; }
ea=$(expires_in a 2001:db8:c::1:0) ec=$(expires_in c 2001:db8:c::1:0)
check "C: the expiry carried over (A: ${ea:-?} s, C: ${ec:-?} s left)" \
	test -n "$ea" -a -n "$ec" -a "${ea:-0}" -le $((${ec:-0} + 2)) -a "${ec:-0}" -le $((${ea:-0} + 2))
check "C: mxgated running" running c
for g in a b c; do
	check "$g: nothing dropped (share_dropped $(share_stat $g share_dropped))" test "$(share_stat $g share_dropped)" -eq 0
done

stop_sender $SENDER
summary_share
