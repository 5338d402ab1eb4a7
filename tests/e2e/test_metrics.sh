#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_metrics.sh - the Prometheus endpoint (issue 14, item 3), scraped
# with curl from inside the gateway: off by default (nothing listens);
# with metrics_listen, every family announced by HELP and TYPE, no client
# address anywhere; counters move as clients are judged (decisions by
# action and rule, the duration histogram, the SYN breakdown, DNS
# queries, the verdicts map's fill); 404 for another path, 405 for
# another method; a bounded number of connections per address, idle ones
# closed after the timeout, while clients are still judged; IPv6 and a
# port below 1024 (opened before mxgated gives up root); a port in use
# stops the start with a clear message.
set -u
. "$(dirname "$0")/lib.sh"

PORT=9464
VERSION=$(sed -n 's/^#define MXG_VERSION[[:space:]]*"\(.*\)"/\1/p' "$REPO/daemon/version.h")

# scrape [PATH] [HOST:PORT] [CURL OPTIONS...] - GET it with curl in the gateway
scrape() {
	local path=${1:-/metrics} where=${2:-127.0.0.1:$PORT}
	shift 2 2>/dev/null || shift $#
	in_ns "$NS_G" curl -sS --max-time 5 "$@" "http://$where$path"
}
# status [PATH] [CURL OPTIONS...] - the HTTP status code of a request
status() {
	local path=$1
	shift
	in_ns "$NS_G" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@" \
		"http://127.0.0.1:$PORT$path"
}
# metric SAMPLE - its value in a fresh scrape (0 when absent)
metric() {
	scrape > "$TMP/scrape" 2>/dev/null
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$TMP/scrape"
}
# grew SAMPLE FROM [BY] - the sample is now at least FROM + BY (default 1)
grew() { [ "$(metric "$1")" -ge $(($2 + ${3:-1})) ]; }
# announced NAME TYPE FILE - in the scrape FILE, "# HELP NAME ..." is
# followed by "# TYPE NAME TYPE", and every sample of NAME comes after
# it, before the next family
announced() {
	awk -v n="$1" -v t="$2" '
		prev == "# HELP " n && $0 == "# TYPE " n " " t { ok = 1 }
		{ prev = substr($0, 1, length("# HELP " n)) }
		$1 == "#" && $2 == "TYPE" { fam = $3 }
		$1 !~ /^#/ { s = $1; sub(/\{.*/, "", s)
			if (s == n || (t == "histogram" && index(s, n "_") == 1)) { seen = 1; if (fam != n) bad = 1 } }
		END { exit !(ok && seen && !bad) }' "$3"
}
# listening PORT - something listens on TCP PORT in the gateway
listening() { in_ns "$NS_G" ss -Hltn "sport = :$1" | grep -q .; }

setup_network || { echo "metrics: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary metrics; exit 1; }

# --- Off by default.
check "off by default: nothing listens on $PORT" not listening $PORT
check "off by default: a scrape finds no one" not scrape
check "off by default: no metrics line in the log" not log_has "metrics: http"
stop_mxgated 15

# --- On, IPv4.
start_mxgated "metrics_listen = 127.0.0.1:$PORT" ||
	{ not_ok "mxgated started with metrics_listen"; summary metrics; exit 1; }
check "the log says where the metrics are" log_has "metrics: http://127.0.0.1:$PORT/metrics"
check "it listens on 127.0.0.1:$PORT" listening $PORT
scrape /metrics "127.0.0.1:$PORT" -D "$TMP/headers" -o "$TMP/first"
check "GET /metrics: 200" grep -q '^HTTP/1.1 200' "$TMP/headers"
check "... Content-Type text/plain; version=0.0.4" \
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/headers"
check "build_info names version $VERSION" grep -qx "mxgate_build_info{version=\"$VERSION\"} 1" "$TMP/first"
check "rules loaded: 1" grep -qx 'mxgate_rules_loaded 1' "$TMP/first"
check "resolver up: 1" grep -qx 'mxgate_resolver_up 1' "$TMP/first"
check "the verdicts map's capacity is max_sources" \
	grep -qx 'mxgate_map_capacity{map="verdicts"} 262144' "$TMP/first"

# --- Counters move as clients are judged.
d_pass=$(metric 'mxgate_decisions_total{action="pass",rule="none"}')
d_grey=$(metric 'mxgate_decisions_total{action="greylist",rule="s25r1"}')
h_count=$(metric mxgate_decision_duration_seconds_count)
accepted=$(metric 'mxgate_syns_total{action="accepted",reason="none"}')
refused=$(metric 'mxgate_syns_total{action="refused",reason="greylist"}')
answered=$(metric 'mxgate_dns_queries_total{result="answered"}')
entries=$(metric 'mxgate_map_entries{map="verdicts"}')
send_mail $CLEAN 4 clean
check "a clean sender is delivered" delivered clean
smtp_probe $DYNAMIC wait > "$TMP/grey.out" 2>&1
check "a dynamic-looking client is refused by the responder (450, or the repeat's 421)" \
	grep -Eq '^(reply=450|banner=421) ' "$TMP/grey.out"
check "decisions_total{pass,none} grew" grew 'mxgate_decisions_total{action="pass",rule="none"}' "$d_pass"
check "decisions_total{greylist,s25r1} grew" \
	grew 'mxgate_decisions_total{action="greylist",rule="s25r1"}' "$d_grey"
check "decision_duration_seconds_count grew by 2" grew mxgate_decision_duration_seconds_count "$h_count" 2
scrape > "$TMP/second"
check "... its +Inf bucket is its count" awk '$1 == "mxgate_decision_duration_seconds_bucket{le=\"+Inf\"}" { inf = $2 }
	$1 == "mxgate_decision_duration_seconds_count" { n = $2 } END { exit !(n != "" && inf == n) }' "$TMP/second"
check "... its buckets never shrink" awk '/^mxgate_decision_duration_seconds_bucket/ { if ($2 < last) bad = 1; last = $2 } END { exit bad }' "$TMP/second"
check "... and its sum is above 0" awk '$1 == "mxgate_decision_duration_seconds_sum" { exit !($2 > 0) }' "$TMP/second"
check "syns_total{accepted} grew" grew 'mxgate_syns_total{action="accepted",reason="none"}' "$accepted"
check "syns_total{refused,greylist} grew" grew 'mxgate_syns_total{action="refused",reason="greylist"}' "$refused"
check "dns_queries_total{answered} grew (counted each second)" \
	wait_for "dns counter" grew 'mxgate_dns_queries_total{result="answered"}' "$answered"
check "map_entries{verdicts} grew (counted every 10 s)" \
	wait_long 15 "map census" grew 'mxgate_map_entries{map="verdicts"}' "$entries" 2
for f in "mxgate_build_info gauge" "mxgate_syns_total counter" \
	"mxgate_decisions_total counter" "mxgate_greylist_promotions_total counter" \
	"mxgate_dns_queries_total counter" "mxgate_decision_duration_seconds histogram" \
	"mxgate_map_entries gauge" "mxgate_overload_total counter" \
	"mxgate_rules_loaded gauge" "mxgate_resolver_up gauge"; do
	name=${f% *}
	check "$name: HELP, then TYPE ${f#* }, then its samples" announced "$name" "${f#* }" "$TMP/second"
done
check "no client address in the text" not grep -Eq '198\.51\.100\.|2001:db8|203\.0\.113\.' "$TMP/second"

# --- Nothing but GET /metrics.
check "GET /: 404" test "$(status /)" = 404
check "GET /other: 404" test "$(status /other)" = 404
check "GET /metrics/: 404" test "$(status /metrics/)" = 404
check "POST /metrics: 405" test "$(status /metrics -X POST -d x=1)" = 405
check "HEAD /metrics: 200" test "$(status /metrics -I)" = 200
check "GET /metrics?x=1 (arguments ignored): 200" test "$(status '/metrics?x=1')" = 200

# --- Bounded: connections per address, idle ones closed.
# idle.py SRC N SECS - N connections from SRC that send nothing; prints,
# per connection, how long until the server closed it ("never" after SECS)
cat > "$TMP/idle.py" <<'EOP'
import socket, sys, time, select
src, n, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks, t0 = [], time.monotonic()
for i in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", int(sys.argv[4])))
    socks.append(s)
open(sys.argv[5], "w").close()
closed = {}
while len(closed) < n and time.monotonic() - t0 < limit:
    r, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.2)
    for s in r:
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        if not data:
            closed[s] = time.monotonic() - t0
