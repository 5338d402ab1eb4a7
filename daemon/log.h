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
 * DESCRIPTION
 *	Lines carry no trailing newline in fmt. On stderr each line is
 *	prefixed with "ident: " and the level for warn/fatal/panic.
 */
#ifndef MXG_LOG_H
#define MXG_LOG_H

void log_open(const char *ident, int to_stderr);
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* MXG_LOG_H */
