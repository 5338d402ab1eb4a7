#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_memory.sh - memory per tracked source: the kernel's verdicts map
# (memlock, as bpftool reports it) and mxgated's resident set (VmRSS,
# RssAnon, RssFile from /proc/PID/status) with max_sources = 1048576 and
# 1M learned sources (pinned map and on-disk store filled by mem_fill,
# then a restart; then a "reboot": the map gone, 1M restored from disk),
# and with max_pending full of lookups that DNS never answers.
#
# A real mxgated runs in namespaces of our own (gateway, and a client
# that sends the SYNs), with its own bpffs, pin_dir, state_dir, config
# and nftables rules; documentation addresses only. Everything is
# removed on exit, also on failure or ^C.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
N=${MEM_SOURCES:-1000000}
MAX_SOURCES=1048576
MAXP=4096		# max_pending: the default (daemon/config.c)
FLOOD_EXTRA=2000	# SYNs from new sources beyond max_pending

for f in mxgated mem_fill; do
	[ -x "$BUILD/$f" ] || { echo "bench_memory: $BUILD/$f missing (make bench builds it)" >&2; exit 1; }
done
for t in bpftool ip nft; do
	command -v "$t" >/dev/null || { echo "bench_memory: $t not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench_memory: needs root" >&2; exit 1; }

NS_G=mxg-memg-$$
NS_C=mxg-memc-$$
TMP=$(mktemp -d /tmp/mxgate-mem.XXXXXX)
PIN=$TMP/bpf
LOG=$TMP/mxgated.log
PID=

