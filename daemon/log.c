/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	log - one event a line, to stderr or syslog
 * DESCRIPTION
 *	Implements log.h (the contract is there). Postfix's conventions: the
 *	level word after the program name on stderr, syslog facility mail
 *	with the pid otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include "log.h"

static const char *log_ident = "mxgate";	/* program name on each line */
static int log_stderr = 1;		/* 1: stderr, 0: syslog */

/* log_open - choose stderr (foreground, tools) or syslog facility mail */
void log_open(const char *ident, int to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	if (to_stderr)
		setvbuf(stderr, NULL, _IOLBF, 0);
	else
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* vlog - write one line at priority with an optional level word */
static void vlog(int priority, const char *level, const char *fmt, va_list ap)
{
	if (!log_stderr) {
		vsyslog(priority, fmt, ap);
		return;
	}
	fprintf(stderr, "%s: %s", log_ident, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* msg_info - a normal event */
void msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

/* msg_warn - bad input that was survived */
void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

/* msg_fatal - bad configuration or environment: log and exit 1 */
void msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

/* msg_panic - a broken internal invariant: log and abort for a core */
void msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}

/* msg_at - "FILE:LINE: reason" to report */
void msg_at(void (*report)(const char *msg), const char *file, int line,
	    const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	int n = line ? snprintf(msg, sizeof(msg), "%s:%d: ", file, line)
		     : snprintf(msg, sizeof(msg), "%s: ", file);

	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (report)
		report(msg);
}

/* msg_limit - -1: drop this line; else the lines dropped since the last */
long long msg_limit(struct msg_limit *l, __u64 now_ns, __u64 interval_ns)
{
	long long dropped;

	if (l->last_ns && now_ns - l->last_ns < interval_ns) {
		l->dropped++;
		return -1;
	}
	dropped = (long long)l->dropped;
	l->last_ns = now_ns ? now_ns : 1;
	l->dropped = 0;
	return dropped;
}
