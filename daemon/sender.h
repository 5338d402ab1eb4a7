/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	sender - sender keys: one greylist clock for the pool of a domain
 *	whose SPF record authorises the client
 * SYNOPSIS
 *	void sender_init(struct senders *s, struct learner *l, struct spf *spf);
 *	void sender_mail(void *senders, const struct mxg_key *client,
 *			 const char *sender, const char *helo);
 *	void sender_spf_done(void *senders, const struct spf_answer *a);
 *	int sender_greylist(struct senders *s, const struct mxg_key *client,
 *			    __u32 *reasons, int score, const char **domain);
 *	void sender_restored(struct senders *s, const struct mxg_key *key,
 *			     const struct mxg_verdict *v);
 * DESCRIPTION
 *	Big senders retry from another address, often in another /24, so a
 *	clock per address (or per /24) restarts at every retry. The
 *	responder hears the MAIL FROM of every greylisted client; when the
 *	sender's domain publishes SPF that authorises the client (spf.h),
 *	the greylist clock is kept for the domain's pool, the networks its
 *	record lists, and a retry from any of them after greylist_delay
 *	passes at its first SYN. A client that is not authorised (a bot
 *	forging the domain fails SPF) keeps its own clock.
 *
 *	The pool's clocks are verdicts under the networks' keys (address
 *	masked, plen the prefix, reason spf), in the verdicts map and the
 *	store, like the smart keys' networks (learn.h): the tc program only
 *	looks a network key up when greylist_prefix_v4/_v6 has that length,
 *	and a /32 (/128) network is the address's own verdict, which the tc
 *	program promotes on the domain's clock by itself.
 *
 *	sender_mail() is the learner's mail hook (learn.h): with
 *	greylist_spf on, it starts an SPF check of client for sender.
 *
 *	sender_spf_done() is the SPF module's answer. On pass, when the
 *	client is inside the pool (a domain that authorises it only through
 *	"all" or a network wider than greylist_spf_widest_v4/_v6 vouches for
 *	nothing), the domain's clock is the oldest live one among its
 *	networks, or starts now. Every network of the pool without a live
 *	verdict of its own gets that clock (greylist, until the clock's
 *	greylist_window ends), or a pass when the clock is over
 *	greylist_delay already; the client's own greylist verdict is moved
 *	back to the clock, or passed. One log line ("sender: spf ...") for
 *	each answer, rate-limited with the responder's lines.
 *
 *	sender_greylist() is asked when a new client is about to be
 *	greylisted: the most specific live pool network around it decides.
 *	A pool that passed, or whose clock is over greylist_delay (the
 *	network then passes for allowlist_ttl), lets the client pass: PASS,
 *	*reasons gains spf and retried. A younger clock is shared: the client
 *	is greylisted with the pool's first contact, so that the tc program
 *	promotes it when the domain's delay is over: GREYLIST. No pool
 *	around it: -1, nothing written. *domain is the pool's domain when
 *	known (it is kept in memory only), else NULL.
 *
 *	sender_restored() sees each verdict put back from the store at
 *	start, so that the prefix lengths of the pools in the store are
 *	looked at again.
 */
#ifndef MXG_SENDER_H
#define MXG_SENDER_H

#include <linux/types.h>
#include "learn.h"
#include "log.h"
#include "spf.h"

#define SENDER_NAMES	256	/* pool networks whose domain is remembered */

struct sender_name {
	struct mxg_key net;
	char domain[SPF_DOMAIN_MAX];
};

struct senders {
	struct learner *learner;
	struct spf *spf;			/* NULL: no checks */
	unsigned char plen_seen[129];		/* pool networks of this length exist */
	struct sender_name names[SENDER_NAMES];	/* a ring: the newest kept */
	unsigned next_name;
	struct msg_limit log;			/* the answer lines */
};

void sender_init(struct senders *s, struct learner *l, struct spf *spf);
void sender_mail(void *senders, const struct mxg_key *client, const char *sender,
		 const char *helo);
void sender_spf_done(void *senders, const struct spf_answer *a);
int sender_greylist(struct senders *s, const struct mxg_key *client, __u32 *reasons,
		    int score, const char **domain);
void sender_restored(struct senders *s, const struct mxg_key *key,
		     const struct mxg_verdict *v);

#endif /* MXG_SENDER_H */
