/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	maps - the pinned maps: verdicts, counters, the config map
 * SYNOPSIS
 *	int maps_open(struct pinned_maps *m, const char *pin_dir);
 *	int maps_open_ro(struct pinned_maps *m, const char *pin_dir);
 *	void maps_close(struct pinned_maps *m);
 *	int verdict_put(struct pinned_maps *m, const struct mxg_key *k,
 *			enum mxg_action a, __u32 reasons, int score, __u64 ttl_ns);
 *	int verdict_restore(struct pinned_maps *m, const struct mxg_key *k,
 *			    const struct mxg_verdict *v);
 *	int verdict_rewrite(struct pinned_maps *m, const struct mxg_key *k,
 *			    const struct mxg_verdict *v);
 *	int verdict_put_as(struct pinned_maps *m, const struct mxg_key *k,
 *			   const struct mxg_verdict *v);
 *	int verdict_get(struct pinned_maps *m, const struct mxg_key *k,
 *			struct mxg_verdict *v);
 *	int verdict_forget(struct pinned_maps *m, const struct mxg_key *k);
 *	int unproven_put(struct pinned_maps *m, const struct mxg_key *k,
 *			 enum mxg_action a, __u32 reasons, int score, __u64 ttl_ns);
 *	int unproven_get(struct pinned_maps *m, const struct mxg_key *k,
 *			 struct mxg_verdict *v);
 *	int unproven_prove(struct pinned_maps *m, const struct mxg_key *k,
 *			   struct mxg_verdict *v);
 *	void stats_set(struct pinned_maps *m, __u32 id, __u64 value);
 *	__u64 stats_kernel(struct pinned_maps *m, __u32 id);
 *	__u64 stats_daemon(struct pinned_maps *m, __u32 id);
 *	int stats_read(struct pinned_maps *m, __u64 totals[MXG_STAT_MAX]);
 *	__u32 map_walk_bound(int fd);
 *	void stats_add(struct pinned_maps *m, __u32 id, __u64 n);
 *	void rule_hit(struct pinned_maps *m, int rule);
 *	int stats_hold(struct pinned_maps *m);
 *	void stats_flush(struct pinned_maps *m);
 *	int rule_hits_read(struct pinned_maps *m, __u64 hits[MXG_RULE_SLOTS]);
 *	int config_read(const char *pin_dir, struct mxg_config *c);
 * DESCRIPTION
 *	Used by mxgated (writer) and mxgatectl (reader, forget), both through
 *	the maps pinned under pin_dir, so mxgatectl works while the daemon is
 *	down. maps_open_ro() opens them read-only (mxgatectl's read
 *	commands: a member of the pins' group may, see mxgated(8)); every
 *	write then fails with -EPERM. maps_open() refuses (-EINVAL) a verdicts map whose values are
 *	longer than this build's (a newer mxgate's); a shorter one (an older
 *	mxgate's, not yet migrated by mxgated) reads with the fields it lacks
 *	zero. Functions return 0, -ENOENT when no entry exists, or another
 *	negative errno. verdict_put() writes a verdict decided now, verdict_put_as()
 *	one as given (a shared greylist clock); verdict_rewrite() one as
 *	given over k's existing verdict only (-ENOENT if it has none);
 *	verdict_restore() writes one kept elsewhere (the on-disk store) only
 *	when the kernel has none for k (-EEXIST otherwise: the kernel's is
 *	newer). The unproven map (mxgate.h) holds verdicts reached by timeout
 *	only: unproven_put() writes one, unproven_get() reads one, and
 *	unproven_prove() moves one into the verdicts map when its client
 *	proved its address; verdict_put() removes k's unproven verdict and
 *	verdict_forget() deletes both. A set of maps pinned before the
 *	unproven map existed opens without it (unproven_fd -1: the unproven
 *	functions say -ENOENT). stats_read() sums the per-CPU counters of the tc
 *	program and the daemon's own (stats_add(), the decisions map). rule_hit()
 *	counts one decision in which S25R rule `rule` fired (the daemon is
 *	the only writer); rule_hits_read() reads those counters. now_ns()
 *	(clock.h) is the clock of the tc program. stats_set() sets one of
 *	the daemon's gauges (stats_daemon() reads one back); stats_kernel()
 *	reads one counter of the tc
 *	program alone (0 when unreadable). config_read() reads
 *	the pinned config map on its own (mxgatectl: the greylist clock); it
 *	returns -ENOENT when the map is not pinned and -EINVAL when the
 *	pinned map's value is not this build's struct mxg_config.
 *
 *	By default stats_add(), stats_set() and rule_hit() write the pinned
 *	map at once (two bpf syscalls a counter). After stats_hold() (mxgated,
 *	-ENOMEM or 0) they only change a copy in memory, and stats_flush()
 *	writes what changed since the last flush: counters as deltas added to
 *	the map's value (so a counter someone else also adds to, such as
 *	MXG_STAT_MANUAL_CHANGES from mxgatectl, is never overwritten), gauges
 *	set. mxgated flushes once a second and at stop; maps_close() flushes
 *	too. stats_read() and stats_daemon() through the same maps include
 *	what is held; other readers see it after the next flush.
 */
