/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	offenders - who was refused most: the ranking of mxgatectl top, and
 *	the counts mxgated keeps across a reboot
 * SYNOPSIS
 *	int offenders_refusing(__u32 action);
 *	int offenders_add(struct offenders *o, const struct mxg_key *k,
 *			  __u32 hits, __u32 action, __u32 reasons);
 *	int offenders_collect(struct offenders *o, int verdicts_fd,
 *			      int unproven_fd, int manual_fd);
 *	int offenders_group(struct offenders *o, unsigned plen_v4,
 *			    unsigned plen_v6);
 *	void offenders_free(struct offenders *o);
 *	int offenders_save(int verdicts_fd, struct store *s, __u64 now);
 * DESCRIPTION
 *	The tc program counts, in each entry's hits, the SYNs it judged by
 *	that entry (struct mxg_verdict, struct mxg_manual). An entry whose
 *	action refuses (offenders_refusing(): block, greylist, tarpit)
 *	refused every one of them but a greylisted client's promoting
 *	retry; so its hits are its refused SYNs since it was decided (a
 *	new decision about the client starts again from 0). Throttle
 *	verdicts, which pass most SYNs, and passes do not count.
 *
 *	offenders_add() puts one entry into o, if it refuses and has hits;
 *	0, or -1 out of memory. offenders_collect() adds every entry of the
 *	verdicts and unproven maps and every block of the manual map
 *	(reason MXG_R_MANUAL), live or expired (fd -1: that map is left
 *	out); 0 or -errno.
 *
 *	offenders_group() folds o into one row per source (plen_v4 and
 *	plen_v6 128: an entry is its own row, and an address met in two
 *	maps one row) or per network (plen_v4 96 + 24, plen_v6 64: the
 *	/24 or /64; an entry for a wider prefix, a manual /16, stays a row
 *	of its own), and sorts the rows by refused SYNs, most first, then
 *	by address. A row sums its entries' hits (refused), counts them
 *	(sources), and names the entry with the most (busiest, with its
 *	action and reasons). 0, or -1 out of memory (o unchanged).
 *
 *	offenders_save() is mxgated's stop: every live verdict of the
 *	verdicts map that judged SYNs (hits > 0) is written to the store
 *	with its hits, so that they come back with it after a reboot
 *	(store_iterate() hands hits back); a block that refused a client
 *	coming back is kept that way until it expires. Returns how many
 *	were written, or -errno when the map cannot be walked.
 */
#ifndef MXG_OFFENDERS_H
#define MXG_OFFENDERS_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"
#include "store.h"

/* One row of the ranking. */
struct offender {
	struct mxg_key key;		/* the source, the network, or the prefix */
	__u64 refused;			/* SYNs refused: the entries' hits */
	unsigned sources;		/* entries folded into the row */
	struct mxg_key busiest;		/* the entry with the most */
	__u64 busiest_refused;		/* ... its hits */
	__u32 action;			/* ... its action */
	__u32 reasons;			/* ... its reasons */
};

struct offenders {
	struct offender *v;		/* n rows */
	size_t n, cap;
};

int offenders_refusing(__u32 action);
int offenders_add(struct offenders *o, const struct mxg_key *k, __u32 hits,
		  __u32 action, __u32 reasons);
int offenders_collect(struct offenders *o, int verdicts_fd, int unproven_fd,
		      int manual_fd);
int offenders_group(struct offenders *o, unsigned plen_v4, unsigned plen_v6);
void offenders_free(struct offenders *o);
int offenders_save(int verdicts_fd, struct store *s, __u64 now);

#endif /* MXG_OFFENDERS_H */
