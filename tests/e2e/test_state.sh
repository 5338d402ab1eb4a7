#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_state.sh - learned state is never lost: a sender mxgated passed is
# still known after the kernel maps are wiped (as by a reboot), restored
# from the on-disk store, so its next SYN never waits for the daemon; a
# new max_sources migrates the pinned map with its entries; mxgatectl
# forget removes it from disk too.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "state: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary state; exit 1; }
clean=$(v4 $CLEAN)

# wipe_kernel_state - what a reboot does to mxgate's kernel side
wipe_kernel_state() {
	stop_mxgated 15
	in_ns "$NS_G" tc filter del dev gc ingress 2>/dev/null
	umount -l "$PIN"
	mount -t bpf bpf "$PIN"
}

send_mail $CLEAN 4 first
check "the clean sender is delivered and passed" lookup_has "$clean" " pass reasons=fcrdns "
check "the decision was written to disk" test -s "$TMP/state/verdicts.lmdb"

wipe_kernel_state
check "after the wipe the kernel knows nothing" not ctl lookup "$clean"
start_mxgated
check "mxgated restores the learned verdict" log_has "state: 1 verdict(s) restored"
check "lookup shows it again, reasons intact" lookup_has "$clean" " pass reasons=fcrdns "
q=$(queued_total)
send_mail $CLEAN 4 second
check "the sender is delivered again" delivered second
check "... without its SYN going to the daemon (queued $q -> $(queued_total))" \
	test "$(queued_total)" -eq "$q"

# Another max_sources: the pinned verdicts map is migrated, not refused.
stop_mxgated 15
start_mxgated "max_sources = 4096"
check "a new max_sources migrates the pinned verdicts map, one log line" \
	log_has "map verdicts pinned at $PIN/verdicts: value size [0-9]* -> [0-9]*, max_entries 262144 -> 4096: migrated, [1-9][0-9]* entries kept"
check "... the learned verdict is still in the kernel" lookup_has "$clean" " pass reasons=fcrdns "

check "mxgatectl forget also forgets on disk" \
	"$BUILD/mxgatectl" -c "$TMP/mxgate.conf" forget "$clean"
wipe_kernel_state
start_mxgated
check "a forgotten sender is not restored" log_has "state: 0 verdict(s) restored"
check "... and has no verdict" not ctl lookup "$clean"

summary state
