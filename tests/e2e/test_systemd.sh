#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_systemd.sh - mxgated as systemd sees it (issue 14, item 4), with
# no systemd: what a Type=notify unit would hear and what journald would
# read, checked where they arrive.
#  - sd_notify: a listener on the socket $NOTIFY_SOCKET names (root-only,
#    as mxgated connects before giving up root) records each message and,
#    at that moment, whether the "ready" line was logged, the queue bound
#    and the rules loaded. READY=1 comes once all three hold, and a
#    client is judged right after; RELOADING=1 (with MONOTONIC_USEC) and
#    READY=1 frame a reload; STOPPING=1 comes with SIGTERM.
#  - journald: with $JOURNAL_STREAM naming mxgated's stderr, every line
#    starts with its priority (<6> info, <4> warning) and no program name,
#    so "journalctl -p warning" would show exactly the warnings; with the
#    variable naming another file, the human format stays.
set -u
. "$(dirname "$0")/lib.sh"

NOTIFY=$TMP/notify.sock
HEARD=$TMP/notify.log

# heard REGEX - a message matching REGEX (newlines shown as |) arrived
heard() { grep -qE "$1" "$HEARD"; }
# nth_heard N - the Nth message heard
nth_heard() { sed -n "${1}p" "$HEARD"; }

setup_network || { echo "systemd: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix || { not_ok "test world started"; summary systemd; exit 1; }

# The listener: each datagram as one line, its newlines as |, then what
# held when it arrived.
cat > "$TMP/notify.py" <<'EOP'
import os, re, socket, subprocess, sys
path, out, log = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o600)
open(out + ".up", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode().replace("\n", "|")
        with open("/proc/net/netfilter/nfnetlink_queue") as q:
            bound = any(l.split()[0] == "0" for l in q)
        rules = subprocess.run(["nft", "list", "table", "inet", "mxgate"],
                               capture_output=True).returncode == 0
        with open(log, errors="replace") as l:
            readies = sum(1 for line in l if re.search(r"(^|[ >])ready: ", line))
        f.write("%s bound=%d rules=%d readies=%d\n" % (msg, bound, rules, readies))
EOP
ip netns exec "$NS_G" python3 "$TMP/notify.py" "$NOTIFY" "$HEARD" "$DAEMON_LOG" &
disown $!	# killed with the namespace, quietly
wait_for "notify listener" test -e "$HEARD.up"

# mxgated's stderr is DAEMON_LOG: JOURNAL_STREAM names that very file.
touch "$DAEMON_LOG"
stream=$(stat -c '%d:%i' "$DAEMON_LOG")
NOTIFY_SOCKET=$NOTIFY JOURNAL_STREAM=$stream start_mxgated ||
	{ not_ok "mxgated started"; summary systemd; exit 1; }

# --- Readiness.
check "READY=1 arrived" wait_for "READY=1" heard '^READY=1'
echo "# $(grep -m1 '^READY=1' "$HEARD")"
check "READY=1 is the first message" grep -q '^READY=1' <(nth_heard 1)
check "... with a STATUS saying SYNs are being judged" heard '^READY=1\|STATUS=Judging SYNs: queue 0, 1 interface'
check "... sent after the ready line was logged" heard '^READY=1.* readies=1$'
check "... with the queue bound" heard '^READY=1.* bound=1 '
check "... and the rules loaded" heard '^READY=1.* rules=1 '
send_mail $CLEAN 4 clean 15
check "a client right after it is judged and delivered" delivered clean

# --- The journal's format.
check "the ready line, for journald: <6>ready: (no program name)" grep -q '^<6>ready: queue 0' "$DAEMON_LOG"
check "the verdict line: <6>verdict" grep -q '^<6>verdict action=pass' "$DAEMON_LOG"
check "every line starts with a priority" not grep -qvE '^<[0-7]>' "$DAEMON_LOG"
check "no line names the program (journald adds it)" not grep -q '^\(<[0-7]>\)\?mxgated: ' "$DAEMON_LOG"

# --- A reload that changes a restart key: a warning, and the frame.
sed -i 's/^ports = 25$/ports = 25, 587/' "$TMP/mxgate.conf"
n=$(grep -c 'reload: .* in effect' "$DAEMON_LOG")
kill -HUP "$MXGATED_PID"
check "reload done" wait_for "reload" sh -c "[ \$(grep -c 'reload: .* in effect' '$DAEMON_LOG') -gt $n ]"
check "the restart-key warning: <4>warning:" \
	grep -q '^<4>warning: reload: restart needed for: ports' "$DAEMON_LOG"
check "RELOADING=1 arrived, with MONOTONIC_USEC (after giving up root)" \
	wait_for "RELOADING=1" heard '^RELOADING=1\|MONOTONIC_USEC=[0-9]+\|STATUS=Reloading '
check "... then READY=1 again" wait_for "READY=1 after the reload" \
	sh -c "grep -A1 '^RELOADING=1' '$HEARD' | tail -n 1 | grep -q '^READY=1'"
# journalctl -p warning: priorities 0-4. They must be the warnings and
# worse, and every warning must be among them.
check "priority <= 4 lines all say warning/fatal/panic" \
	awk '/^<[0-4]>/ && !/^<[0-4]>(warning|fatal|panic): / { bad = 1 } END { exit bad }' "$DAEMON_LOG"
check "every warning has priority 4" \
	awk '/warning: / && !/^<4>warning: / { bad = 1 } END { exit bad }' "$DAEMON_LOG"
check "info lines have priority 6" \
	awk '/^<6>/ { n++ } END { exit !(n > 5) }' "$DAEMON_LOG"

# --- Stop.
stop_mxgated 15
check "STOPPING=1 arrived with SIGTERM" wait_for "STOPPING=1" heard '^STOPPING=1'
check "... as the last message" grep -q '^STOPPING=1' <(tail -n 1 "$HEARD")
sed 's/^/# /' "$HEARD"

# --- JOURNAL_STREAM naming another file (inherited from a unit whose
# stderr this is not): the human format.
JOURNAL_STREAM=1:2 in_ns "$NS_G" "$BUILD/mxgated" -t -c "$TMP/mxgate.conf" > "$TMP/t.log" 2>&1
check "JOURNAL_STREAM of another file: 'mxgated: ...' as before" \
	grep -q '^mxgated: .*configuration ok' "$TMP/t.log"

summary systemd
