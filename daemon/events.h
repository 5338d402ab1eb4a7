/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	events - what the tc program decided on its own, read from its ring
 * SYNOPSIS
 *	struct events *events_open(int ringbuf_fd, struct loop *loop,
 *				   void (*on_event)(void *ctx,
 *						    const struct mxg_event *e),
 *				   void *ctx);
 *	int events_process(struct events *ev);
 *	void events_close(struct events *ev);
 * DESCRIPTION
 *	The tc program promotes greylisted clients that retry in time by
 *	itself; it reports each promotion in the pinned "events" ring buffer
 *	so that mxgated can log it and write it to the on-disk store.
 *
 *	events_open() watches the ring buffer's fd on the event loop, which
 *	then runs events_process(); NULL on error. events_process() (also
 *	callable directly: at start and at exit) calls on_event for every record
 *	waiting (a record of the wrong size is skipped with a warning) and
 *	returns how many it read, or -errno. A record lost because the ring
 *	was full costs only the log line and the disk copy: the verdict map
 *	has the promotion already.
 */
#ifndef MXG_EVENTS_H
#define MXG_EVENTS_H

#include <linux/types.h>
#include "loop.h"
#include "mxgate.h"

struct events;

struct events *events_open(int ringbuf_fd, struct loop *loop,
			   void (*on_event)(void *ctx, const struct mxg_event *e),
			   void *ctx);
int events_process(struct events *ev);
void events_close(struct events *ev);

#endif /* MXG_EVENTS_H */
