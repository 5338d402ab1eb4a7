#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_tables.sh - Postfix access tables carried over to mxgate: an OK in
# any table wins over S25R, a table's REJECT refuses even a confirmed
# name, an address allowed by a cidr table needs no DNS, "unknown" keys
# catch clients without a confirmed name; every verdict names the table
# line that decided it. A bad table line stops mxgated -t with file:line.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "tables: 0 passed, 1 failed"; exit 1; }
cat > "$TMP/client_access" <<'T'
# hash: a seed-style client_access
pool.example.net OK
unknown REJECT no reverse DNS
T
printf '%s\n' "$(v4 $FORGED)/32 OK" > "$TMP/networks.cidr"
cat > "$TMP/client_access_pcre" <<'T'
/^mx2\.sender\.example$/ REJECT partner left
T
tables="client_access = cidr:$TMP/networks.cidr, hash:$TMP/client_access, pcre:$TMP/client_access_pcre"
start_nsd && start_postfix && start_mxgated "$tables" ||
	{ not_ok "test world started"; summary tables; exit 1; }

send_mail $CLEAN 4 clean
check "no table entry: the clean sender is delivered" delivered clean

send_mail $DYNAMIC 4 dyn4
send_mail $DYNAMIC 6 dyn6
check "hash domain OK beats S25R: dynamic client delivered (IPv4)" delivered dyn4
check "hash domain OK beats S25R: dynamic client delivered (IPv6)" delivered dyn6
check "the verdict keeps every reason and names the table line" \
	log_has "verdict action=pass client=$(v4 $DYNAMIC) .* rule=s25r1 reasons=s25r1,fcrdns,table_ok .* table=$TMP/client_access:2"
check "lookup says pass with table_ok" lookup_has "$(v4 $DYNAMIC)" " pass reasons=s25r1,fcrdns,table_ok "

send_mail $FORGED 4 forged
check "cidr OK: the forged-PTR client is delivered" delivered forged
check "cidr OK decides without DNS" \
	log_has "verdict action=pass client=$(v4 $FORGED) ptr=- fcrdns=skipped rule=none reasons=table_ok .* table=$TMP/networks.cidr:1"

send_mail $NOPTR 4 noptr 4
check "hash \"unknown\" REJECT: the no-PTR client never reaches the MTA" not mta_saw "$(v4 $NOPTR)"
check "... and its verdict says so" \
	log_has "verdict action=block client=$(v4 $NOPTR) ptr=- fcrdns=none rule=s25r0 reasons=s25r0,table_deny .* table=$TMP/client_access:3"

send_mail $SPARE 4 spare 4
check "pcre REJECT refuses a confirmed, clean name" not mta_saw "$(v4 $SPARE)"
check "... with table_deny and the pcre line" \
	log_has "verdict action=block client=$(v4 $SPARE) ptr=mx2.sender.example fcrdns=pass rule=none reasons=fcrdns,table_deny .* table=$TMP/client_access_pcre:1"

# Reload: the pool is no longer allowed; the dynamic client's next
# connection (its verdict forgotten) is refused by S25R again.
sed -i '/pool.example.net OK/d' "$TMP/client_access"
check "mxgatectl reload signals the daemon" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" reload
wait_for "reload" log_has "reload: $TMP/mxgate.conf and 3 table(s) in effect"
check "the daemon reports the reload" log_has "reload: .* in effect"
ctl forget "$(v4 $DYNAMIC)" >/dev/null
send_mail $DYNAMIC 4 dyn-after 4
check "after the reload the dynamic client is refused (S25R rule 1)" \
	log_has "verdict action=greylist client=$(v4 $DYNAMIC) .* rule=s25r1 reasons=s25r1,fcrdns "
# A bad table line at reload: reported, and the running tables stay.
echo "broken line without action" >> "$TMP/client_access"
ctl forget "$(v4 $FORGED)" >/dev/null
"$BUILD/mxgatectl" -c "$TMP/mxgate.conf" reload >/dev/null
wait_for "rejected reload" log_has "keeping the running configuration and tables"
check "a bad table at reload is reported with file:line" \
	log_has "warning: $TMP/client_access:3: "
send_mail $FORGED 4 forged-after
check "... and the last good tables stay in effect (cidr OK still holds)" delivered forged-after
check "the daemon survived both reloads" kill -0 "$MXGATED_PID"

# A bad line in a table: the configuration check names file and line.
printf 'example.com HOLD\n' > "$TMP/bad_access"
sed "s|^client_access = .*|client_access = hash:$TMP/bad_access|" "$TMP/mxgate.conf" > "$TMP/bad.conf"
out=$("$BUILD/mxgated" -t -c "$TMP/bad.conf" 2>&1); rc=$?
check "mxgated -t refuses a bad table (exit $rc)" test "$rc" -eq 1
check "... naming file and line: $(head -n 1 <<<"$out")" \
	grep -q "$TMP/bad_access:1: action \"HOLD\" has no meaning" <<<"$out"

summary tables
