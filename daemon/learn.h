/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	learn - what mxgated learns about clients, into the kernel and to disk
 * SYNOPSIS
 *	void learn_init(const struct mxg_conf *conf, struct pinned_maps *maps,
 *			struct store *store);
 *	struct mxg_key learn_greylist_key(const struct mxg_key *client);
 *	int learn_verdict(const struct mxg_key *key, enum mxg_action action,
 *			  __u32 reasons, int score, __u64 ttl_ns);
 *	void learn_count_released(const struct decision *d, unsigned syns);
 *	void learn_kernel_event(void *ctx, const struct mxg_event *e);
 *	enum responder_mode learn_responder_classify(void *ctx,
 *			const struct mxg_key *client, __u32 *reasons);
 *	void learn_responder_outcome(void *ctx, const struct mxg_key *client,
 *			enum responder_outcome o);
 * DESCRIPTION
 *	learn_init() names the running configuration (read at each call, so
 *	a reload takes effect), the pinned maps and the on-disk store.
 *
 *	learn_greylist_key() is the key a client's greylist clock lives
 *	under: the client, or its pool with greylist_prefix_v4/_v6.
 *	learn_verdict() writes a verdict into the kernel and, for what is
 *	worth keeping across a reboot (pass, greylist), to the store; 0 or
 *	-errno (logged). learn_count_released() counts the SYNs the daemon
 *	released for a decision in the seeds' breakdown.
 *
 *	learn_kernel_event() takes what the tc program decided on its own
 *	(events.h): a promotion is logged and stored, a renewal stored.
 *
 *	learn_responder_classify() and learn_responder_outcome() are the
 *	responder's callbacks (responder.h): the mode and 450 text come from
 *	the client's verdict; a tarpitted client that pregreets or hangs up
 *	is blocked, one that waits out the banner gets a greylist clock
 *	(taRgrey).
 */
#ifndef MXG_LEARN_H
#define MXG_LEARN_H

#include <linux/types.h>
#include "config.h"
#include "mxgate.h"
#include "policy.h"
#include "responder.h"
#include "store.h"
#include "maps.h"

void learn_init(const struct mxg_conf *conf, struct pinned_maps *maps,
		struct store *store);
struct mxg_key learn_greylist_key(const struct mxg_key *client);
int learn_verdict(const struct mxg_key *key, enum mxg_action action,
		  __u32 reasons, int score, __u64 ttl_ns);
void learn_count_released(const struct decision *d, unsigned syns);
void learn_kernel_event(void *ctx, const struct mxg_event *e);
enum responder_mode learn_responder_classify(void *ctx, const struct mxg_key *client,
					     __u32 *reasons);
void learn_responder_outcome(void *ctx, const struct mxg_key *client,
			     enum responder_outcome o);

#endif /* MXG_LEARN_H */
