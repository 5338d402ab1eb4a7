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
 * DESCRIPTION
 *	Lines carry no trailing newline in fmt. On stderr each line is
 *	prefixed with "ident: " and the level for warn/fatal/panic.
 *	msg_at() formats a complaint about an input file, "FILE:LINE:
 *	reason" ("FILE: reason" when line is 0), and hands it to report
 *	(when not NULL): the config, table and country loaders use it, so
 *	that their callers decide where the words go.
 *
 *	msg_limit() rate-limits a line that an attacker can make repeat
 *	(one per reset client, per tarpit outcome): it returns -1 when the
 *	line should be dropped (less than interval_ns since the last one
 *	logged through l), else how many were dropped since, for the line
 *	to say ("(N more since)").
 */
#ifndef MXG_LOG_H
#define MXG_LOG_H

#include <linux/types.h>

struct msg_limit {
	__u64 last_ns;			/* when the last line went out */
	unsigned long long dropped;	/* lines dropped since */
};

void log_open(const char *ident, int to_stderr);
long long msg_limit(struct msg_limit *l, __u64 now_ns, __u64 interval_ns);
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_at(void (*report)(const char *msg), const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* MXG_LOG_H */
