#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_flood.sh - a spoofed SYN flood against the real gateway (issue 11):
# SYNs to the MTA's port 25 from random-looking IPv6 sources in
# 2001:db8:dead::/48 whose PTR queries are never answered (an nft rule in
# the server namespace drops them before nsd, by their qname), at rising
# rates, while bots and a legitimate sending Postfix connect. mxgated has
# one DNS list (bl.test.example, answered by nsd: NXDOMAIN for the
# spoofed sources), unknown_client_action and the rest at their defaults.
# One row per rate:
#
#   offered/s  the rate asked of the generator (tests/bench/syn_flood.c)
#   sent/s     what it really sent, per second of sending (it stops at
#              1.25x the step's length + 1 s if it cannot keep up)
#   bots       fresh bots (dynamic-looking, forward-confirmed PTR, S25R
#              rule 1: a greylist) that reached the MTA, of those that
#              tried once during the flood (Postfix logged a connect from
#              them); target 0
#   legit      a fresh, forward-confirmed, clean sender (a real Postfix,
#              retrying every 2-4 s) submitted 2 s into the flood:
#              "first" (delivered at its first attempt), "retry" (after
#              one deferral), "N retries", or "no" (not delivered by the
#              end of the flood + BENCH_GRACE s)
#   dns/syn    DNS queries about the spoofed sources (the dropped PTRs,
#              c-ares retries included, and the DNS list queries) per
#              spoofed SYN sent, counted in the server namespace from the
#              flood's start until mxgated has drained; target < 0.1
#              under stress
#   dns_q/s    every DNS query nsd was sent, per second of that window
#   pend_max   most sources pending at once: mxgatectl's "pending" gauge,
#              sampled every 0.2 s; while that reads 0 (before issue
#              11's daemon work), the count in mxgated's "N lookups
#              pending (max_pending)" warning of the step (marked L: the
#              table was full), else the most SYNs NFQUEUE 0 held in the
#              samples (marked q; a spoofed source sends one SYN, so a
#              held SYN is a pending source, as long as mxgated keeps up
#              reading the queue)
#   rss_MiB    mxgated's VmRSS, the most seen in those samples
#   cpu%       mxgated's utime+stime during the flood, % of one CPU
#   cpu_s      the same from the flood's start until mxgated drained
#   unjudged   spoofed SYNs that reached the server namespace (an nft
#              counter there: passed to the MTA without a verdict), and
#              their share of those sent
#   ovl_tf     mxgatectl stats overload_tempfail over the step
#
# The sources: syn_flood's "spread" pattern by default (the index in the
# /48's subnet bits, so consecutive sources sit in different /64s, as a
# flood spoofing a whole /48 would; BENCH_SPREAD=seq puts them all in
# one /64). Every source is new: the generator's index goes on from step
# to step.
#
# Pinning (BENCH_PIN=0 turns it off), as bench_nfqueue.sh: mxgated on
# CPU 1; nsd, the MTA and the generator (and so the softirq work of its
# frames through the gateway) on CPU 0.
# Environment: BENCH_RATES (default "500 1000 2000 5000 10000 20000 40000
# 80000"; 80,000 is about 10x the new sources a second BENCHMARKS.md
# section 3 classifies),
# BENCH_SECONDS per step (default 10), BENCH_BOTS per step (default 3),
# BENCH_GRACE (default 10), BENCH_SPREAD (spread|seq), BENCH_KEEP_LOG
# (copy the daemon's log there), BUILD. Every address is a documentation
# address, in namespaces of our own; everything is removed on exit.
# shellcheck disable=SC2016 # awk programs: no shell expansion meant
# shellcheck disable=SC2317 # functions called by traps, wait_long, sampler
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

RATES=${BENCH_RATES:-500 1000 2000 5000 10000 20000 40000 80000}
SECS=${BENCH_SECONDS:-10}
BOTS=${BENCH_BOTS:-3}
GRACE=${BENCH_GRACE:-10}
SPREAD=${BENCH_SPREAD:-spread}
PIN_CPUS=${BENCH_PIN:-1}
GEN=$BUILD/syn_flood
DECISION_TIMEOUT=5	# mxgated's default, seconds
BOT0=100 LEGIT0=200	# first host numbers (198.51.100.X) of bots, senders

die() { echo "bench flood: $*" >&2; exit 1; }