cleanup() {
	if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
	ip netns exec "$NS_G" "$REPO/nftables/mxgate-rules" unload >/dev/null 2>&1
	for ns in "$NS_G" "$NS_C"; do
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
		[ "${#pids[@]}" -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	mountpoint -q "$PIN" 2>/dev/null && umount -l "$PIN"
	rm -rf "$TMP"
	PID=
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

fail() { echo "bench_memory: $*" >&2; [ -f "$LOG" ] && tail -n 20 "$LOG" >&2; exit 1; }
g() { ip netns exec "$NS_G" "$@"; }
c() { ip netns exec "$NS_C" "$@"; }

# The gateway (g0, tc ingress, rules, mxgated) and a client (c0). DNS goes
# to 198.51.100.53, routed to the client, which does not forward: every
# query vanishes, as with a DNS server that never answers.
ip netns add "$NS_G" && ip netns add "$NS_C" || fail "cannot create namespaces"
ip link add g0 netns "$NS_G" type veth peer c0 netns "$NS_C" || fail "veth"
g ip link set lo up; c ip link set lo up
g ip addr add 192.0.2.1/24 dev g0
g ip addr add 2001:db8:1::1/64 dev g0 nodad
c ip addr add 192.0.2.2/24 dev c0
c ip addr add 2001:db8:1::2/64 dev c0 nodad
g ip link set g0 up; c ip link set c0 up
g ip route add 198.51.100.53/32 via 192.0.2.2
g ip -6 route add 2001:db8:2::/64 via 2001:db8:1::2
mkdir -p "$PIN" "$TMP/state" "$TMP/countries.d"
mount -t bpf bpf "$PIN" || fail "cannot mount bpffs"

cat > "$TMP/mxgate.conf" <<EOC
interfaces = g0
ports = 25
queue = 0
dns_servers = 198.51.100.53
pin_dir = $PIN
state_dir = $TMP/state
pid_file = $TMP/mxgated.pid
countries_dir = $TMP/countries.d
rules_cmd = $REPO/nftables/mxgate-rules
decision_timeout = 60s
max_sources = $MAX_SOURCES
max_pending = $MAXP
# Memory of a full table: every source is in one /64, and no DNS budget.
max_pending_per_prefix = 1000000
dns_max_qps = 1000000
EOC

start() {
	local before _
	before=$(grep -c ' ready' "$LOG" 2>/dev/null)
	# Not through g(): $! must be mxgated itself (ip netns exec execs it).
	ip netns exec "$NS_G" "$BUILD/mxgated" -f -c "$TMP/mxgate.conf" >>"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 1 600); do
		[ "$(grep -c ' ready' "$LOG")" -gt "${before:-0}" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "mxgated did not start"
}
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=; }
# kib FIELD - a /proc/PID/status field of mxgated, in KiB
kib() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# memlock NAME - bytes the kernel charges for a pinned map
memlock() { bpftool map show pinned "$PIN/$1" | sed -n 's/.*memlock \([0-9]*\)B.*/\1/p'; }

declare -a ROWS
row() { ROWS+=("$(printf '%-46s %12s %12s %8s' "$1" "$2" "$3" "$4")"); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rss_rows() {	# rss_rows LABEL BASE_KIB: VmRSS vs the idle daemon, anon, file
	local rss anon file
	rss=$(kib VmRSS) anon=$(kib RssAnon) file=$(kib RssFile)
	row "$1: VmRSS MiB" "$(mib "$rss")" "$(mib "$2")" "$(ratio "$rss" "$2")"
	row "   RssAnon / RssFile MiB" "$(mib "$anon") / $(mib "$file")" "" ""
	row "   VmRSS vs target 200 MiB" "$(mib "$rss")" "200" "$(ratio "$rss" $((200 * 1024)))"
}

# 1. Idle daemon, empty map and store: the baseline.
start
IDLE=$(kib VmRSS)

# 2. The kernel map: preallocated, so memlock is the same full or empty.
filled=$("$BUILD/mem_fill" map "$PIN" "$N") || fail "cannot fill the verdicts map"
[ "$filled" -ge $((N * 99 / 100)) ] || fail "only $filled of $N entries stayed in the map"
ML=$(memlock verdicts) TML=$(memlock throttle)
[ -n "$ML" ] || fail "bpftool map show gives no memlock"
row "verdicts map memlock, B per max_sources" "$(ratio "$ML" $MAX_SOURCES)" "128" "$(ratio "$(ratio "$ML" $MAX_SOURCES)" 128)"
row "verdicts map memlock, B per entry held" "$(ratio "$ML" "$filled")" "128" "$(ratio "$(ratio "$ML" "$filled")" 128)"
row "   (memlock MiB; entries held)" "$(mib $((ML / 1024)))" "$filled" ""
row "throttle map memlock, B per entry (65536)" "$(ratio "$TML" 65536)" "" ""
rss_rows "map full, daemon running" "$IDLE"

# 3. The same sources learned on disk too, then a restart.
stop
"$BUILD/mem_fill" store "$TMP/state" "$N" || fail "cannot fill the store"
STORE_KIB=$(du -k "$TMP/state/verdicts.lmdb" | cut -f1)
t0=$(date +%s.%N); start; t1=$(date +%s.%N)
row "store on disk, MiB (B per source)" "$(mib "$STORE_KIB")" "$(ratio $((STORE_KIB * 1024)) "$N")" ""
rss_rows "restart, map + store full" "$IDLE"
row "   start to ready, s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" "" ""

# 4. A reboot: the map is gone, 1M verdicts come back from disk.
stop
rm -f "$PIN/verdicts"
t0=$(date +%s.%N); start; t1=$(date +%s.%N)
restored=$(sed -n 's/.*state: \([0-9]*\) verdict(s) restored.*/\1/p' "$LOG" | tail -n 1)
rss_rows "after reboot, $restored restored" "$IDLE"
row "   start to ready, s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" "" ""

# 5. Lookups that DNS never answers, from new sources. Each pending lookup
# holds its SYN in the kernel's NFQUEUE (queue_total in
# /proc/net/netfilter/nfnetlink_queue, at most 1024 by default); a SYN the
# queue cannot take is let through (mxgated sets NFQA_CFG_F_FAIL_OPEN), so
# it reaches the closed port 25 here and gets a reset (Tcp OutRsts).
held() { g awk '$1 == 0 { print $3 }' /proc/net/netfilter/nfnetlink_queue; }
rsts() { g awk '$1 == "Tcp:" { if (!h) { for (i = 1; i <= NF; i++) if ($i == "OutRsts") c = i; h = 1 } else print $c }' /proc/net/snmp; }
flood() {	# flood LABEL SYNS: SYNs from SYNS new sources, then the figures
	local before r0 after
	before=$(kib VmRSS) r0=$(rsts)
	c "$BUILD/mem_fill" syn 2001:db8:1::1 "$2" 100 || fail "cannot send SYNs"
	sleep 2
	after=$(kib VmRSS)
	row "$1: VmRSS MiB" "$(mib "$after")" "$(mib "$before")" "$(ratio "$after" "$before")"
	row "   $2 new sources: held / passed unjudged" "$(held) / $(($(rsts) - r0))" "" ""
	row "   overload warning logged" "$(grep -q 'overload: .*(max_pending)' "$LOG" && echo yes || echo no)" "" ""
}
flood "max_pending $MAXP (default)" $((MAXP + FLOOD_EXTRA))
# 6. The cap itself, below the queue's: max_pending 512.
stop
sed -i "s/^max_pending = .*/max_pending = 512/" "$TMP/mxgate.conf"
start
flood "max_pending 512" 2000

echo "mxgated, max_sources $MAX_SOURCES, $N sources (2001:db8:iiii:iiii::20); one run"
printf '%-46s %12s %12s %8s\n' "figure" "value" "baseline" "ratio"
printf '%s\n' "${ROWS[@]}"
echo "baselines: 128 B/source and 200 MiB are the targets; the RSS baseline is the"
echo "idle daemon (empty map and store, same run, $(mib "$IDLE") MiB)"
