/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.c - the event registry; see loop.h for the contract.
 *
 * Watched fds live in an array indexed by fd. epoll's data carries the fd
 * and the watch's generation, so an event read for a watch that was
 * replaced or removed in the same round is recognised and dropped. Timers
 * are an unsorted list: the daemon has a handful (the oldest pending
 * lookup, DNS, the responder, the store's batch, the countries' settling,
 * deferred deliveries), so a scan is cheaper than keeping a heap in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "loop.h"

#define MAX_EVENTS	64

struct watch {
	loop_fd_fn fn;			/* NULL: not watched */
	void *ctx;
	__u32 generation;		/* bumped at every (un)watch */
};

struct loop {
	int epfd;
	struct watch *watches;		/* indexed by fd */
	int n_watches;			/* allocated entries */
	struct loop_timer *timers;	/* armed timers, any order */
	int stop;			/* loop_stop() was called */
};

/* loop_new - an empty registry with its epoll instance */
struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

/* grow - room for fd in the watch array */
static int grow(struct loop *l, int fd)
{
	int n = l->n_watches ? l->n_watches : 64;
	struct watch *w;

	while (n <= fd)
		n *= 2;
	if (n == l->n_watches)
		return 0;
	w = realloc(l->watches, (size_t)n * sizeof(*w));
	if (!w)
		return -1;
	memset(w + l->n_watches, 0, (size_t)(n - l->n_watches) * sizeof(*w));
	l->watches = w;
	l->n_watches = n;
	return 0;
}

/* loop_watch - call fn(ctx, fd, events) when fd is ready; 0 or -1 */
int loop_watch(struct loop *l, int fd, __u32 events, loop_fd_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = events };
	struct watch *w;
	int op;

	if (fd < 0 || grow(l, fd) < 0) {
		errno = fd < 0 ? EBADF : ENOMEM;
		return -1;
	}
	w = &l->watches[fd];
	op = w->fn ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	w->generation++;
	ev.data.u64 = (__u64)w->generation << 32 | (__u32)fd;
	if (epoll_ctl(l->epfd, op, fd, &ev) < 0) {
		/* Closed behind our back and reused: register it afresh. */
		if (!(op == EPOLL_CTL_ADD && errno == EEXIST) &&
		    !(op == EPOLL_CTL_MOD && errno == ENOENT))
			return -1;
		op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(l->epfd, op, fd, &ev) < 0)
			return -1;
	}
	w->fn = fn;
	w->ctx = ctx;
	return 0;
}

/* loop_unwatch - stop watching fd (before it is closed) */
void loop_unwatch(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->n_watches || !l->watches[fd].fn)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);	/* gone if closed: fine */
	l->watches[fd].fn = NULL;
	l->watches[fd].ctx = NULL;
	l->watches[fd].generation++;
}

/* loop_timer_init - a disarmed timer that will call fn(ctx) */
void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->ctx = ctx;
}

/* loop_timer_cancel - disarm t; harmless when it is not armed */
void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	if (!t->armed)
		return;
	for (pp = &l->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = 0;
	t->next = NULL;
}

/* loop_timer_set - (re)arm t for due_ns */
void loop_timer_set(struct loop *l, struct loop_timer *t, __u64 due_ns)
{
	t->due_ns = due_ns;
	if (t->armed)
		return;
	t->armed = 1;
	t->next = l->timers;
	l->timers = t;
}

/* run_timers - fire every timer that is due; a callback may arm or
 * cancel any timer, so the scan starts over after each one */
static void run_timers(struct loop *l)
{
	__u64 now = now_ns();
	int fired;

	do {
		fired = 0;
		for (struct loop_timer *t = l->timers; t; t = t->next) {
			if (t->due_ns > now)
				continue;
			loop_timer_cancel(l, t);
			t->fn(t->ctx);
			fired = 1;
			break;
		}
	} while (fired);
}

/* coarse_tick_ns - how far now_ns() may lag the clock epoll sleeps on */
static __u64 coarse_tick_ns(void)
{
	static __u64 tick;	/* 4 ms at HZ=250; asked once */
	struct timespec res;

	if (!tick)
		tick = clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 ?
		       (__u64)res.tv_sec * NS_PER_S + (__u64)res.tv_nsec : NS_PER_MS;
	return tick;
}

/* wait_ms - how long epoll may sleep: until the first timer, at most max */
static int wait_ms(const struct loop *l, int max_ms)
{
	__u64 now = now_ns(), tick = coarse_tick_ns();
	int ms = max_ms;

	for (const struct loop_timer *t = l->timers; t; t = t->next) {
		/* Round up, and add one tick of the coarse clock the timers
		 * run on: it lags the clock epoll sleeps on by up to a tick,
		 * and a timer found not yet due when the sleep ends would
		 * wait a whole round more (never wake a hair early). */
		__u64 d = t->due_ns <= now ? 0 :
			  (t->due_ns - now + tick + NS_PER_MS - 1) / NS_PER_MS;
		int dm = d > 0x7fffffff ? 0x7fffffff : (int)d;

		if (ms < 0 || dm < ms)
			ms = dm;
	}
	return ms;
}

/* loop_run_once - timers, one epoll wait, its events, timers again */
int loop_run_once(struct loop *l, int max_wait_ms)
{
	struct epoll_event ev[MAX_EVENTS];
	int n;

	run_timers(l);
	n = epoll_wait(l->epfd, ev, MAX_EVENTS, wait_ms(l, max_wait_ms));
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	run_timers(l);		/* deadlines first, then new work */
	for (int i = 0; i < n; i++) {
		int fd = (int)(__u32)ev[i].data.u64;
		__u32 gen = (__u32)(ev[i].data.u64 >> 32);
		struct watch *w;

		if (fd >= l->n_watches)
			continue;
		w = &l->watches[fd];
		if (!w->fn || w->generation != gen)
			continue;	/* unwatched or replaced meanwhile */
		w->fn(w->ctx, fd, ev[i].events);
	}
	run_timers(l);
	return n;
}

/* loop_run - until loop_stop() */
void loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop)
		if (loop_run_once(l, -1) < 0)
			msg_fatal("epoll_wait: %s", strerror(errno));
}

/* loop_stop - make loop_run() return after this round */
void loop_stop(struct loop *l)
{
	l->stop = 1;
}

/* loop_free - the registry; the fds stay open, they are their owners' */
void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->watches);
	free(l);
}
