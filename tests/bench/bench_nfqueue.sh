#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_nfqueue.sh - new-source throughput through NFQUEUE: the real
# mxgated on a gateway namespace (tc program, nftables/iptables-nft queue
# rule from mxgate-rules, c-ares against a local nsd with two DNS lists),
# fed TCP SYNs to port 25 from distinct IPv6 sources (2001:db8:100::/48,
# tests/bench/syn_flood.c) at rising rates. Per step:
#
#   offered/s   SYNs the generator sent, per second of sending
#   queued      packets NFQUEUE handed to mxgated (id_sequence delta)
#   classified  verdict lines mxgated logged for the step's sources
#   class/s     verdicts logged during the sending window, per second
#   cpu_us/cl   mxgated utime+stime (/proc/PID/stat) over the step and its
#               drain, divided by classified
#   ovh p50/p99 overhead_us of the verdict lines: what the daemon adds to
#               a SYN's wait, DNS time excluded (arrival in on_packet to
#               lookups started, plus last answer to SYN released)
#   tot p50/p99 elapsed_ms of the same lines: first SYN queued to the
#               verdict, DNS included (1 ms resolution)
#   dns_tmo     verdicts with fcrdns=tempfail: a DNS answer lost or late
#               (c-ares retries after decision_timeout/3 = 1667 ms)
#   qdrop/udrop nfnetlink_queue queue_dropped / user_dropped deltas (0
#               with fail-open: the kernel lets such SYNs through instead)
#   bypass      step SYNs that reached the server unjudged (fail-open on
#               a full queue or socket, pending table full, daemon gone);
#               every classified source is blocked, so any SYN there
#               was not judged
#
# The sources' PTR is a wildcard (host.pool.bench.example), whose AAAA is
# another address: FCrDNS fails, S25R rule 0, and unknown_client_action
# (MXG_BENCH_ACTION, default block) decides; blocked SYNs are dropped at
# once, so the gateway's TCP stack and conntrack stay out of the numbers.
# MXG_BENCH_ACTION=greylist measures the seeds' default instead (each
# verdict also written to LMDB, SYNs redirected to the responder).
# Four DNS queries a source: PTR, AAAA, and one per list (NXDOMAIN).
#
# Pinning (BENCH_PIN=0 turns it off): mxgated on CPU 1; nsd, the
# generator (and so the softirq work of its frames) on CPU 0.
# Environment: BENCH_RATES (default "1000 2000 5000 10000 20000"),
# BENCH_SECONDS per step (default 4), BENCH_KEEP_LOG (copy the daemon's
# log there), BUILD.
# shellcheck disable=SC2016 # awk programs and zone text: no shell expansion meant
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

RATES=${BENCH_RATES:-1000 2000 5000 10000 20000}
SECONDS_PER_STEP=${BENCH_SECONDS:-4}
ACTION=${MXG_BENCH_ACTION:-block}
PIN_CPUS=${BENCH_PIN:-1}
SRC_PREFIX=2001:db8:100::
SRC_ZONE=0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa	# 2001:db8:100::/48
GEN=$BUILD/syn_flood

die() { echo "bench nfqueue: $*" >&2; exit 1; }

[ -x "$GEN" ] || die "$GEN missing (make BUILD=$BUILD $GEN)"
[ -x "$BUILD/mxgated" ] || die "$BUILD/mxgated missing (make)"

# bench_zones - wildcard PTR for the sources, the name's AAAA, two lists
# that answer their probe (127.0.0.2 listed) and NXDOMAIN for clients
bench_zones() {
	local z=$TMP/zones soa
	soa='$TTL 60
@ IN SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 60
@ IN NS ns.test.example.'
	mkdir -p "$z"
	printf '%s\n* IN PTR host.pool.bench.example.\n' "$soa" > "$z/$SRC_ZONE"
	printf '%s\nhost.pool IN AAAA 2001:db8:5::99\n' "$soa" > "$z/bench.example"
	for l in bl1 bl2; do
		printf '%s\n2.0.0.127 IN A 127.0.0.2\n' "$soa" > "$z/$l.bench.example"
	done
}

# proc_cpu_ticks PID - utime + stime, clock ticks
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# nfq_counters - "queue_dropped user_dropped id_sequence" of queue 0
nfq_counters() {
	in_ns "$NS_G" awk '$1 == 0 { print $6, $7, $8; f = 1 } END { if (!f) print 0, 0, 0 }' \
		/proc/net/netfilter/nfnetlink_queue
}

# bypassed - bench SYNs that reached the server namespace
bypassed() {
	in_ns "$NS_S" nft list chain inet bench in |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# verdicts - verdict lines mxgated logged so far
verdicts() { grep -c 'verdict action=' "$DAEMON_LOG"; }

# pct FILE P - the P-th percentile of the numbers in FILE (nearest rank)
pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}