[ -x "$GEN" ] || die "$GEN missing (make BUILD=$BUILD $GEN)"
[ -x "$BUILD/mxgated" ] || die "$BUILD/mxgated missing (make)"
case $SPREAD in spread|seq) ;; *) die "BENCH_SPREAD is spread or seq";; esac
nsteps=$(wc -w <<<"$RATES")
if [ $((BOT0 + nsteps * BOTS)) -gt "$LEGIT0" ] || [ $((LEGIT0 + nsteps)) -gt 255 ]; then
	die "too many steps or bots for one /24 of clients"
fi

BG_PIDS=()
SAMPLER_PID=
# bench_cleanup - our own background jobs (in the root namespace), then
# lib.sh's cleanup (namespaces, mxgated, nsd, Postfix, $TMP)
bench_cleanup() {
	local p
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	cleanup
}
trap bench_cleanup EXIT

# proc_cpu_ticks PID - utime + stime, clock ticks
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# ct_drops - "DROP EARLY": packets conntrack dropped in the gateway (table
# full; drop + insert_failed) and entries it evicted to make room
# (early_drop); hex, one row per CPU (mawk has no strtonum)
ct_drops() {
	local hdr row i d=0 e=0
	{
		read -r -a hdr
		while read -r -a row; do
			for i in "${!hdr[@]}"; do
				case ${hdr[$i]} in
				drop|insert_failed) d=$((d + 16#${row[$i]}));;
				early_drop) e=$((e + 16#${row[$i]}));;
				esac
			done
		done
	} < <(in_ns "$NS_G" cat /proc/net/stat/nf_conntrack 2>/dev/null)
	echo "$d $e"
}

# stats_snapshot FILE - every "name value" counter of mxgatectl stats
stats_snapshot() { ctl stats 2>/dev/null | awk 'NF == 2 && $2 ~ /^[0-9]+$/' > "$1"; }

# stat_in FILE NAME - a counter from a snapshot (0 when absent)
stat_in() { awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"; }

# sampler FILE - every 0.2 s: VmRSS kB, pending gauge, SYNs held, stress
sampler() {
	local rss snap=$TMP/sample.stats
	while :; do
		rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$MXGATED_PID/status" 2>/dev/null)
		stats_snapshot "$snap"
		echo "${rss:-0} $(stat_in "$snap" pending) $(nfq_held) $(stat_in "$snap" stress)"
		sleep 0.2
	done >> "$1"
}

# legit_name K - a clean PTR label without digits (S25R: none applies)
legit_name() { echo "mail-$(tr 0-9 a-j <<<"$1")"; }

# drained - nothing held in NFQUEUE and nothing pending
drained() {
	[ "$(nfq_held)" -eq 0 ] && [ "$(stat_value pending | grep . || echo 0)" -eq 0 ]
}

setup_network || die "cannot set up the namespaces"
# Fresh clients, one set per step: bots with dynamic-looking names (S25R
# rule 1) and clean senders, each forward-confirmed.
for k in $(seq 0 $((nsteps - 1))); do
	for b in $(seq 0 $((BOTS - 1))); do
		h=$((BOT0 + k * BOTS + b))
		add_client "$h" "dyn-198-51-100-$h" || die "add_client $h"
	done
	add_client $((LEGIT0 + k)) "$(legit_name "$k")" || die "add_client $((LEGIT0 + k))"
done
# The spoofed sources' way back, their PTR queries dropped, the counters
# (lib.sh, setup_spoofed).
setup_spoofed || die "cannot set up the spoofed range (nft cannot match the qname?)"
start_nsd || die "nsd did not start"
start_postfix || die "postfix did not start"

# The drop rule does what it must: a spoofed source's PTR times out, its
# DNS list query is answered, a sender's PTR is answered.
in_ns "$NS_G" dig +time=1 +tries=1 @"$DNS4" -x 2001:db8:dead:1::1 >/dev/null 2>&1 &&
	die "the PTR query for 2001:db8:dead:1::1 was answered"
in_ns "$NS_G" dig +time=1 +tries=1 @"$DNS4" \
	1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.d.a.e.d.8.b.d.0.1.0.0.2.bl.test.example A |
	grep -q 'status: NXDOMAIN' || die "the DNS list query for 2001:db8:dead:1::1 was not answered"
in_ns "$NS_G" dig +short +time=1 +tries=1 @"$DNS4" -x "$(v4 "$LEGIT0")" | grep -q "$(legit_name 0)" ||
	die "the PTR of $(v4 "$LEGIT0") is not answered"
[ "$(spoof_counter spoof_ptr)" -ge 1 ] || die "the spoofed PTR query was not counted"

start_mxgated "dnsbl_sites = bl.test.example=127.0.0.[2..11]*3" || die "mxgated did not start"
wait_for "list probe" log_has "passes its probe" || die "the DNS list did not pass its probe"

FLOOD_WRAP=
if [ "$PIN_CPUS" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	taskset -pc 1 "$MXGATED_PID" >/dev/null
	for p in $(ip netns pids "$NS_S"); do taskset -pc 0 "$p" >/dev/null; done
	FLOOD_WRAP="taskset -c 0"
	pinning="mxgated on CPU 1; nsd, MTA, generator on CPU 0"
else
	pinning="not pinned"
fi
HZ=$(getconf CLK_TCK)
rules=$(grep -o 'mxgate-rules: [^;]*' "$DAEMON_LOG" | head -n 1)

echo "spoofed SYNs from $SPOOF_NET ($SPREAD), PTR never answered, 1 DNS list; ${SECS}s a step,"
echo "$BOTS fresh bot(s) and 1 fresh sending Postfix a step; $pinning; ${rules:-queue rule: see the daemon log}"
FMT='%9s %7s %5s %9s %7s %7s %8s %7s %5s %6s %15s %7s\n'
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$FMT" offered/s sent/s bots legit dns/syn dns_q/s pend_max rss_MiB cpu% cpu_s unjudged ovl_tf
next=1
k=0
extra=()
for rate in $RATES; do
	legit=$((LEGIT0 + k)) tag=legit-$rate
	start_sender "$legit" || die "the sending Postfix on $(v4 "$legit") did not start"
	stats_snapshot "$TMP/s0"
	dns0=$(spoof_counter dns) ptr0=$(spoof_counter spoof_ptr) oth0=$(spoof_counter spoof_other)
	unj0=$(spoof_counter unjudged)
	read -r ctd0 cte0 < <(ct_drops)
	c0=$(proc_cpu_ticks "$MXGATED_PID")
	log0=$(wc -l < "$DAEMON_LOG")
	: > "$TMP/samples"
	sampler "$TMP/samples" &
	SAMPLER_PID=$!
	t0=$(now_s)
	start_flood "$next" "$rate" "$SECS" "$SPREAD"
	BG_PIDS=("$FLOOD_PID")
	# The legitimate sender 2 s in, the bots spread over the flood.
	( sleep 2; sender_submit "$legit" "$tag" ) &
	BG_PIDS+=($!)
	for b in $(seq 0 $((BOTS - 1))); do
		h=$((BOT0 + k * BOTS + b))
		at=$(awk -v b="$b" -v n="$BOTS" -v s="$SECS" 'BEGIN { d = s - 3; if (d < 0) d = 0; printf "%.2f", 2 + b * d / n }')
		( sleep "$at"; send_mail "$h" 4 "bot-$rate-$b" 10 ) &
		BG_PIDS+=($!)
	done
	wait_flood || die "generator failed: $(cat "$TMP/flood.out")"
	t1=$(now_s)
	c1=$(proc_cpu_ticks "$MXGATED_PID")
	sent=$(flood_field sent) secs=$(flood_field seconds)
	achieved=$(flood_field rate) next=$(flood_field next)
	[ "${sent:-0}" -gt 0 ] || die "the generator sent nothing: $(cat "$TMP/flood.out")"
	# The bots are done (swaks gives up after 10 s); the sender gets until
	# the grace period ends; mxgated until nothing is pending.
	for p in "${BG_PIDS[@]:1}"; do wait "$p" 2>/dev/null; done
	BG_PIDS=()
	until relayed "$legit" "$tag" || elapsed_ge "$t1" "$(now_s)" "$GRACE"; do sleep 0.5; done
	wait_long $((DECISION_TIMEOUT + 5)) "mxgated drained" drained
	kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=
	t2=$(now_s)
	c2=$(proc_cpu_ticks "$MXGATED_PID")
	stats_snapshot "$TMP/s1"
	dns1=$(spoof_counter dns) ptr1=$(spoof_counter spoof_ptr) oth1=$(spoof_counter spoof_other)
	unj1=$(spoof_counter unjudged)
	read -r ctd1 cte1 < <(ct_drops)

	reached=0
	for b in $(seq 0 $((BOTS - 1))); do
		mta_saw "$(v4 $((BOT0 + k * BOTS + b)))" && reached=$((reached + 1))
	done
	defs=$(sender_deferrals "$legit" "$tag")
	if relayed "$legit" "$tag"; then
		case $defs in 0) how=first;; 1) how=retry;; *) how="$defs retries";; esac
	else
		how=no
	fi
	stop_sender "$legit"
	pend=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$TMP/samples")
	if [ "$pend" -eq 0 ]; then
		full=$(tail -n +"$((log0 + 1))" "$DAEMON_LOG" |
			sed -n 's/.* \([0-9][0-9]*\) lookups pending (max_pending).*/\1/p' | sort -n | tail -n 1)
		if [ -n "$full" ]; then
			pend=${full}L
		else
			pend="$(awk '$3 > m { m = $3 } END { print m + 0 }' "$TMP/samples")q"
		fi
	fi
	rss=$(awk '$1 > m { m = $1 } END { printf "%.1f", m / 1024 }' "$TMP/samples")
	unj=$((unj1 - unj0))
	# shellcheck disable=SC2059
	printf "$FMT" "$rate" "$achieved" "$reached/$BOTS" "$how" \
		"$(awk -v q=$((ptr1 - ptr0 + oth1 - oth0)) -v n="$sent" 'BEGIN { printf "%.2f", q / n }')" \
		"$(awk -v q=$((dns1 - dns0)) -v a="$t0" -v b="$t2" 'BEGIN { printf "%.0f", q / (b - a) }')" \
		"$pend" "$rss" \
		"$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.0f", 100 * t / hz / s }')" \
		"$(awk -v t=$((c2 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')" \
		"$unj ($(awk -v u="$unj" -v n="$sent" 'BEGIN { printf "%.0f%%", 100 * u / n }'))" \
		$(($(stat_in "$TMP/s1" overload_tempfail) - $(stat_in "$TMP/s0" overload_tempfail)))
	# The other issue-11 counters, when the daemon keeps them.
	line=
	for n in overload_pass overload_episodes prefix_cap dns_budget_refused dns_sent \
		dns_answered dns_timeout proven unproven store_pruned; do
		d=$(($(stat_in "$TMP/s1" "$n") - $(stat_in "$TMP/s0" "$n")))
		[ "$d" -ne 0 ] && line="$line $n=$d"
	done
	[ $((ctd1 - ctd0)) -ne 0 ] && line="$line conntrack_dropped=$((ctd1 - ctd0))"
	[ $((cte1 - cte0)) -ne 0 ] && line="$line conntrack_early_drop=$((cte1 - cte0))"
	[ -n "$line" ] && extra+=("$rate/s:$line")
	k=$((k + 1))
