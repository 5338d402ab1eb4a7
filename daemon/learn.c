/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	learn - what mxgated learns about clients, into the kernel and to disk
 * DESCRIPTION
 *	Implements learn.h (the contract is there).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "clock.h"
#include "learn.h"
#include "log.h"
#include "names.h"
#include "resolve.h"

/* put_failed - the kernel refused a verdict about key: a line, at most
 * one a second (each new client can cause one while it lasts) */
static void put_failed(const struct mxg_key *key, int err)
{
	static struct msg_limit limit;
	long long more = msg_limit(&limit, now_ns(), NS_PER_S);
	char addr[ADDR_STRLEN];

	if (more < 0)
		return;
	addr_format(key, addr, sizeof(addr));
	msg_warn("client=%s: cannot store verdict: %s (%lld more since the last "
		 "line)", addr, strerror(-err), more);
}

/* shared - a verdict learned here, for the other gateways */
static void shared(struct learner *l, const struct mxg_key *key, const struct mxg_verdict *v)
{
	if (l->shared)
		l->shared(l->shared_ctx, key, v);
}

/* learn_greylist_key - the key a greylist clock for client is kept under: the
 * client itself, or its /len pool when greylist_prefix_v4/_v6 is set */
struct mxg_key learn_greylist_key(const struct learner *l, const struct mxg_key *client)
{
	const struct mxg_conf *conf = l->conf;
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
int learn_verdict(struct learner *l, const struct mxg_key *key, enum mxg_action action,
		  __u32 reasons, int score, __u64 ttl_ns)
{
	__u64 now = now_ns();
	int err = verdict_put(l->maps, key, action, reasons, score, ttl_ns);
	struct mxg_verdict v = { .decided_ns = now, .reasons = reasons,
		.expires_ns = now + ttl_ns, .action = action, .dnsbl_score = score };

	if (err)
		put_failed(key, err);
	/* Bots are cheap to learn again; senders are not. */
	if (action == MXG_ACT_PASS || action == MXG_ACT_GREYLIST)
		store_put(l->store, key, &v);
	shared(l, key, &v);
	if (action == MXG_ACT_GREYLIST)
		stats_add(l->maps, MXG_STAT_GREYLIST_FIRST, 1);
	return err;
}

/* learn_unproven - a verdict reached by timeout only: the unproven map,
 * never the disk; 0 or -errno */
int learn_unproven(struct learner *l, const struct mxg_key *key, enum mxg_action action,
		   __u32 reasons, int score, __u64 ttl_ns)
{
	int err = unproven_put(l->maps, key, action, reasons, score, ttl_ns);

	if (err)
		put_failed(key, err);
	return err;
}

/* prove - client proved its address: its unproven verdict (if any)
 * becomes a verdict like any other, kept on disk if worth it; 1 if it
 * had one */
static int prove(struct learner *l, const struct mxg_key *client)
{
	struct mxg_verdict v;

	if (unproven_prove(l->maps, client, &v) != 0)
		return 0;
	l->proved++;
	if (v.action == MXG_ACT_PASS || v.action == MXG_ACT_GREYLIST)
		store_put(l->store, client, &v);
	shared(l, client, &v);
	return 1;
}

/* learn_keep - v under key, in the kernel and (a pass or a greylist
 * clock) on disk, as it is: a clock shared or a pass earned elsewhere */
void learn_keep(struct learner *l, const struct mxg_key *key, const struct mxg_verdict *v)
{
	int err = verdict_put_as(l->maps, key, v);

	if (err)
		put_failed(key, err);
	store_put(l->store, key, v);
	shared(l, key, v);
}

/* learn_pool_key - the network whose clock a client with a confirmed,
 * not dynamic-looking name shares (smart keys): its /24 or /64 */
struct mxg_key learn_pool_key(const struct mxg_key *client)
{
	struct mxg_key k = *client;