setup_network || die "cannot set up the namespaces"
# Return path for the sources (SYN-ACKs or resets of unjudged SYNs), and
# a counter of the bench SYNs that get through to the server.
in_ns "$NS_G" ip -6 route add 2001:db8:100::/48 via "$(v6 "$CLEAN")" dev gc
in_ns "$NS_S" nft add table inet bench
in_ns "$NS_S" nft add chain inet bench in '{ type filter hook input priority 0; }'
in_ns "$NS_S" nft add rule inet bench in ip6 saddr 2001:db8:100::/48 tcp dport 25 counter
bench_zones
start_nsd || die "nsd did not start"
# Capacity, not overload (bench_flood.sh measures that): the DNS budget
# and the per-/64 share are lifted (every source is in one /64), and a
# source mxgated cannot take passes unjudged, as before issue 11, so that
# the bypass column keeps its meaning.
start_mxgated "dnsbl_sites = bl1.bench.example=127.0.0.[2..11]*3, bl2.bench.example*2
unknown_client_action = $ACTION
dns_max_qps = 1000000
max_pending_per_prefix = 1000000
overload_action = pass" || die "mxgated did not start"
wait_for "list probes" sh -c "[ \$(grep -c 'passes its probe' '$DAEMON_LOG') -ge 2 ]" ||
	die "the DNS lists did not pass their probes"

GEN_CPU=()
if [ "$PIN_CPUS" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	taskset -pc 1 "$MXGATED_PID" >/dev/null
	for p in $(ip netns pids "$NS_S"); do taskset -pc 0 "$p" >/dev/null; done
	GEN_CPU=(taskset -c 0)
	pinning="mxgated on CPU 1; nsd, generator on CPU 0"
else
	pinning="not pinned"
fi
GW_MAC=$(in_ns "$NS_G" cat /sys/class/net/gc/address)
rules=$(grep -o 'mxgate-rules: [^;]*' "$DAEMON_LOG" | head -n 1)

echo "mxgated $ACTION-by-default, FCrDNS fail (wildcard PTR) + 2 DNS lists per source;"
echo "${SECONDS_PER_STEP}s a step; $pinning; ${rules:-queue rule: see the daemon log}"
FMT='%9s %8s %10s %8s %9s %13s %15s %7s %6s %6s %7s\n'
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$FMT" offered/s queued classified class/s cpu_us/cl 'ovh_us p50/p99' \
	'tot_ms p50/p99' dns_tmo qdrop udrop bypass
next=1
for rate in $RATES; do
	read -r qd0 ud0 id0 < <(nfq_counters)
	b0=$(bypassed)
	v0=$(verdicts)
	c0=$(proc_cpu_ticks "$MXGATED_PID")
	out=$(in_ns "$NS_C" "${GEN_CPU[@]}" "$GEN" c0 "$GW_MAC" "$SRC_PREFIX" \
		"$MTA6" 25 "$next" "$rate" "$SECONDS_PER_STEP") || die "generator failed"
	v1=$(verdicts)
	sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
	offered=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	next=$(sed -n 's/.*next=\([0-9]*\).*/\1/p' <<<"$out")
	# Drain: until every queued source is decided, or nothing moved for
	# 2 s (c-ares retries a lost query after 1667 ms; decision_timeout is 5 s).
	last=-1 still=0
	for _ in $(seq 1 120); do
		read -r _ _ idn < <(nfq_counters)
		vn=$(verdicts)
		[ $((vn - v0)) -ge $((idn - id0)) ] && break
		if [ "$vn" = "$last" ]; then
			still=$((still + 1)); [ "$still" -ge 20 ] && break
		else
			still=0 last=$vn
		fi
		sleep 0.1
	done
	c2=$(proc_cpu_ticks "$MXGATED_PID")
	v2=$(verdicts)
	read -r qd2 ud2 id2 < <(nfq_counters)
	b2=$(bypassed)
	n=$((v2 - v0))
	grep 'verdict action=' "$DAEMON_LOG" | sed -n "$((v0 + 1)),${v2}p" > "$TMP/step.log"
	sed -n 's/.* overhead_us=\([0-9]*\).*/\1/p' "$TMP/step.log" > "$TMP/ovh"
	sed -n 's/.* elapsed_ms=\([0-9]*\).*/\1/p' "$TMP/step.log" > "$TMP/tot"
	cpu_us=$(awk -v t=$((c2 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" \
		'BEGIN { if (n) printf "%.1f", t * 1e6 / hz / n; else print "-" }')
	cls=$(awk -v v=$((v1 - v0)) -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? v / s : 0) }')
	# shellcheck disable=SC2059
	printf "$FMT" \
		"$offered" $((id2 - id0)) "$n" "$cls" "$cpu_us" \
		"$(pct "$TMP/ovh" 50)/$(pct "$TMP/ovh" 99)" \
		"$(pct "$TMP/tot" 50)/$(pct "$TMP/tot" 99)" \
		"$(grep -c 'fcrdns=tempfail' "$TMP/step.log")" \
		$((qd2 - qd0)) $((ud2 - ud0)) $((b2 - b0))
	[ "$sent" -gt 0 ] || die "the generator sent nothing"
done
[ -n "${BENCH_KEEP_LOG:-}" ] && cp "$DAEMON_LOG" "$BENCH_KEEP_LOG"
warns=$(grep -c 'warning:' "$DAEMON_LOG")
if [ "$warns" -gt 0 ]; then
	echo "mxgated warnings: $warns, e.g.:"
	grep 'warning:' "$DAEMON_LOG" | sort | uniq -c | sort -rn | head -n 3 | sed 's/^/  /'
fi
exit 0
