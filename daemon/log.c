/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	log - one event a line, to stderr or syslog
 * DESCRIPTION
 *	Implements log.h (the contract is there). Postfix's conventions: the
 *	level word after the program name on stderr, syslog facility mail
 *	with the pid otherwise; on journald's stream, sd-daemon(3)'s "<N>"
 *	priority instead of the program name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"

static const char *log_ident = "mxgate";	/* program name on each line */
static int log_stderr = 1;		/* 1: stderr, 0: syslog */
static int log_journal;			/* stderr is journald's: "<N>" */
static void (*log_sink_fn)(const char *line);	/* tests: lines go here */

/* stderr_is_journal - does $JOURNAL_STREAM name the file stderr is? (A
 * program started by systemd passes the variable on to its children,
 * whose stderr may be a pipe or a file of their own.) */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	return v && sscanf(v, "%llu:%llu%c", &dev, &ino, &end) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* log_open - choose stderr (foreground, tools; the journal's prefixes if
 * it is journald's) or syslog facility mail */
void log_open(const char *ident, int to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_journal = to_stderr && stderr_is_journal();
	if (to_stderr)
		setvbuf(stderr, NULL, _IOLBF, 0);
	else
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_sink - tests only: every line to sink, or (NULL) back to normal */
void log_sink(void (*sink)(const char *line))
{
	log_sink_fn = sink;
}

/* sink_line - format one line for the test's sink */
static void sink_line(const char *level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = snprintf(line, sizeof(line), "%s", level);

	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	log_sink_fn(line);
}

/* vlog - write one line at priority with an optional level word */
static void vlog(int priority, const char *level, const char *fmt, va_list ap)
{
	if (log_sink_fn) {
		sink_line(level, fmt, ap);
		return;
	}
	if (!log_stderr) {
		vsyslog(priority, fmt, ap);
		return;
	}
	if (log_journal)
		fprintf(stderr, "<%d>%s", priority, level);
	else
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

/* msg_limit_burst - -1: drop this line (burst lines went out in this
 * window already); else the lines dropped since the last one logged */
long long msg_limit_burst(struct msg_limit *l, __u64 now_ns, __u64 interval_ns,
			  unsigned burst)
{
	long long dropped;

	if (!l->last_ns || now_ns - l->last_ns >= interval_ns) {
		l->last_ns = now_ns ? now_ns : 1;	/* a new window */
		l->sent = 0;
	}
	if (l->sent >= burst) {
		l->dropped++;
		return -1;
	}
	l->sent++;
	dropped = (long long)l->dropped;
	l->dropped = 0;
	return dropped;
}

/* msg_limit - -1: drop this line; else the lines dropped since the last */
long long msg_limit(struct msg_limit *l, __u64 now_ns, __u64 interval_ns)
{
	return msg_limit_burst(l, now_ns, interval_ns, 1);
}

/* log_escape - src as one log token: bytes outside 0x21-0x7e and the
 * field delimiters < > \ = " as \xHH; -1 when cut to fit in size */
int log_escape(char *dst, size_t size, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t out = 0;

	if (size == 0)
		return len ? -1 : 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)src[i];
		int plain = b >= 0x21 && b <= 0x7e && !strchr("<>\\=\"", b);

		if (out + (plain ? 1 : 4) >= size) {
			dst[out] = '\0';
			return -1;
		}
		if (plain) {
			dst[out++] = (char)b;
			continue;
		}
		dst[out++] = '\\';
		dst[out++] = 'x';
		dst[out++] = hex[b >> 4];
		dst[out++] = hex[b & 15];
	}
	dst[out] = '\0';
	return 0;
}
