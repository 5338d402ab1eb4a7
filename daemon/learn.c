/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	learn - what mxgated learns about clients, into the kernel and to disk
 * DESCRIPTION
 *	Implements learn.h (the contract is there).
 */
#include <errno.h>
#include <string.h>
#include "addr.h"
#include "learn.h"
#include "log.h"
#include "names.h"

#define NS_PER_S	1000000000ULL

static const struct mxg_conf *conf;	/* the daemon's, reloads included */
static struct pinned_maps *maps;
static struct store *store;

/* learn_init - remember where the configuration, maps and store are */
void learn_init(const struct mxg_conf *c, struct pinned_maps *m, struct store *s)
{
	conf = c;
	maps = m;
	store = s;
}

/* learn_greylist_key - the key a greylist clock for client is kept under: the
 * client itself, or its /len pool when greylist_prefix_v4/_v6 is set */
struct mxg_key learn_greylist_key(const struct mxg_key *client)
{
	struct mxg_key k = *client;
	unsigned plen = addr_is_v4(client) ?
		(conf->greylist_prefix_v4 ? 96 + conf->greylist_prefix_v4 : 0) :
		conf->greylist_prefix_v6;

	if (plen && plen < 128)
		addr_prefix(&k, plen);
	return k;
}

/* learn_verdict - write a verdict into the kernel and, for what is worth keeping
 * across a reboot (passes and greylist clocks), to disk; 0 or -errno */
int learn_verdict(const struct mxg_key *key, enum mxg_action action,
		 __u32 reasons, int score, __u64 ttl_ns)
{
	char addr[ADDR_STRLEN];
	__u64 now = now_ns();
	int err = verdict_put(maps, key, action, reasons, score, ttl_ns);

	if (err) {
		addr_format(key, addr, sizeof(addr));
		msg_warn("client=%s: cannot store verdict: %s", addr, strerror(-err));
	}
	/* Bots are cheap to learn again; senders are not. */
	if (action == MXG_ACT_PASS || action == MXG_ACT_GREYLIST) {
		struct mxg_verdict v = { .decided_ns = now, .reasons = reasons,
			.expires_ns = now + ttl_ns, .action = action,
			.dnsbl_score = score };

		store_put(store, key, &v);
	}
	if (action == MXG_ACT_GREYLIST)
		stats_add(maps, MXG_STAT_GREYLIST_FIRST, 1);
	return err;
}

/* learn_count_released - the breakdown for SYNs the daemon itself decided */
void learn_count_released(const struct decision *d, unsigned syns)
{
	if (d->action == MXG_ACT_PASS || d->action == MXG_ACT_THROTTLE) {
		stats_add(maps, MXG_STAT_ACCEPTED, syns);
		return;
	}
	stats_add(maps, mxg_refusal_stat(d->reasons, d->action), syns);
	if (d->action == MXG_ACT_GREYLIST || d->action == MXG_ACT_TARPIT)
		stats_add(maps, MXG_STAT_TO_RESPONDER, syns);
}

/* learn_kernel_event - the tc program promoted a greylisted client: log it
 * and keep it on disk, as if the daemon had decided it; or it renewed an
 * allowlisted client's pass: refresh the disk copy */
void learn_kernel_event(void *ctx, const struct mxg_event *e)
{
	char addr[ADDR_STRLEN], why[256];
	__u64 now = now_ns();

	(void)ctx;
	if (e->type == MXG_EV_RENEWED) {	/* quietly: once a day a client */
		store_put(store, &e->key, &e->verdict);
		return;
	}
	if (e->type != MXG_EV_PROMOTED)
		return;
	addr_format(&e->key, addr, sizeof(addr));
	reasons_format(e->verdict.reasons, why, sizeof(why));
	msg_info("promoted action=pass client=%s reasons=%s ttl=%llu "
		 "(retried after the greylist delay)", addr, why,
		 (unsigned long long)(e->verdict.expires_ns > now ?
				      (e->verdict.expires_ns - now) / NS_PER_S : 0));
	store_put(store, &e->key, &e->verdict);
}

/* learn_responder_classify - greylist or tarpit, by the verdict that sent the
 * client here (its own, or its pool's) */
enum responder_mode learn_responder_classify(void *ctx, const struct mxg_key *client,
					      __u32 *reasons)
{
	struct mxg_key pool = learn_greylist_key(client);
	struct mxg_verdict v;

	(void)ctx;
	if (verdict_get(maps, client, &v) != 0 && verdict_get(maps, &pool, &v) != 0) {
		*reasons = 0;	/* forgotten meanwhile: a plain greylist */
		return RESPONDER_GREYLIST;
	}
	*reasons = v.reasons;
	return v.action == MXG_ACT_TARPIT ? RESPONDER_TARPIT : RESPONDER_GREYLIST;
}

/* learn_responder_outcome - taRgrey: a tarpitted client that cannot wait for the
 * banner is a bot; one that waits it out starts a greylist clock */
void learn_responder_outcome(void *ctx, const struct mxg_key *client,
			      enum responder_outcome o)
{
	char addr[ADDR_STRLEN], why[256];
	enum mxg_action action = MXG_ACT_BLOCK;
	__u32 reasons = 0, bit = MXG_R_PREGREET;
	unsigned ttl_s = conf->verdict_ttl_block;
	struct mxg_verdict v;

	(void)ctx;
	if (o == RESPONDER_DONE)
		return;
	if (verdict_get(maps, client, &v) == 0)
		reasons = v.reasons;
	if (o == RESPONDER_TARPIT_HANGUP)
		bit = MXG_R_HANGUP;
	if (o == RESPONDER_TARPIT_WAITED) {
		action = MXG_ACT_GREYLIST;
		bit = MXG_R_WAITED;
		ttl_s = conf->greylist_window;
	}
	reasons = (reasons & ~(MXG_R_PREGREET | MXG_R_HANGUP | MXG_R_WAITED)) | bit;
	/* Under the client's own key: its tarpit verdict lives there. */
	learn_verdict(client, action, reasons, 0, ttl_s * NS_PER_S);
	addr_format(client, addr, sizeof(addr));
	reasons_format(reasons, why, sizeof(why));
	msg_info("verdict action=%s client=%s reasons=%s ttl=%u (tarpit)",
		 action_name(action), addr, why, ttl_s);
}

