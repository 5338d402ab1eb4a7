/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * redis_loop.c - hiredis's event hooks on loop_watch(). See redis_loop.h.
 */
#include <stdlib.h>
#include <sys/epoll.h>
#include "redis_loop.h"

struct redis_watch {
	struct loop *loop;
	redisAsyncContext *ac;
	int fd;
	__u32 events;		/* what hiredis wants now */
	int busy;		/* an event is being handled */
	int dead;		/* cleaned up meanwhile: free after it */
};

static void on_event(void *ctx, int fd, __u32 events)
{
	struct redis_watch *w = ctx;

	(void)fd;
	w->busy = 1;
	/* An error or hang-up is read: hiredis finds it and disconnects. */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		redisAsyncHandleRead(w->ac);
	if (!w->dead && (events & EPOLLOUT))
		redisAsyncHandleWrite(w->ac);
	w->busy = 0;
	if (w->dead)
		free(w);
}

/* want - hiredis wants bit (EPOLLIN, EPOLLOUT) on or off: tell the loop
 * when that changes what it watches */
static void want(struct redis_watch *w, __u32 bit, int on)
{
	__u32 events = on ? w->events | bit : w->events & ~bit;

	if (events == w->events)
		return;
	w->events = events;
	if (events)
		loop_watch(w->loop, w->fd, events, on_event, w);
	else
		loop_unwatch(w->loop, w->fd);
}

static void add_read(void *p) { want(p, EPOLLIN, 1); }
static void del_read(void *p) { want(p, EPOLLIN, 0); }
static void add_write(void *p) { want(p, EPOLLOUT, 1); }
static void del_write(void *p) { want(p, EPOLLOUT, 0); }

static void cleanup(void *p)
{
	struct redis_watch *w = p;

	if (w->events)
		loop_unwatch(w->loop, w->fd);
	w->events = 0;
	if (w->busy)
		w->dead = 1;
	else
		free(w);
}

/* redis_loop_attach - hiredis's hooks for ac on l; 0 or -1 */
int redis_loop_attach(struct loop *l, redisAsyncContext *ac)
{
	struct redis_watch *w;

	if (ac->ev.data)
		return -1;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	*w = (struct redis_watch){ .loop = l, .ac = ac, .fd = ac->c.fd };
	ac->ev.data = w;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	return 0;
}
