#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_providers.sh - the shipped provider allowlist, with the shipped
# defaults (no client_access): forward-confirmed clients named like
# Gmail's and Microsoft 365's pools (S25R rule 1 hits) are delivered at
# their first attempt, over IPv4 and IPv6; an S25R-hit line is still
# greylisted; a PTR that says google.com but does not resolve back is
# not allowlisted. mxgated -d and -p show the key, mxgatectl check names
# the domain; a file given at reload replaces the list, a bad one is
# refused with file:line and the running list stays.
set -u
. "$(dirname "$0")/lib.sh"

GMAIL=61 M365=62 FAKE=63	# client addresses 198.51.100.N (and ::61)
GMAIL_NAME=mail-wm1-f54.google.com
GMAIL6_NAME=mail-io1-xd2f.google.com
M365_NAME=mail-dm6nam12on2041.outbound.protection.outlook.com
FAKE_NAME=mail-xx1-f1.google.com

# zone NAME RECORDS - one more zone for nsd (before start_nsd), as
# write_zones writes them
# shellcheck disable=SC2016 # zone text: no shell expansion meant
zone() {
	mkdir -p "$TMP/zones"
	printf '%s\n%s\n' '$TTL 60
@ IN SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 60
@ IN NS ns.test.example.' "$2" > "$TMP/zones/$1"
}

# ptr6_zone HOST - the reverse zone of 2001:db8:c::HOST alone (two
# decimal digits read as hex nibbles, as write_zones has them); nsd
# answers from it before the /64's zone
ptr6_zone() {
	echo "${1:1:1}.${1:0:1}.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
}

# The providers' names: Google's zone has the forged client's name
# pointing elsewhere, so its PTR is not confirmed.
world() {
	add_client $GMAIL && add_client $M365 && add_client $FAKE || return 1
	in_ns "$NS_C" ip addr add "$(v6 $GMAIL)/64" dev c0 nodad || return 1
	zone google.com "${GMAIL_NAME%.google.com} IN A $(v4 $GMAIL)
${GMAIL6_NAME%.google.com} IN AAAA $(v6 $GMAIL)
${FAKE_NAME%.google.com} IN A 203.0.113.99"
	zone outbound.protection.outlook.com \
		"${M365_NAME%.outbound.protection.outlook.com} IN A $(v4 $M365)"
	zone $GMAIL.100.51.198.in-addr.arpa "@ IN PTR $GMAIL_NAME."
	zone $M365.100.51.198.in-addr.arpa "@ IN PTR $M365_NAME."
	zone $FAKE.100.51.198.in-addr.arpa "@ IN PTR $FAKE_NAME."
	zone "$(ptr6_zone $GMAIL)" "@ IN PTR $GMAIL6_NAME."
}

