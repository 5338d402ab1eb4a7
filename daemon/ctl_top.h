/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_top - mxgatectl top: the sources and networks refused most
 * SYNOPSIS
 *	int ctl_top(const struct mxg_conf *conf, struct pinned_maps *m,
 *		    const char *count, int by_prefix, int resolve);
 * DESCRIPTION
 *	Prints the count (default CTL_TOP_DEFAULT; 1 to CTL_TOP_MAX) rows
 *	of the ranking of offenders.h: by source (the entries of the
 *	verdicts, unproven and manual maps; by_prefix 0), or by /24 or /64
 *	network (by_prefix 1), most refused SYNs first, as a table with a
 *	header:
 *
 *	    refused  client          action  reasons       ptr
 *	        412  198.51.100.20   block   s25r1,fcrdns  dyn-198-51-100-20.pool.example.net
 *
 *	    refused  network           sources  busiest         action  ptr
 *	        430  198.51.100.0/24         3  198.51.100.20   block   dyn-...
 *
 *	With resolve, the PTR names of the single addresses shown are asked
 *	at print time, all at once, from the resolver mxgated uses
 *	(dns_servers), FCrDNS as mxgated does it, with a deadline of
 *	CTL_TOP_DNS_MS: the name, the name followed by " (not confirmed)"
 *	when it does not resolve back to the address, "-" when there is no
 *	PTR (and for a prefix), "?" when no answer came in time. The
 *	daemon keeps no names: a name is wanted only for the few rows
 *	printed, and costs a query only when asked for. Without resolve
 *	the ptr column is left out. Returns mxgatectl's exit status: 0, or
 *	2 with one "mxgatectl: " line.
 */
#ifndef MXG_CTL_TOP_H
#define MXG_CTL_TOP_H

#include "config.h"
#include "maps.h"

#define CTL_TOP_DEFAULT	10
#define CTL_TOP_MAX	10000
#define CTL_TOP_DNS_MS	3000

int ctl_top(const struct mxg_conf *conf, struct pinned_maps *m, const char *count,
	    int by_prefix, int resolve);

#endif /* MXG_CTL_TOP_H */
