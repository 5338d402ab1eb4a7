/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	log - one event a line, to stderr (foreground) or syslog
 * SYNOPSIS
 *	void log_open(const char *ident, int to_stderr);
 *	void msg_info(fmt, ...);   normal events (verdicts)
 *	void msg_warn(fmt, ...);   bad input survived (DNS answer, packet)
 *	void msg_fatal(fmt, ...);  bad configuration at start-up: log, exit 1
 *	void msg_panic(fmt, ...);  broken internal invariant: log, abort()
 *	void msg_at(report, file, line, fmt, ...);  "FILE:LINE: reason"
 *	long long msg_limit(struct msg_limit *l, __u64 now_ns, __u64 interval_ns);
 *	long long msg_limit_burst(struct msg_limit *l, __u64 now_ns,
 *				  __u64 interval_ns, unsigned burst);
 *	int log_escape(char *dst, size_t size, const char *src, size_t len);
 *	void log_sink(void (*sink)(const char *line));  tests only
 * DESCRIPTION
 *	Lines carry no trailing newline in fmt. On stderr each line is
 *	prefixed with "ident: " and the level for warn/fatal/panic.
 *	When stderr is journald's stream (systemd says so in
 *	$JOURNAL_STREAM, "DEVICE:INODE" of the stream, which log_open()
 *	compares with stderr's), each line starts instead with its syslog
 *	priority as "<N>" (sd-daemon(3): 6 info, 4 warning, 2 fatal and
 *	panic) and the level word, without ident: journald adds the
 *	program name, the pid and the time itself, and "journalctl -p
 *	warning" shows only warnings and worse. With to_stderr 0 lines go
 *	to syslog, facility mail, with the pid.
 *	msg_at() formats a complaint about an input file, "FILE:LINE:
 *	reason" ("FILE: reason" when line is 0), and hands it to report
 *	(when not NULL): the config, table and country loaders use it, so
 *	that their callers decide where the words go.
 *
 *	msg_limit() rate-limits a line that an attacker can make repeat
 *	(one per reset client, per responder session): it returns -1 when the
 *	line should be dropped (less than interval_ns since the last one
 *	logged through l), else how many were dropped since, for the line
 *	to say ("(N more since)"). msg_limit_burst() lets up to burst
 *	lines through in each interval_ns (a window opened by the first
 *	line logged after the last window ended), and then drops, and counts,
 *	the rest of that window; msg_limit() is a burst of 1.
 *
 *	log_escape() writes the len bytes of src (which may hold anything,
 *	NUL included: text a client sent) into dst as one token that cannot
 *	split a line or fake a field: every byte outside printable ASCII
 *	0x21-0x7e, and each of < > \ = " (the delimiters of key=<value>
 *	fields), becomes \xHH (two lower-case hex digits). dst is always
 *	NUL-terminated; the result is 0 when all of src fit in size bytes,
 *	-1 when it was cut, at a whole byte, to fit.
 *
 *	log_sink() is for tests: while sink is not NULL, every line goes to
 *	it (level word and message, no ident, no newline, at most
 *	LOG_LINE_MAX - 1 bytes) instead of stderr or syslog.
 */
#ifndef MXG_LOG_H
#define MXG_LOG_H

#include <stddef.h>
#include <linux/types.h>

#define LOG_LINE_MAX 4096		/* longest line handed to log_sink() */

struct msg_limit {
	__u64 last_ns;			/* when the current window began */
	unsigned long long dropped;	/* lines dropped since the last logged */
	unsigned sent;			/* lines logged in the current window */
};

void log_open(const char *ident, int to_stderr);
long long msg_limit(struct msg_limit *l, __u64 now_ns, __u64 interval_ns);
long long msg_limit_burst(struct msg_limit *l, __u64 now_ns, __u64 interval_ns,
			  unsigned burst);
int log_escape(char *dst, size_t size, const char *src, size_t len);
void log_sink(void (*sink)(const char *line));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_at(void (*report)(const char *msg), const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* MXG_LOG_H */
