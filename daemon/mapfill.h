/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	mapfill - how many entries a BPF hash map holds
 * SYNOPSIS
 *	long long map_fill(int fd, long long *capacity);
 * DESCRIPTION
 *	The kernel keeps no count of a hash map's entries: map_fill() walks
 *	the hash or LRU hash map fd (not a per-CPU one) and counts them,
 *	MAPFILL_BATCH at a time (BPF_MAP_LOOKUP_BATCH: one system call per
 *	batch; key by key where the kernel lacks it), and puts the map's
 *	max_entries into *capacity. It returns the count, or a negative
 *	errno. Entries added or removed during the walk may or may not be
 *	counted. The cost grows with the map: a caller on the SYN path
 *	(mxgated's metrics) counts seldom and keeps the result.
 */
#ifndef MXG_MAPFILL_H
#define MXG_MAPFILL_H

#define MAPFILL_BATCH	4096

long long map_fill(int fd, long long *capacity);

#endif /* MXG_MAPFILL_H */