#ifndef MXG_MAPS_H
#define MXG_MAPS_H

#include <linux/types.h>
#include "clock.h"
#include "mxgate.h"

struct pinned_maps {
	int verdicts_fd;	/* pinned LRU hash, -1 when closed */
	int stats_fd;		/* pinned per-CPU array, -1 when closed */
	int rule_hits_fd;	/* pinned array, -1 when closed */
	int decisions_fd;	/* pinned array: the daemon's counters */
	int unproven_fd;	/* pinned LRU hash, -1 when closed or absent */
	int ncpus;		/* possible CPUs, for per-CPU values */
	struct stats_held *held; /* counters not yet flushed, or NULL */
};

int maps_open(struct pinned_maps *m, const char *pin_dir);
int maps_open_ro(struct pinned_maps *m, const char *pin_dir);
void maps_close(struct pinned_maps *m);
int verdict_put(struct pinned_maps *m, const struct mxg_key *k,
		enum mxg_action a, __u32 reasons, int score, __u64 ttl_ns);
int verdict_restore(struct pinned_maps *m, const struct mxg_key *k,
		    const struct mxg_verdict *v);
int verdict_put_as(struct pinned_maps *m, const struct mxg_key *k,
		   const struct mxg_verdict *v);
int verdict_get(struct pinned_maps *m, const struct mxg_key *k,
		struct mxg_verdict *v);
int verdict_rewrite(struct pinned_maps *m, const struct mxg_key *k,
		    const struct mxg_verdict *v);
int verdict_forget(struct pinned_maps *m, const struct mxg_key *k);
int unproven_put(struct pinned_maps *m, const struct mxg_key *k,
		 enum mxg_action a, __u32 reasons, int score, __u64 ttl_ns);
int unproven_get(struct pinned_maps *m, const struct mxg_key *k,
		 struct mxg_verdict *v);
int unproven_prove(struct pinned_maps *m, const struct mxg_key *k,
		   struct mxg_verdict *v);
void stats_set(struct pinned_maps *m, __u32 id, __u64 value);
__u64 stats_kernel(struct pinned_maps *m, __u32 id);
__u64 stats_daemon(struct pinned_maps *m, __u32 id);
int stats_read(struct pinned_maps *m, __u64 totals[MXG_STAT_MAX]);
/* max_entries of the map at fd, or config.c's max_sources ceiling when
 * unknown: what bounds a walk with get_next_key (an entry evicted under
 * the walk restarts it from the first key) */
__u32 map_walk_bound(int fd);
void stats_add(struct pinned_maps *m, __u32 id, __u64 n);
void rule_hit(struct pinned_maps *m, int rule);
int stats_hold(struct pinned_maps *m);
void stats_flush(struct pinned_maps *m);
int rule_hits_read(struct pinned_maps *m, __u64 hits[MXG_RULE_SLOTS]);
int config_read(const char *pin_dir, struct mxg_config *c);

#endif /* MXG_MAPS_H */