	addr_prefix(&k, addr_is_v4(client) ? 96 + SMART_PLEN_V4 : SMART_PLEN_V6);
	return k;
}

/* learn_pool_greylist - greylist client on its network's clock (smart
 * keys): the first of the network starts it; a later one, before the
 * delay, shares it (its own verdict carries the network's first contact,
 * so the tc program promotes it on that clock); after the delay, in the
 * window, the network has retried in time: client and network pass. A
 * network that passed lets its other confirmed clients pass. Returns the
 * action client was given (GREYLIST or PASS), *reasons updated. */
enum mxg_action learn_pool_greylist(struct learner *l, const struct mxg_key *client,
				    __u32 *reasons, int score, __u64 window_ns)
{
	const struct mxg_conf *conf = l->conf;
	struct mxg_key pool = learn_pool_key(client);
	__u64 now = now_ns(), delay = (__u64)conf->greylist_delay * NS_PER_S;
	struct mxg_verdict v;
	int live = verdict_get(l->maps, &pool, &v) == 0 && now < v.expires_ns;
	int greylist = live && v.action == MXG_ACT_GREYLIST;

	if ((live && v.action == MXG_ACT_PASS) || (greylist && now - v.decided_ns >= delay)) {
		__u64 ttl = (__u64)conf->allowlist_ttl * NS_PER_S;

		if (greylist) {
			v = (struct mxg_verdict){ .decided_ns = now, .expires_ns = now + ttl,
				.reasons = v.reasons | MXG_R_RETRIED, .action = MXG_ACT_PASS,
				.dnsbl_score = v.dnsbl_score };
			learn_keep(l, &pool, &v);
			stats_add(l->maps, MXG_STAT_PROMOTED, 1);
		}
		*reasons |= MXG_R_RETRIED;
		learn_verdict(l, client, MXG_ACT_PASS, *reasons, score, ttl);
		return MXG_ACT_PASS;
	}
	if (greylist) {
		v.hits = 0;
		v.reasons = *reasons;
		v.dnsbl_score = score;
		learn_keep(l, client, &v);	/* the network's clock */
		return MXG_ACT_GREYLIST;
	}
	v = (struct mxg_verdict){ .decided_ns = now, .expires_ns = now + window_ns,
		.reasons = *reasons, .action = MXG_ACT_GREYLIST, .dnsbl_score = score };
	learn_keep(l, &pool, &v);
	learn_verdict(l, client, MXG_ACT_GREYLIST, *reasons, score, window_ns);
	return MXG_ACT_GREYLIST;
}

/* learn_count_released - the breakdown for SYNs the daemon itself decided */
void learn_count_released(struct learner *l, const struct decision *d, unsigned syns)
{
	if (d->action == MXG_ACT_PASS || d->action == MXG_ACT_THROTTLE) {
		stats_add(l->maps, MXG_STAT_ACCEPTED, syns);
		return;
	}
	stats_add(l->maps, mxg_refusal_stat(d->reasons, d->action), syns);
	if (d->action == MXG_ACT_GREYLIST || d->action == MXG_ACT_TARPIT)
		stats_add(l->maps, MXG_STAT_TO_RESPONDER, syns);
}

/* learn_log - the verdict log line, one format whoever decided */
void learn_log(const struct verdict_note *n)
{
	char line[1024 + PATH_MAX], addr[ADDR_STRLEN], why[256];
	size_t o = 0;

/* put - append to line, never past its end */
#define put(...) do {							\
	if (o < sizeof(line))						\
		o += (size_t)snprintf(line + o, sizeof(line) - o, __VA_ARGS__); \
} while (0)
	addr_format(n->client, addr, sizeof(addr));
	reasons_format(n->reasons, why, sizeof(why));
	put("%s action=%s client=%s", n->event, action_name(n->action), addr);
	if (n->ptr)
		put(" ptr=%s", n->ptr[0] ? n->ptr : "-");
	if (n->fcrdns >= 0)
		put(" fcrdns=%s", fcrdns_name((enum fcrdns_status)n->fcrdns));
	if (n->rule)
		put(" rule=%s", n->rule);
	put(" reasons=%s ttl=%llu", why, n->ttl_s);
	if (n->elapsed_ms >= 0)
		put(" elapsed_ms=%lld", n->elapsed_ms);
	if (n->syns)
		put(" syns=%u", n->syns);
	if (n->table)
		put(" table=%s:%d", n->table, n->table_line);
	if (n->provider)
		put(" provider=%s", n->provider);
	if (n->sender)
		put(" sender=%s", n->sender);
	if (n->has_dnsbl)
		put(" dnsbl=%d", n->dnsbl_score);
	if (n->overhead_us >= 0)
		put(" overhead_us=%lld", n->overhead_us);
	if (n->note)
		put(" %s", n->note);
#undef put
	msg_info("%s", line);
}

/* learn_kernel_event - the tc program promoted a greylisted client: log it
 * and keep it on disk, as if the daemon had decided it; or it renewed an
 * allowlisted client's pass: refresh the disk copy */
void learn_kernel_event(void *learner, const struct mxg_event *e)
{
	struct learner *l = learner;
	__u64 now = now_ns();
	struct verdict_note n = { .event = "promoted", .action = MXG_ACT_PASS,
		.client = &e->key, .fcrdns = -1, .reasons = e->verdict.reasons,
		.elapsed_ms = -1, .overhead_us = -1,
		.note = "(retried after the greylist delay)" };

	if (e->type == MXG_EV_RENEWED) {	/* quietly: once a day a client */
		store_put(l->store, &e->key, &e->verdict);
		shared(l, &e->key, &e->verdict);
		return;
	}
	if (e->type != MXG_EV_PROMOTED)
		return;
	/* A promotion in the unproven map: the client came back in time,
	 * as spoofed sources do not. */
	prove(l, &e->key);
	n.ttl_s = e->verdict.expires_ns > now ? (e->verdict.expires_ns - now) / NS_PER_S : 0;
	learn_log(&n);
	store_put(l->store, &e->key, &e->verdict);
	shared(l, &e->key, &e->verdict);
}

/* learn_responder_classify - greylist or tarpit, by the verdict that sent the
 * client here (its own, or its pool's) */
