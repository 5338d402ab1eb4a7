#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_output.sh - mxgatectl's output against a running mxgated (issue
# 14, items 2, 5 and 6). status sums up the daemon (its pid and
# uptime), the rules, the interface the tc program is attached to (the
# id the kernel gives), the map fill (as many verdicts as list shows),
# the store; each -j document parses with a real JSON parser
# (jsonq.py) and holds what the text and the kernel say; check ADDR -j
# carries what the network and a table file hand it (a PTR name that is
# not a host name; a table comment with UTF-8, quotes, a backslash and a
# Latin-1 byte, escaped); config -n shows exactly the keys the test's
# configuration changed and config the same text as mxgated -p; once the
# daemon has stopped, or was killed, status says so and the tc program
# is still attached.
set -u
. "$(dirname "$0")/lib.sh"

# Its PTR is not a host name ('/', as in classless delegation), made of
# what c-ares lets through: since 1.17.2 it refuses names with other
# bytes, so quotes, backslashes and 8-bit bytes reach mxgate's output
# from files, as the table comment below, not from DNS.
WEIRD=60
JSONQ=$REPO/tests/e2e/jsonq.py
DOC=$TMP/doc.json

setup_network || { echo "output: 0 passed, 1 failed"; exit 1; }
add_client $WEIRD
mkdir -p "$TMP/zones"
# shellcheck disable=SC2016 # zone text, no shell expansion meant
printf '%s\n%s\n%s\n%s\n' '$TTL 60' \
	'@ IN SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 60' \
	'@ IN NS ns.test.example.' '@ IN PTR 0/25.we-ird.example.' \
	> "$TMP/zones/$WEIRD.100.51.198.in-addr.arpa"
# A cidr table whose comment holds UTF-8, quotes, a backslash and a
# Latin-1 byte (not UTF-8), as an old table file may.
printf '%s/32 OK Gr\303\274\303\237e "vom" Admin \\ \374ber\n' "$(v4 "$CLEAN")" > "$TMP/ok.cidr"
t_start=$(date +%s)
start_nsd && start_mxgated "client_access = cidr:$TMP/ok.cidr" ||
	{ not_ok "test world started"; summary output; exit 1; }

