/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	manual_watch - which of the admin's decisions changed since last seen
 * SYNOPSIS
 *	int manual_watch_init(struct manual_watch *w, int fd);
 *	int manual_watch_diff(struct manual_watch *w, int fd,
 *			      manual_walk_fn changed, void *ctx);
 *	void manual_watch_set(struct manual_watch *w, const struct mxg_key *p,
 *			      const struct mxg_manual *m);
 *	void manual_watch_free(struct manual_watch *w);
 * DESCRIPTION
 *	mxgatectl writes the manual map itself (manual.h) and then counts
 *	MXG_STAT_MANUAL_CHANGES; mxgated, which shares the admin's
 *	decisions with other gateways (share.h), notices the count move
 *	and asks which decisions changed. A watch is a copy of the map's
 *	decisions, sorted by prefix.
 *
 *	manual_watch_init() takes the copy of the map at fd.
 *	manual_watch_diff() compares the map with the copy: changed(ctx,
 *	prefix, m) for each decision new or different (action, times,
 *	comment; hits do not count), changed(ctx, prefix, NULL) for each
 *	one gone, then the copy is the map's. manual_watch_set() records a
 *	change mxgated made itself (a decision from another gateway; m
 *	NULL: gone), so that it is not taken for the admin's. 0 or -1 (out
 *	of memory, the map unreadable: the copy is unchanged).
 */
#ifndef MXG_MANUAL_WATCH_H
#define MXG_MANUAL_WATCH_H

#include <stddef.h>
#include "manual.h"

struct manual_seen {
	struct mxg_key prefix;
	struct mxg_manual m;
};

struct manual_watch {
	struct manual_seen *e;		/* sorted by prefix */
	size_t n, cap;
};

int manual_watch_init(struct manual_watch *w, int fd);
int manual_watch_diff(struct manual_watch *w, int fd, manual_walk_fn changed, void *ctx);
void manual_watch_set(struct manual_watch *w, const struct mxg_key *p,
		      const struct mxg_manual *m);
void manual_watch_free(struct manual_watch *w);

#endif /* MXG_MANUAL_WATCH_H */