setup_network && world || { echo "providers: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary providers; exit 1; }

check "the shipped list is in force by default" \
	log_has "provider_allowlist: [0-9]* domain(s) from builtin"
check "mxgated -d prints the key with its default" \
	grep -qx "provider_allowlist = builtin" <("$BUILD/mxgated" -d)
check "mxgated -p prints the value in force" \
	grep -qx "provider_allowlist = builtin" <("$BUILD/mxgated" -p -c "$TMP/mxgate.conf")

# Gmail and Microsoft 365: delivered at the first attempt.
send_mail $GMAIL 4 gmail4
check "a confirmed Gmail pool name is delivered at once (IPv4)" delivered gmail4
check "... its verdict names the allowlisted domain" \
	log_has "verdict action=pass client=$(v4 $GMAIL) ptr=$GMAIL_NAME fcrdns=pass rule=s25r1 reasons=s25r1,fcrdns,provider .* provider=google.com"
send_mail $GMAIL 6 gmail6
check "a confirmed Gmail pool name is delivered at once (IPv6)" delivered gmail6
check "... its verdict too" \
	log_has "verdict action=pass client=$(v6 $GMAIL) ptr=$GMAIL6_NAME fcrdns=pass rule=s25r1 reasons=s25r1,fcrdns,provider .* provider=google.com"
send_mail $M365 4 m365
check "a confirmed Microsoft 365 pool name is delivered at once" delivered m365
check "... with provider=outbound.protection.outlook.com" \
	log_has "verdict action=pass client=$(v4 $M365) ptr=$M365_NAME fcrdns=pass .*reasons=s25r1,fcrdns,provider .* provider=outbound.protection.outlook.com"
check "lookup shows the provider reason" \
	lookup_has "$(v4 $GMAIL)" " pass reasons=s25r1,fcrdns,provider "

# An S25R-hit line, and a forged Google PTR: greylisted as ever.
send_mail $DYNAMIC 4 dyn 10
check "the dynamic line gets the responder's 450" grep -q "450 4.7.1" "$TMP/swaks-dyn.log"
check "... never reaches the MTA" not mta_saw "$(v4 $DYNAMIC)"
check "... greylisted by S25R rule 1" \
	log_has "verdict action=greylist client=$(v4 $DYNAMIC) .* rule=s25r1 reasons=s25r1,fcrdns "
send_mail $FAKE 4 fake 10
check "a forged Google PTR gets the responder's 450" grep -q "450 4.7.1" "$TMP/swaks-fake.log"
check "... never reaches the MTA" not mta_saw "$(v4 $FAKE)"
check "... greylisted as rule 0" \
	log_has "verdict action=greylist client=$(v4 $FAKE) ptr=$FAKE_NAME fcrdns=fail rule=s25r0 reasons=s25r0 "
check "... with no provider named" not log_has "client=$(v4 $FAKE) .*provider="

# The dry run says why.
out=$(in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" check "$(v4 $GMAIL)" 2>&1)
check "mxgatectl check names the domain and its source" \
	grep -q "^provider: *google.com (builtin): pass over S25R" <<<"$out"
check "... and the verdict is pass" grep -q "^verdict: *pass reasons=s25r1,fcrdns,provider " <<<"$out"
out=$(in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" check "$(v4 $FAKE)" 2>&1)
check "... and says a forged PTR is not looked up" \
	grep -q "^provider: *not looked up (no confirmed name)" <<<"$out"

# A file of one's own replaces the shipped list at a reload.
printf '# ours\noutbound.protection.outlook.com\n' > "$TMP/providers"
echo "provider_allowlist = $TMP/providers" >> "$TMP/mxgate.conf"
"$BUILD/mxgatectl" -c "$TMP/mxgate.conf" reload >/dev/null
check "a reload reads the file" \
	wait_for "reload" log_has "provider_allowlist: 1 domain(s) from $TMP/providers"
check "mxgated -p shows it" \
	grep -qx "provider_allowlist = $TMP/providers" <("$BUILD/mxgated" -p -c "$TMP/mxgate.conf")
ctl forget "$(v4 $GMAIL)" >/dev/null
ctl forget "$(v4 $M365)" >/dev/null
send_mail $GMAIL 4 gmail-after 10
check "google.com no longer listed: Gmail's pool is greylisted" \
	log_has "verdict action=greylist client=$(v4 $GMAIL) ptr=$GMAIL_NAME fcrdns=pass rule=s25r1 reasons=s25r1,fcrdns "
send_mail $M365 4 m365-after
check "the file's domain still passes" delivered m365-after
check "... from its file and line" \
	grep -q "^provider: *outbound.protection.outlook.com ($TMP/providers:2)" \
	<(in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" check "$(v4 $M365)" 2>&1)

# A bad line: the reload is refused with file:line, the list stays.
echo "com" >> "$TMP/providers"
"$BUILD/mxgatectl" -c "$TMP/mxgate.conf" reload >/dev/null
check "a bad provider file at reload is refused" \
	wait_for "refused reload" log_has "reload: provider_allowlist: bad list; keeping"
check "... naming file and line" log_has "$TMP/providers:3: \"com\" is a top-level domain alone"
out=$("$BUILD/mxgated" -t -c "$TMP/mxgate.conf" 2>&1); rc=$?
check "mxgated -t refuses it too (exit $rc)" test "$rc" -eq 1
check "... naming file and line: $(head -n 1 <<<"$out")" \
	grep -q "$TMP/providers:3: \"com\" is a top-level domain alone" <<<"$out"
ctl forget "$(v4 $M365)" >/dev/null
send_mail $M365 4 m365-kept
check "... and the running list stays in effect" delivered m365-kept
check "the daemon survived the reloads" kill -0 "$MXGATED_PID"

summary providers
