#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_countries.sh - country lists from a drop-in directory, enforced by
# the tc program: a file dropped in blocks its clients (IPv4 and IPv6)
# without a restart, a malformed file is reported and the set in force
# stays, removing files lifts the block, blocks hold with mxgated dead,
# and a world-size set (300k IPv4 + 100k IPv6 prefixes) loads and works.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "countries: 0 passed, 1 failed"; exit 1; }
dir=$TMP/countries.d
mkdir -p "$dir"
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary countries; exit 1; }
check "an empty directory loads" log_has "countries: 0 prefixes from 0 file(s)"

send_mail $CLEAN 4 before
check "before: the clean sender is delivered" delivered before

loads() { grep -c "countries: .* in effect" "$DAEMON_LOG"; }
# drop FILE CONTENT - write a country file the way admins do (temp + mv)
drop() { printf '%s\n' "$2" > "$dir/.$1.tmp" && mv "$dir/.$1.tmp" "$dir/$1"; }

n=$(loads)
drop zz.zone "# test country
198.51.100.0/28"
drop zz.ipv6.zone "2001:db8:c::/120"
wait_for "country load" sh -c "[ \$(grep -c 'countries: .* in effect' '$DAEMON_LOG') -gt $n ]"
check "dropped files are picked up without a restart" \
	log_has "countries: 2 prefixes from 2 file(s)"
c0=$(stat_value country)
send_mail $CLEAN 4 blocked4 4
send_mail $CLEAN 6 blocked6 4
check "the country blocks the clean sender over IPv4 ..." not grep -q "X-Mxgate-Test: blocked4" "$MAILBOX"
check "... and IPv6, despite its cached pass verdict" not grep -q "X-Mxgate-Test: blocked6" "$MAILBOX"
check "the tc program counted the drops (country $c0 -> $(stat_value country))" \
	test "$(stat_value country)" -gt "$c0"

n=$(loads)
drop yy.zone "198.51.100.64/26
not-a-network"
wait_for "bad file reported" log_has "yy.zone:2: \"not-a-network\" is not an IPv4 or IPv6 network"
check "a malformed file is reported with file:line" log_has "yy.zone:2: "
check "... and the set in force stays" log_has "countries: 1 bad line(s) in $dir; the set in force stays"
send_mail $CLEAN 4 still 4
check "... still blocking" not grep -q "X-Mxgate-Test: still" "$MAILBOX"

rm -f "$dir/yy.zone" "$dir/zz.zone" "$dir/zz.ipv6.zone"
wait_for "country unload" sh -c "[ \$(grep -c 'countries: 0 prefixes' '$DAEMON_LOG') -gt 1 ]"
send_mail $CLEAN 4 after
check "removing the files lifts the block" delivered after

# A world-size set: 300k IPv4 /24s and 100k IPv6 /64s, the test
# networks among them.
awk 'BEGIN { for (i = 0; i < 299999; i++)
	printf "%d.%d.%d.0/24\n", 1 + int(i / 65536), int(i / 256) % 256, i % 256
	print "198.51.100.0/24" }' > "$dir/.wd.tmp"
awk 'BEGIN { for (i = 0; i < 99999; i++)
	printf "2001:db8:%x:%x::/64\n", 256 + int(i / 65536), i % 65536
	print "2001:db8:c::/64" }' > "$dir/.wd6.tmp"
mv "$dir/.wd.tmp" "$dir/wd.zone"
mv "$dir/.wd6.tmp" "$dir/wd.ipv6.zone"
wait_for "world load" log_has "countries: 400000 prefixes from 2 file(s)"
line=$(grep "countries: 400000 prefixes" "$DAEMON_LOG" | tail -n 1)
check "a world-size set loads: ${line#*in effect }" test -n "$line"
send_mail $SPARE 4 world4 4
send_mail $SPARE 6 world6 4
check "... and is enforced (IPv4)" not mta_saw "$(v4 $SPARE)"
check "... and is enforced (IPv6)" not mta_saw "$(v6 $SPARE)"

# The kernel holds the set: with mxgated dead, the block stays.
stop_mxgated 9
send_mail $CLEAN 4 dead 4
check "with mxgated killed the country block holds" not grep -q "X-Mxgate-Test: dead" "$MAILBOX"

summary countries
