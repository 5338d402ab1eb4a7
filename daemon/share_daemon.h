/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	share_daemon - mxgated's side of sharing with other gateways
 * SYNOPSIS
 *	int share_daemon_start(struct share_daemon *sd, struct loop *l,
 *			       const struct mxg_conf *conf, const char *password);
 *	void share_daemon_learned(void *sd, const struct mxg_key *k,
 *				  const struct mxg_verdict *v);
 *	void share_daemon_tick(struct share_daemon *sd);
 *	void share_daemon_stop(struct share_daemon *sd);
 * DESCRIPTION
 *	The glue between share.h and the daemon's state. The caller fills
 *	maps, store, senders and manual_fd, then share_daemon_start()
 *	connects to conf->redis_server (password: NULL for none), takes a
 *	copy of the manual map and offers its live decisions (those made
 *	while mxgated was stopped were never shared); 0, or -1 (logged)
 *	when sharing cannot be set up: mxgated then runs alone, as without
 *	redis_server.
 *
 *	What other gateways learned is written here as the daemon's own
 *	restore does: the verdict into the kernel (keeping its hits) and,
 *	a pass or a greylist clock, to the store; sender pools are noted
 *	(sender.h). A manual decision goes into the manual map only:
 *	mxgated cannot write the admin's file, so after a restart the
 *	decisions of other gateways come back from Redis (share.h reads
 *	the manual keys at each connection).
 *
 *	share_daemon_learned() is the learner's shared hook (learn.h).
 *	share_daemon_tick() (once a second) shares the admin's changes of
 *	the manual map (mxgatectl counts MXG_STAT_MANUAL_CHANGES;
 *	manual_watch.h finds which), runs share_tick() and writes the
 *	sharing counters and gauges into the decisions map.
 *	share_daemon_stop() writes the last counts and closes.
 */
#ifndef MXG_SHARE_DAEMON_H
#define MXG_SHARE_DAEMON_H

#include "config.h"
#include "loop.h"
#include "manual_watch.h"
#include "maps.h"
#include "sender.h"
#include "share.h"
#include "store.h"

struct share_daemon {
	struct pinned_maps *maps;	/* the caller's */
	struct store *store;		/* the caller's */
	struct senders *senders;	/* the caller's, or NULL */
	int manual_fd;			/* the manual map */
	struct share *share;		/* NULL: not sharing */
	struct manual_watch seen;	/* the manual map as last shared */
	__u64 manual_changes;		/* MXG_STAT_MANUAL_CHANGES then */
	struct share_stats counted;	/* counters already in the map */
};

int share_daemon_start(struct share_daemon *sd, struct loop *l,
		       const struct mxg_conf *conf, const char *password);
void share_daemon_learned(void *sd, const struct mxg_key *k, const struct mxg_verdict *v);
void share_daemon_tick(struct share_daemon *sd);
void share_daemon_stop(struct share_daemon *sd);

#endif /* MXG_SHARE_DAEMON_H */