# ctlc ARGS... - mxgatectl on the gateway with the daemon's configuration
ctlc() { in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" "$@"; }
# run ARGS... - ctlc; OUT and RC; the standard output whole in $DOC
run() {
	ctlc "$@" >"$DOC" 2>"$TMP/err"; RC=$?
	OUT=$(cat "$DOC")
}
rc_is() { [ "$RC" -eq "$1" ]; }
# is_json - the last output is one JSON document on one line
is_json() { [ "$(grep -c '' "$DOC")" -eq 1 ] && python3 "$JSONQ" "$DOC"; }
# rc_json N - the last run exited with N and printed one JSON document
rc_json() { rc_is "$1" && is_json; }
# jget EXPR... - Python expressions over the last document (d)
jget() { python3 "$JSONQ" "$DOC" "$@"; }
# jis EXPR WANT - EXPR over the last document prints WANT
jis() { [ "$(jget "$1" 2>&1)" = "$2" ]; }
# status_line TOPIC - the last run's "TOPIC: ..." line
status_line() { grep -E "^$1: " <<<"$OUT"; }
# out_has_line LINE / out_matches ERE - on the last run's output
out_has_line() { grep -qxF -- "$1" <<<"$OUT"; }
out_matches() { grep -qE -- "$1" <<<"$OUT"; }
# keys_of - the keys of the last run's "key = value" lines
keys_of() { awk '{ print $1 }' <<<"$OUT" | paste -sd ' '; }
# tc_prog_id - the id of the tc program on the gateway's gc ingress
tc_prog_id() { in_ns "$NS_G" tc filter show dev gc ingress | sed -nE 's/.* id ([0-9]+) .*/\1/p' | head -n1; }

# Verdicts to look at: a greylisted dynamic line, a forward-confirmed
# pass, a pass by the table.
for h in $DYNAMIC $SPARE $CLEAN; do
	smtp_probe "$h" quick 2 >/dev/null 2>&1
done
# have_verdicts - the three have live verdicts
have_verdicts() {
	ctlc lookup "$(v4 "$DYNAMIC")" && ctlc lookup "$(v4 "$SPARE")" && ctlc lookup "$(v4 "$CLEAN")"
}
check "three clients have verdicts" wait_for "their verdicts" have_verdicts

# --- status, with mxgated running
run status
check "status: exit 0 with the rules loaded" rc_is 0
sed 's/^/# /' "$DOC"
check "status: version" out_matches '^version: [0-9]+\.[0-9]+\.[0-9]+'
l=$(status_line mxgated)
up=$(sed -nE 's/.* up (([0-9]+)m )?([0-9]+)s .*/\2 \3/p' <<<"$l" | awk '{ print ($2 == "" ? $1 : $1 * 60 + $2) }')
check "status: mxgated running, its pid ($l)" grep -q "^mxgated: running, pid $MXGATED_PID, up " <<<"$l"
check "status: ... up since it started ($up s, started $(($(date +%s) - t_start)) s ago)" \
	test -n "$up" -a "${up:-99}" -le $(($(date +%s) - t_start + 1))
check "status: the rules, as mxgate-rules status says them" \
	out_matches '^rules: mxgate-rules: (native|fallback): '
check "status: none restored" out_matches '^rules restored: 0 '
id=$(tc_prog_id)
check "status: the tc program on gc, with the id the kernel has ($(status_line interfaces); tc says id $id)" \
	out_has_line "interfaces: gc (tc program mxgate_ingress, id $id)"
check "status: a resolver line" out_matches '^resolver: (ok|down|unknown)'
check "status: no overload" out_matches '^overload: no \('
run -j list
nv=$(jget 'len([v for v in d["verdicts"] if not v["unproven"]])')
nu=$(jget 'len([v for v in d["verdicts"] if v["unproven"]])')
run status
check "status: map fill: as many verdicts as list shows ($nv), and the unproven ($nu) ($(status_line maps))" \
	out_matches "^maps: verdicts $nv/262144 \(0\.0%\), unproven $nu/32768 \([0-9.]+%\), throttle [0-9]+/65536 \([0-9.]+%\)$"
check "status: the store" out_matches '^store: [0-9]+ record\(s\), [0-9]+ KiB in use \([0-9]+ pruned while running\)$'

# A member of mxgated's group reads all of it but the rules (root's)
# and the program's name (root's too).
gid=$(id -g "$MXG_USER")
in_ns "$NS_G" setpriv --reuid=nobody --regid="$gid" --clear-groups \
	"$BUILD/mxgatectl" -c "$TMP/mxgate.conf" status > "$TMP/member.out" 2>&1
sed 's/^/# member: /' "$TMP/member.out"
check "status as a member of group $MXG_USER: mxgated running, its pid" \
	grep -q "^mxgated: running, pid $MXGATED_PID, up " "$TMP/member.out"
check "status as a member: the tc program's id" \
	grep -qxF "interfaces: gc (tc program, id $id)" "$TMP/member.out"
check "status as a member: the map fill" grep -q "^maps: verdicts $nv/262144 " "$TMP/member.out"
check "status as a member: the rules not checked (root's), not called missing" \
	grep -qxF "rules: not checked (reading the ruleset needs root)" "$TMP/member.out"

run -j status
check "status -j: exit 0, one document" rc_json 0
check "status -j: mxgated running, its pid, uptime" \
	jis "d[\"mxgated\"][\"running\"], d[\"mxgated\"][\"pid\"], 0 <= d[\"mxgated\"][\"uptime_s\"] <= $(($(date +%s) - t_start + 1))" \
	"[true, $MXGATED_PID, true]"
check "status -j: the rules loaded (native or fallback)" \
	jis 'd["rules"]["managed"], d["rules"]["loaded"], d["rules"]["mode"] in ("native", "fallback"), d["rules"]["restored"]' \
	"[true, true, true, 0]"
check "status -j: gc with the kernel's program" \
	jis 'd["interfaces"]' "[{\"name\": \"gc\", \"configured\": true, \"exists\": true, \"attached\": true, \"prog_id\": $id, \"program\": \"mxgate_ingress\"}]"
check "status -j: the map fill" \
	jis 'd["maps"]["pinned"], d["maps"]["verdicts"]["entries"], d["maps"]["verdicts"]["max_entries"], d["maps"]["unproven"]["max_entries"], d["maps"]["throttle"]["max_entries"]' \
	"[true, $nv, 262144, 32768, 65536]"
check "status -j: store and overload numbers" \
	jis 'all(type(x) is int for x in list(d["store"].values()) + [d["overload"]["episodes"], d["overload"]["pending"]]), d["overload"]["active"]' \
	"[true, false]"

# --- lookup and list -j, real verdicts
run -j lookup "$(v4 "$DYNAMIC")"
check "lookup -j: the greylisted client, exit 0" rc_json 0
check "lookup -j: greylist, s25r1 and fcrdns, the clock known (config map)" \
	jis 'd["verdict"]["action"], d["verdict"]["reasons"], type(d["verdict"]["retry_after_s"]).__name__, type(d["verdict"]["window_left_s"]).__name__' \
	'["greylist", ["s25r1", "fcrdns"], "int", "int"]'
check "lookup -j: retry_after_s within greylist_delay (25m)" \
	jis '0 < d["verdict"]["retry_after_s"] <= 1500' true
run -j list
check "list -j: one document" rc_json 0
check "list -j: the forward-confirmed pass and the table's pass" \
	jis "sorted((v[\"address\"], v[\"action\"], v[\"reasons\"]) for v in d[\"verdicts\"] if v[\"address\"] in (\"$(v4 "$SPARE")\", \"$(v4 "$CLEAN")\"))" \
	"[[\"$(v4 "$CLEAN")\", \"pass\", [\"table_ok\"]], [\"$(v4 "$SPARE")\", \"pass\", [\"fcrdns\"]]]"

# --- check ADDR -j: the dry run, strings from the network and a file
run -j check "$(v4 "$WEIRD")"
check "check -j: a client with a PTR that is not a host name would not pass (exit 1)" rc_json 1
check "check -j: its PTR as the resolver gave it ($(jget 'd["ptr"]'))" \
	jis 'd["ptr"]' '0/25.we-ird.example'
check "check -j: fcrdns fail, rule 0, greylist" \
	jis 'd["fcrdns"], d["s25r_rule"], d["s25r_pattern"], d["verdict"]["action"], d["would_pass"], d["address_table"]' \
	'["fail", "s25r0", null, "greylist", false, null]'
run -j check "$(v4 "$CLEAN")"
check "check -j: the table's client would pass (exit 0)" rc_json 0
check "check -j: the table entry: type, file, line, action" \
	jis 'd["address_table"]["type"], d["address_table"]["file"], d["address_table"]["line"], d["address_table"]["action"]' \
	"[\"cidr\", \"$TMP/ok.cidr\", 1, \"pass\"]"
check "check -j: the table's comment: UTF-8 kept, quotes and backslash escaped, the Latin-1 byte U+FFFD" \
	jis "d[\"address_table\"][\"text\"] == open(\"$TMP/ok.cidr\", \"rb\").read().decode(\"utf-8\", \"replace\").split(\" OK \", 1)[1].rstrip(\"\\n\")" true
check "check -j: DNS skipped, the verdict table_ok" \
	jis 'd["dns_skipped"], d["ptr"], d["fcrdns"], d["verdict"]["action"], d["verdict"]["reasons"]' \
	'[true, null, "skipped", "pass", ["table_ok"]]'
run -j check "$(v4 "$DYNAMIC")"
check "check -j: the dynamic line: its name, S25R rule 1 and pattern, country known" \
	jis 'd["ptr"], d["fcrdns"], d["s25r_rule"], len(d["s25r_pattern"]) > 3, d["country"]["known"], d["dnsbl"]["configured"]' \
	'["dyn-198-51-100-20.pool.example.net", "pass", "s25r1", true, true, false]'
check "check -j: every stage's member" \
	jis '" ".join(d.keys())' "client dry_run address_table dns_skipped ptr fcrdns dns_timed_out name_table s25r_rule s25r_pattern provider dnsbl country verdict would_pass"

# --- config: the file the daemon runs with
run config -n
CHANGED="interfaces dns_servers pin_dir state_dir pid_file rules_cmd client_access countries_dir"
[ "$MXG_USER" = mxgate ] || CHANGED="$CHANGED user"
order=$(ctlc config -d | awk '{ print $1 }' | grep -xF "$(tr ' ' '\n' <<<"$CHANGED")" | paste -sd ' ')
check "config -n: exactly the keys the test's file changed ($(keys_of))" \
	test "$RC" -eq 0 -a "$(keys_of)" = "$order"
check "config -n: not the keys it sets to their defaults (ports, queue, user, decision_timeout, verdict_ttl_*)" \
	test -z "$(grep -E '^(ports|queue|user|decision_timeout|verdict_ttl_pass|verdict_ttl_block) ' <<<"$OUT")"
check "config -n: the value in force (interfaces = gc)" out_has_line "interfaces = gc"
run config
check "config: what mxgated -p prints for the same file" \
	test "$OUT" = "$(in_ns "$NS_G" "$BUILD/mxgated" -c "$TMP/mxgate.conf" -p 2>/dev/null)"
run -j config -n
check "config -j -n: one document, the same keys and values" \
	jis '" ".join(d.keys()), d["interfaces"], d["rules_cmd"]' "[\"$order\", \"gc\", \"$REPO/nftables/mxgate-rules\"]"

# --- once mxgated has gone: a clean stop, then a crash
stop_mxgated 15
run status
check "status after a clean stop: not running, the pid file emptied ($(status_line mxgated))" \
	out_has_line "mxgated: not running (no pid in $TMP/mxgated.pid)"
check "status after a clean stop: the tc program stays attached (fail-open)" \
	out_has_line "interfaces: gc (tc program mxgate_ingress, id $id)"
check "status after a clean stop: resolver unknown" out_matches '^resolver: unknown \('
run -j status
check "status -j after a clean stop: running false, why" \
	jis 'd["mxgated"]["running"], d["mxgated"]["pid"], d["mxgated"]["uptime_s"], d["resolver"]["health"]' \
	'[false, null, null, "unknown"]'
start_mxgated "client_access = cidr:$TMP/ok.cidr" || not_ok "mxgated started again"
pid=$MXGATED_PID
stop_mxgated 9
run status
check "status after a crash: the stale pid is not running ($(status_line mxgated))" \
	out_has_line "mxgated: not running (pid $pid from $TMP/mxgated.pid is not running)"

summary output
