/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_uptime.c - is mxgated running, since when: /proc and the pid file. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test.h"
#include "uptime.h"

TEST(uptime_start_ticks_of_a_stat_line)
{
	unsigned long long t = 0;

	CHECK_EQ_INT(proc_start_ticks("9054 (cat) R 9051 9051 31848 0 -1 4194304 97 0 0 0 "
				      "0 1 0 0 20 0 1 0 2350395 3133440 360 1844674407\n",
				      &t), 0);
	CHECK_EQ_INT(t, 2350395);
	/* The name may hold blanks and parentheses: the last ')' ends it. */
	CHECK_EQ_INT(proc_start_ticks("7 (a) b ) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
				      "77 0 0", &t), 0);
	CHECK_EQ_INT(t, 77);
	/* The last field may end the text. */
	CHECK_EQ_INT(proc_start_ticks("7 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5", &t), 0);
	CHECK_EQ_INT(t, 5);
}

TEST(uptime_start_ticks_refuses_other_text)
{
	unsigned long long t = 0;

	CHECK_EQ_INT(proc_start_ticks("", &t), -1);
	CHECK_EQ_INT(proc_start_ticks("garbage", &t), -1);
	CHECK_EQ_INT(proc_start_ticks("7 (x) R 1 1 1", &t), -1);	/* cut short */
	CHECK_EQ_INT(proc_start_ticks("7 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ", &t), -1);
	CHECK_EQ_INT(proc_start_ticks("7 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x9", &t), -1);
	CHECK_EQ_INT(proc_start_ticks("7 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9x", &t), -1);
	CHECK_EQ_INT(proc_start_ticks("7 (x) R 1  1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0", &t), -1);
	CHECK_EQ_INT(proc_start_ticks("7 x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0", &t), -1);
}

TEST(uptime_duration_format)
{
	char buf[64];

	duration_format(0, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "0s");
	duration_format(59, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "59s");
	duration_format(60, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1m 0s");
	duration_format(3600 + 61, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1h 1m 1s");
	duration_format(3 * 86400 + 4 * 3600 + 5 * 60 + 6, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "3d 4h 5m 6s");
	duration_format(86400, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1d 0h 0m 0s");
	CHECK_EQ_INT(duration_format(86400, buf, 4), 11);	/* as snprintf */
	CHECK_EQ_STR(buf, "1d ");
}

/* write_pid - a pid file holding text; its path in path */
static void write_pid(char *path, size_t len, const char *text)
{
	FILE *f;

	snprintf(path, len, "/tmp/mxgate-uptime-test.%d", (int)getpid());
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(uptime_daemon_life_without_a_daemon)
{
	struct daemon_life life;
	char path[128], text[32], want[256];
	pid_t child;

	CHECK_EQ_INT(daemon_life("/nonexistent/mxgated.pid", &life), 1);
	CHECK_EQ_STR(life.why, "no pid in /nonexistent/mxgated.pid");
	CHECK_EQ_INT(life.pid, 0);

	write_pid(path, sizeof(path), "");	/* emptied by a clean stop */
	CHECK_EQ_INT(daemon_life(path, &life), 1);
	snprintf(want, sizeof(want), "no pid in %s", path);
	CHECK_EQ_STR(life.why, want);

	/* Our own pid: running, but not mxgated. */
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_pid(path, sizeof(path), text);
	CHECK_EQ_INT(daemon_life(path, &life), 1);
	snprintf(want, sizeof(want), "pid %d from %s is not mxgated", (int)getpid(), path);
	CHECK_EQ_STR(life.why, want);
	CHECK_EQ_INT(life.pid, getpid());

	/* A process that has gone (a killed daemon's stale file). */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(text, sizeof(text), "%d\n", (int)child);
	write_pid(path, sizeof(path), text);
	CHECK_EQ_INT(daemon_life(path, &life), 1);
	snprintf(want, sizeof(want), "pid %d from %s is not running", (int)child, path);
	CHECK_EQ_STR(life.why, want);
	unlink(path);
}

TEST(uptime_daemon_life_of_a_process_called_mxgated)
{
	struct daemon_life life;
	char path[128], text[32];
	int ready[2];
	pid_t child;
	char c;

	if (pipe(ready) < 0) {
		CHECK(!"pipe");
		return;
	}
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "mxgated");
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK_EQ_INT(read(ready[0], &c, 1), 1);
	snprintf(text, sizeof(text), "%d\n", (int)child);
	write_pid(path, sizeof(path), text);
	CHECK_EQ_INT(daemon_life(path, &life), 0);
	CHECK_EQ_INT(life.pid, child);
	CHECK(life.uptime_s < 5);	/* started just now */
	CHECK((long long)life.started_unix >= (long long)time(NULL) - 6);
	CHECK((long long)life.started_unix <= (long long)time(NULL));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	unlink(path);
	close(ready[0]);
	close(ready[1]);
}