enum responder_mode learn_responder_classify(void *learner, const struct mxg_key *client,
					     __u32 *reasons, __u64 *clock_ns)
{
	struct learner *l = learner;
	struct mxg_key pool = learn_greylist_key(l, client);
	struct mxg_verdict v;

	*clock_ns = 0;
	if (verdict_get(l->maps, client, &v) != 0 && verdict_get(l->maps, &pool, &v) != 0) {
		if (unproven_get(l->maps, client, &v) != 0) {
			/* Told to come back during an overload (or
			 * forgotten meanwhile): a plain greylist, and a
			 * handshake done, so judge it now. */
			*reasons = 0;
			if (l->judge)
				l->judge(l->judge_ctx, client);
			return RESPONDER_GREYLIST;
		}
		prove(l, client);	/* a handshake proves the address */
	}
	*reasons = v.reasons;
	/* The start of its greylist clock (its own, or the one it shares):
	 * a client whose full dialogue came since then is a repeat. */
	if (v.action == MXG_ACT_GREYLIST &&
	    l->conf->greylist_repeat_reply != REPEAT_REPLY_FULL)
		*clock_ns = v.decided_ns;
	return v.action == MXG_ACT_TARPIT ? RESPONDER_TARPIT : RESPONDER_GREYLIST;
}

/* field_text - an envelope field as a C string, when it came whole and
 * holds only printable ASCII without blanks (anything else names no
 * domain worth a DNS query); 0 or -1 */
static int field_text(const struct envelope_field *f, char *buf, size_t size)
{
	if (!f->seen || f->cut || f->len >= size)
		return -1;
	for (unsigned i = 0; i < f->len; i++)
		if ((unsigned char)f->text[i] <= 0x20 || (unsigned char)f->text[i] >= 0x7f)
			return -1;
	memcpy(buf, f->text, f->len);
	buf[f->len] = 0;
	return 0;
}

/* learn_responder_mail - a greylisted client named its sender: hand it
 * to the mail hook (sender keys) */
void learn_responder_mail(void *learner, const struct mxg_key *client,
			  const struct envelope *e)
{
	struct learner *l = learner;
	char from[ENVELOPE_FIELD_MAX + 1], helo[ENVELOPE_FIELD_MAX + 1];

	if (!l->mail || field_text(&e->from, from, sizeof(from)) < 0)
		return;
	if (field_text(&e->helo, helo, sizeof(helo)) < 0)
		helo[0] = 0;
	l->mail(l->mail_ctx, client, from, helo);
}

/* learn_responder_told - a greylisted client had its session with the
 * responder (it heard why, or hung up before) on the clock that started
 * at clock_ns. With greylist_repeat_reply = reset its own
 * verdict keeps that (told_ns), and the tc program answers its next
 * too-early SYNs with a reset itself. A verdict that moved on meanwhile
 * (promoted, a new clock, a pool's) is left alone. */
void learn_responder_told(void *learner, const struct mxg_key *client,
			  __u64 clock_ns)
{
	struct learner *l = learner;
	struct mxg_verdict v;

	if (l->conf->greylist_repeat_reply != REPEAT_REPLY_RESET ||
	    verdict_get(l->maps, client, &v) != 0 ||
	    v.action != MXG_ACT_GREYLIST || v.decided_ns != clock_ns ||
	    v.told_ns == clock_ns)
		return;
	v.told_ns = clock_ns;
	(void)verdict_rewrite(l->maps, client, &v);	/* gone: nothing to mark */
}

/* learn_responder_outcome - taRgrey: a tarpitted client that cannot wait for the
 * banner is a bot; one that waits it out starts a greylist clock */
void learn_responder_outcome(void *learner, const struct mxg_key *client,
			     enum responder_outcome o)
{
	struct learner *l = learner;
	enum mxg_action action = MXG_ACT_BLOCK;
	__u32 reasons = 0, bit = MXG_R_PREGREET;
	unsigned ttl_s = l->conf->verdict_ttl_block;
	struct mxg_verdict v;

	if (o == RESPONDER_DONE)
		return;
	if (verdict_get(l->maps, client, &v) == 0)
		reasons = v.reasons;
	if (o == RESPONDER_TARPIT_HANGUP)
		bit = MXG_R_HANGUP;
	if (o == RESPONDER_TARPIT_WAITED) {
		action = MXG_ACT_GREYLIST;
		bit = MXG_R_WAITED;
		ttl_s = l->conf->greylist_window;
	}
	reasons = (reasons & ~(MXG_R_PREGREET | MXG_R_HANGUP | MXG_R_WAITED)) | bit;
	/* Under the client's own key: its tarpit verdict lives there. */
	learn_verdict(l, client, action, reasons, 0, ttl_s * NS_PER_S);
	learn_log(&(struct verdict_note){ .event = "verdict", .action = action,
		  .client = client, .fcrdns = -1, .reasons = reasons, .ttl_s = ttl_s,
		  .elapsed_ms = -1, .overhead_us = -1, .note = "(tarpit)" });
}

