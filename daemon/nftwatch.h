/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	nftwatch - notice changes to the netfilter ruleset
 * SYNOPSIS
 *	struct nftwatch *nftwatch_open(struct loop *l, unsigned settle_ms,
 *				       void (*changed)(void *ctx), void *ctx);
 *	void nftwatch_close(struct nftwatch *w);
 * DESCRIPTION
 *	Listens to the kernel's nftables notifications (netlink group
 *	NFNLGRP_NFTABLES, libmnl): every change to tables, chains, rules and
 *	sets of this network namespace, made by nft, iptables-nft or anyone
 *	else. A burst of them (an "nft -f" that starts with "flush ruleset"
 *	sends hundreds) calls changed(ctx) once, settle_ms after the last
 *	one, from the event loop. Messages lost because the socket overflowed
 *	count as a change. The watcher only says "something changed": the
 *	caller looks at what it cares about. NULL when the socket cannot be
 *	opened (logged).
 */
#ifndef MXG_NFTWATCH_H
#define MXG_NFTWATCH_H

#include "loop.h"

struct nftwatch;

struct nftwatch *nftwatch_open(struct loop *l, unsigned settle_ms,
			       void (*changed)(void *ctx), void *ctx);
void nftwatch_close(struct nftwatch *w);

#endif /* MXG_NFTWATCH_H */