done

echo "bots: fresh dynamic-PTR clients that reached the MTA (target 0); legit: a fresh clean"
echo "sender's delivery (first attempt / after N deferrals / no: not within ${GRACE}s of the flood's"
echo "end); dns/syn: queries about spoofed sources per spoofed SYN (target < 0.1 under stress);"
echo "pend_max: the pending gauge, else the count of the max_pending warning (L: full), else SYNs"
echo "held in NFQUEUE (q); cpu%: mxgated, of one CPU, during the flood; cpu_s: until drained;"
echo "unjudged: spoofed SYNs that reached the MTA's namespace."
if [ "${#extra[@]}" -gt 0 ]; then
	echo "per step: issue-11 counters (non-zero deltas), and the gateway's conntrack: packets dropped"
	echo "(table full: those SYNs never reached mxgated or the MTA) and entries evicted (early_drop):"
	printf '  %s\n' "${extra[@]}"
fi
echo "store: $(du -sk "$TMP/state" | awk '{ printf "%.1f MiB", $1 / 1024 }') on disk after the run"
[ -n "${BENCH_KEEP_LOG:-}" ] && cp "$DAEMON_LOG" "$BENCH_KEEP_LOG"
warns=$(grep -c 'warning:' "$DAEMON_LOG")
if [ "$warns" -gt 0 ]; then
	echo "mxgated warnings: $warns, e.g.:"
	grep 'warning:' "$DAEMON_LOG" | sed 's/[0-9][0-9]*/N/g' | sort | uniq -c | sort -rn | head -n 3 | sed 's/^/  /'
fi
exit 0
