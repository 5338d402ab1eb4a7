/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	uptime - is mxgated running, and since when
 * SYNOPSIS
 *	int daemon_life(const char *pid_file, struct daemon_life *life);
 *	int proc_start_ticks(const char *stat, unsigned long long *ticks);
 *	size_t duration_format(unsigned long long s, char *buf, size_t len);
 * DESCRIPTION
 *	For mxgatectl status. daemon_life() reads the pid mxgated wrote
 *	to pid_file (it does so once set up, under the file's lock, and
 *	empties the file when it stops), then asks the kernel about that
 *	process: it is mxgated when /proc/PID/comm says so, and it started
 *	at the starttime of /proc/PID/stat (clock ticks after boot, so the
 *	boot-time clock gives its age). Neither a file's mtime nor a clock
 *	mxgated keeps can be touched or lost: a stale pid file (mxgated was
 *	killed) names a process that is gone or is another program. It
 *	fills life and returns 0 when mxgated runs, else 1 with life->why
 *	saying what was found ("no pid in FILE", "pid N from FILE is not
 *	running", "pid N from FILE is not mxgated").
 *
 *	proc_start_ticks() takes the text of a /proc/PID/stat file and
 *	stores its starttime field (the 22nd; the command name, the 2nd,
 *	is in parentheses and may hold blanks and parentheses itself);
 *	0, or -1 when the text is not such a line.
 *
 *	duration_format() writes s seconds the way a person reads them,
 *	"3d 4h 5m 6s", dropping leading zero units ("5m 0s", "12s"); it
 *	returns what snprintf() does.
 */
#ifndef MXG_UPTIME_H
#define MXG_UPTIME_H

#include <stddef.h>

struct daemon_life {
	int pid;			/* read from pid_file; 0 when none */
	unsigned long long uptime_s;	/* since the process started */
	unsigned long long started_unix; /* when, in Unix seconds */
	char why[256];			/* not running: what was found */
};

int daemon_life(const char *pid_file, struct daemon_life *life);
int proc_start_ticks(const char *stat, unsigned long long *ticks);
size_t duration_format(unsigned long long s, char *buf, size_t len);

#endif /* MXG_UPTIME_H */
