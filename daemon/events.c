/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	events - what the tc program decided on its own, read from its ring
 * DESCRIPTION
 *	Implements events.h (the contract is there) with libbpf's ring
 *	buffer reader, whose epoll fd goes into the daemon's one loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "log.h"

struct events {
	struct ring_buffer *rb;
	void (*on_event)(void *ctx, const struct mxg_event *e);
	void *ctx;
	struct loop *loop;		/* where the ring's fd is watched */
};

/* one_record - libbpf's callback: check the size, hand the event on */
static int one_record(void *arg, void *data, size_t size)
{
	struct events *ev = arg;

	if (size < sizeof(struct mxg_event)) {
		msg_warn("events: record of %zu bytes, expected %zu; skipped "
			 "(tc program and daemon from different builds?)",
			 size, sizeof(struct mxg_event));
		return 0;
	}
	ev->on_event(ev->ctx, data);
	return 0;
}

/* on_ready - the event loop: records are waiting */
static void on_ready(void *ctx, int fd, __u32 events)
{
	(void)fd, (void)events;
	events_process(ctx);
}

/* events_open - the reader, watched on the event loop */
struct events *events_open(int ringbuf_fd, struct loop *loop,
			   void (*on_event)(void *ctx, const struct mxg_event *e),
			   void *ctx)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->on_event = on_event;
	ev->ctx = ctx;
	ev->rb = ring_buffer__new(ringbuf_fd, one_record, ev, NULL);
	ev->loop = loop;
	if (!ev->rb || loop_watch(loop, ring_buffer__epoll_fd(ev->rb), EPOLLIN,
				  on_ready, ev) < 0) {
		msg_warn("events: cannot read the ring buffer: %s", strerror(errno));
		events_close(ev);
		return NULL;
	}
	return ev;
}

/* events_process - every waiting record; how many, or -errno */
int events_process(struct events *ev)
{
	return ev ? ring_buffer__consume(ev->rb) : 0;
}

/* events_close - the reader and its fds */
void events_close(struct events *ev)
{
	if (!ev)
		return;
	if (ev->rb)
		loop_unwatch(ev->loop, ring_buffer__epoll_fd(ev->rb));
	ring_buffer__free(ev->rb);	/* NULL is fine */
	free(ev);
}
