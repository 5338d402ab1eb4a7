/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_loop.c - the event registry: fds, timers, the order of a round. */
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "clock.h"
#include "loop.h"
#include "test.h"

static char trace[64];			/* what fired, in order */

/* note - append one character to the trace */
static void note(char ch)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace))
		trace[n] = ch;
}

static void on_fd(void *ctx, int fd, __u32 events)
{
	char buf[16];

	CHECK(events & EPOLLIN);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	note(*(const char *)ctx);
}

static void on_timer(void *ctx)
{
	note(*(const char *)ctx);
}

TEST(loop_fds_and_timers)
{
	struct loop *l = loop_new();
	struct loop_timer ta, tb, tz;
	int p[2];
	__u64 now = now_ns();

	memset(trace, 0, sizeof(trace));
	CHECK(l != NULL);
	CHECK_EQ_INT(pipe2(p, O_NONBLOCK), 0);
	CHECK_EQ_INT(loop_watch(l, p[0], EPOLLIN, on_fd, "f"), 0);
	loop_timer_init(&ta, on_timer, "a");
	loop_timer_init(&tb, on_timer, "b");
	loop_timer_init(&tz, on_timer, "z");
	loop_timer_set(l, &tb, now + 60 * NS_PER_MS);
	loop_timer_set(l, &ta, now + 20 * NS_PER_MS);
	loop_timer_set(l, &tz, 0);		/* as soon as possible */
	CHECK_EQ_INT(write(p[1], "x", 1), 1);
	/* Due timers before the round's fd events. */
	CHECK_EQ_INT(loop_run_once(l, 1000), 1);
	CHECK_EQ_STR(trace, "zf");
	/* The next round sleeps until the first timer, no longer. */
	for (int i = 0; i < 20 && strcmp(trace, "zfa"); i++)
		loop_run_once(l, 1000);
	CHECK_EQ_STR(trace, "zfa");
	CHECK(now_ns() - now < 55 * NS_PER_MS);
	/* A cancelled timer never fires; re-arming moves it. */
	loop_timer_cancel(l, &tb);
	loop_timer_set(l, &ta, now_ns() + 10 * NS_PER_MS);
	/* Timers run on the coarse clock: a round may wake a tick early. */
	for (int i = 0; i < 20 && strcmp(trace, "zfaa"); i++)
		loop_run_once(l, 100);
	CHECK_EQ_STR(trace, "zfaa");
	/* An unwatched fd is silent. */
	loop_unwatch(l, p[0]);
	CHECK_EQ_INT(write(p[1], "x", 1), 1);
	CHECK_EQ_INT(loop_run_once(l, 20), 0);
	CHECK_EQ_STR(trace, "zfaa");
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* stop_now - a callback that ends loop_run() */
static void stop_now(void *ctx)
{
	loop_stop(ctx);
}

TEST(loop_run_until_stopped)
{
	struct loop *l = loop_new();
	struct loop_timer t;

	loop_timer_init(&t, stop_now, l);
	loop_timer_set(l, &t, now_ns() + 5 * NS_PER_MS);
	loop_run(l);		/* returns: the timer stopped it */
	CHECK(!t.armed);
	loop_free(l);
}
