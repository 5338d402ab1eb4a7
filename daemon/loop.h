/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	loop - the event registry: file descriptors and timers with callbacks
 * SYNOPSIS
 *	struct loop *loop_new(void);
 *	int loop_watch(struct loop *l, int fd, __u32 events, loop_fd_fn fn,
 *		       void *ctx);
 *	void loop_unwatch(struct loop *l, int fd);
 *	void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx);
 *	void loop_timer_set(struct loop *l, struct loop_timer *t, __u64 due_ns);
 *	void loop_timer_cancel(struct loop *l, struct loop_timer *t);
 *	int loop_run_once(struct loop *l, int max_wait_ms);
 *	void loop_run(struct loop *l);
 *	void loop_stop(struct loop *l);
 *	void loop_free(struct loop *l);
 * DESCRIPTION
 *	One epoll instance for the whole daemon, as Postfix's
 *	event_enable_read() and event_request_timer(): the loop knows
 *	callbacks and contexts, never which module owns an fd.
 *
 *	loop_watch() registers fd (or changes its events and callback):
 *	fn(ctx, fd, events) is called when epoll reports any of events
 *	(EPOLLIN, EPOLLOUT). loop_unwatch() takes fd out; call it before
 *	closing fd. An event already read for an fd that was unwatched (or
 *	closed and reused) in the same round is not delivered.
 *
 *	A timer is a struct the caller owns (loop_timer_init() gives its
 *	callback). loop_timer_set() arms it for due_ns (the now_ns() clock,
 *	CLOCK_MONOTONIC_COARSE; a due time in the past means "as soon as
 *	possible", the way to deliver an answer from the event loop rather
 *	than from inside the call that asked for it), re-arming it if it was
 *	armed. loop_timer_cancel() disarms it. A timer fires once per arming.
 *
 *	loop_run_once() runs due timers, waits for events (at most
 *	max_wait_ms, -1 for no bound, and never past the first timer),
 *	delivers them, then runs due timers again. Timers run before the
 *	events of a round on purpose: a lookup whose deadline has passed
 *	frees its slot before new work is taken in. It returns the number of
 *	fd events delivered, or -1 when epoll fails (errno set). loop_run()
 *	repeats it until loop_stop() is called from a callback.
 */
#ifndef MXG_LOOP_H
#define MXG_LOOP_H

#include <linux/types.h>

struct loop;

typedef void (*loop_fd_fn)(void *ctx, int fd, __u32 events);
typedef void (*loop_timer_fn)(void *ctx);

struct loop_timer {
	__u64 due_ns;			/* when it fires, if armed */
	loop_timer_fn fn;		/* what it calls */
	void *ctx;			/* with this */
	int armed;			/* on the loop's list */
	struct loop_timer *next;	/* the loop's list of armed timers */
};

struct loop *loop_new(void);
int loop_watch(struct loop *l, int fd, __u32 events, loop_fd_fn fn, void *ctx);
void loop_unwatch(struct loop *l, int fd);
void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx);
void loop_timer_set(struct loop *l, struct loop_timer *t, __u64 due_ns);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
int loop_run_once(struct loop *l, int max_wait_ms);
void loop_run(struct loop *l);
void loop_stop(struct loop *l);
void loop_free(struct loop *l);

#endif /* MXG_LOOP_H */
