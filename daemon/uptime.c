/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	uptime - is mxgated running, and since when
 * DESCRIPTION
 *	Implements uptime.h (the contract is there).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "uptime.h"

#define STARTTIME_FIELD	22	/* of /proc/PID/stat, counted from 1 */
#define NS_PER_S	1000000000ULL

/* proc_start_ticks - the starttime field of a /proc/PID/stat line */
int proc_start_ticks(const char *stat, unsigned long long *ticks)
{
	const char *p = strrchr(stat, ')');	/* the end of the name */
	char *end;

	if (!p || !strchr(stat, '('))
		return -1;
	p++;
	/* Fields 3 and up follow the name, one blank before each. */
	for (int field = 3; field < STARTTIME_FIELD; field++) {
		if (*p != ' ' || !p[1] || p[1] == ' ')
			return -1;
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	if (*p != ' ' || p[1] < '0' || p[1] > '9')
		return -1;
	errno = 0;
	*ticks = strtoull(p + 1, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end))
		return -1;
	return 0;
}

/* read_small - a small file's text (NUL-terminated, at most len - 1
 * bytes); 0 or -1 */
static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return n ? 0 : -1;
}

/* ns_of - a clock in nanoseconds */
static unsigned long long ns_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (unsigned long long)ts.tv_sec * NS_PER_S + (unsigned long long)ts.tv_nsec;
}

/* daemon_life - the pid in pid_file, when it is a running mxgated, and
 * how long it has run */
int daemon_life(const char *pid_file, struct daemon_life *life)
{
	char text[1024], path[64];
	unsigned long long ticks, start_ns, up_ns;
	long hz = sysconf(_SC_CLK_TCK);
	int pid = 0;

	memset(life, 0, sizeof(*life));
	if (read_small(pid_file, text, sizeof(text)) < 0 ||
	    sscanf(text, "%d", &pid) != 1 || pid <= 1) {
		snprintf(life->why, sizeof(life->why), "no pid in %s", pid_file);
		return 1;
	}
	life->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_small(path, text, sizeof(text)) < 0) {
		snprintf(life->why, sizeof(life->why), "pid %d from %s is not running",
			 pid, pid_file);
		return 1;
	}
	text[strcspn(text, "\n")] = 0;
	if (strcmp(text, "mxgated") != 0) {
		snprintf(life->why, sizeof(life->why), "pid %d from %s is not mxgated",
			 pid, pid_file);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (hz <= 0 || read_small(path, text, sizeof(text)) < 0 ||
	    proc_start_ticks(text, &ticks) < 0) {
		snprintf(life->why, sizeof(life->why), "pid %d from %s is not running",
			 pid, pid_file);
		return 1;
	}
	/* In nanoseconds, so that the start does not move with the second
	 * the question is asked in. */
	start_ns = ticks / (unsigned long long)hz * NS_PER_S +
		   ticks % (unsigned long long)hz * NS_PER_S / (unsigned long long)hz;
	up_ns = ns_of(CLOCK_BOOTTIME);
	up_ns = up_ns > start_ns ? up_ns - start_ns : 0;
	life->uptime_s = up_ns / NS_PER_S;
	life->started_unix = (ns_of(CLOCK_REALTIME) - up_ns) / NS_PER_S;
	return 0;
}

/* duration_format - "3d 4h 5m 6s", from the first unit that is not 0 */
size_t duration_format(unsigned long long s, char *buf, size_t len)
{
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
	int n;

	if (d)
		n = snprintf(buf, len, "%llud %lluh %llum %llus", d, h, m, s % 60);
	else if (h)
		n = snprintf(buf, len, "%lluh %llum %llus", h, m, s % 60);
	else if (m)
		n = snprintf(buf, len, "%llum %llus", m, s % 60);
	else
		n = snprintf(buf, len, "%llus", s);
	return n < 0 ? 0 : (size_t)n;
}