for i, s in enumerate(socks):
    print(i, "%.1f" % closed[s] if s in closed else "never", flush=True)
EOP
in_ns "$NS_G" python3 "$TMP/idle.py" 127.0.0.1 6 25 $PORT "$TMP/idle.up" > "$TMP/idle.out" 2>&1 &
idle_pid=$!
wait_for "idle connections open" test -e "$TMP/idle.up"
check "with 6 idle connections from 127.0.0.1, another address still scrapes" \
	scrape /metrics "127.0.0.1:$PORT" --interface 127.0.0.2 -o /dev/null
send_mail $SPARE 4 during-idle
check "... and clients are still judged (a clean sender delivered)" delivered during-idle
wait "$idle_pid"
echo "# idle connections closed after (s): $(awk '{ printf "%s ", $2 }' "$TMP/idle.out")"
check "two over the per-address limit (4) were closed at once" \
	test "$(awk '$2 != "never" && $2 < 3' "$TMP/idle.out" | wc -l)" -eq 2
check "the other four were closed after the idle timeout (10 s)" \
	test "$(awk '$2 != "never" && $2 >= 8 && $2 <= 20' "$TMP/idle.out" | wc -l)" -eq 4
check "scrapes from 127.0.0.1 work again" scrape /metrics "127.0.0.1:$PORT" -o /dev/null
stop_mxgated 15
check "stopped: nothing listens any more" not listening $PORT

# --- IPv6, and a port below 1024: opened as root, served as mxgate.
start_mxgated "metrics_listen = [::1]:999" ||
	{ not_ok "mxgated started with metrics_listen = [::1]:999"; summary metrics; exit 1; }
check "it gave up root" log_has "running as $MXG_USER"
check "[::1]:999 serves the metrics" sh -c "ip netns exec '$NS_G' curl -sS --max-time 5 'http://[::1]:999/metrics' | grep -q '^mxgate_build_info'"
stop_mxgated 15

# --- A port in use: a clear refusal, before anything is touched.
in_ns "$NS_G" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close(); time.sleep(30)' $PORT "$TMP/squat.up" &
squat=$!
wait_for "a squatter on $PORT" test -e "$TMP/squat.up"
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$PORT/" "$TMP/mxgate.conf"
rc=0
timeout 30 ip netns exec "$NS_G" "$BUILD/mxgated" -f -c "$TMP/mxgate.conf" > "$TMP/inuse.log" 2>&1 || rc=$?
sed 's/^/# /' "$TMP/inuse.log"
check "port in use: mxgated exits 1" test "$rc" -eq 1
check "... saying which address and why" \
	grep -q "fatal: metrics_listen 127.0.0.1:$PORT: Address already in use; not starting" "$TMP/inuse.log"
check "... before loading anything: that line is all it said" test "$(wc -l < "$TMP/inuse.log")" -eq 1
kill "$squat" 2>/dev/null
wait "$squat" 2>/dev/null

summary metrics
