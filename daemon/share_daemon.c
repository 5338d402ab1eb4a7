/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * share_daemon.c - what other gateways learned, into this gateway's maps
 * and store; what this one learns, out. See share_daemon.h.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "clock.h"
#include "log.h"
#include "manual.h"
#include "share_daemon.h"

static int sink_verdict_get(void *ctx, const struct mxg_key *k, struct mxg_verdict *v)
{
	struct share_daemon *sd = ctx;

	return verdict_get(sd->maps, k, v);
}

static void sink_verdict_apply(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct share_daemon *sd = ctx;
	int err = verdict_put_as(sd->maps, k, v);

	if (err)
		msg_warn("share: cannot write a verdict from another gateway: %s",
			 strerror(-err));
	if (v->action == MXG_ACT_PASS || v->action == MXG_ACT_GREYLIST)
		store_put(sd->store, k, v);
	if (sd->senders)
		sender_restored(sd->senders, k, v);
}

static int sink_manual_get(void *ctx, const struct mxg_key *p, struct mxg_manual *m)
{
	struct share_daemon *sd = ctx;

	return manual_get(sd->manual_fd, p, m);
}

static void sink_manual_apply(void *ctx, const struct mxg_key *p, const struct mxg_manual *m)
{
	struct share_daemon *sd = ctx;
	int err;

	if (!m) {
		err = manual_delete(sd->manual_fd, p);
		if (err && err != -ENOENT)
			msg_warn("share: cannot forget a manual decision: %s", strerror(-err));
		manual_watch_set(&sd->seen, p, NULL);
		return;
	}
	err = manual_put(sd->manual_fd, p, m);
	if (err)
		msg_warn("share: cannot write a manual decision: %s", strerror(-err));
	manual_watch_set(&sd->seen, p, m);
}

/* offer_manual - manual_walk's visitor: a live decision, shared */
static void offer_manual(void *ctx, const struct mxg_key *p, const struct mxg_manual *m)
{
	struct share_daemon *sd = ctx;

	if (manual_live(m, now_ns()))
		share_manual(sd->share, p, m);
}

/* republish - everything live this gateway holds, offered to Redis */
static void republish(void *ctx)
{
	struct share_daemon *sd = ctx;
	struct mxg_key k, next;
	struct mxg_verdict v;
	__u32 bound = map_walk_bound(sd->maps->verdicts_fd);
	unsigned long long n = 0;
	__u64 now = now_ns();
	int first = 1;

	while (bound-- && bpf_map_get_next_key(sd->maps->verdicts_fd, first ? NULL : &k,
					       &next) == 0) {
		first = 0;
		k = next;
		if (bpf_map_lookup_elem(sd->maps->verdicts_fd, &k, &v) == 0 &&
		    v.expires_ns > now) {
			share_verdict(sd->share, &k, &v);
			n++;
		}
	}
	manual_walk(sd->manual_fd, offer_manual, sd);
	msg_info("share: offered %llu verdict(s) and the manual decisions this "
		 "gateway holds", n);
}

int share_daemon_start(struct share_daemon *sd, struct loop *l,
		       const struct mxg_conf *conf, const char *password)
{
	struct share_params p = { .server_text = conf->redis_server,
		.user = conf->redis_user, .password = password, .prefix = conf->redis_prefix,
		.queue_max = conf->redis_queue_max, .stream_max = conf->redis_stream_max,
		.state_dir = conf->state_dir };
	struct share_sink sink = { .ctx = sd, .verdict_get = sink_verdict_get,
		.manual_get = sink_manual_get, .verdict_apply = sink_verdict_apply,
		.manual_apply = sink_manual_apply, .republish = republish };
	char why[200];

	if (share_server_parse(conf->redis_server, &p.server, why, sizeof(why)) < 0) {
		msg_warn("redis_server: %s: not sharing", why);
		return -1;
	}
	if (manual_watch_init(&sd->seen, sd->manual_fd) < 0)
		msg_warn("share: cannot read the manual map: the admin's decisions "
			 "made before now are shared at the next change");
	sd->manual_changes = stats_daemon(sd->maps, MXG_STAT_MANUAL_CHANGES);
	sd->share = share_new(l, &p, &sink);
	if (!sd->share) {
		msg_warn("share: out of memory: not sharing");
		return -1;
	}
	/* Decisions the admin made while mxgated was stopped are in the map
	 * now (restored from the file) but were never shared: offer every
	 * live one (the precedence keeps what is newer elsewhere). */
	manual_walk(sd->manual_fd, offer_manual, sd);
	msg_info("share: sharing with the gateways of redis %s (prefix %s)",
		 conf->redis_server, conf->redis_prefix);
	return 0;
}

void share_daemon_learned(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct share_daemon *sd = ctx;

	share_verdict(sd->share, k, v);
}

/* manual_changed - manual_watch_diff's visitor: the admin's change */
static void manual_changed(void *ctx, const struct mxg_key *p, const struct mxg_manual *m)
{
	struct share_daemon *sd = ctx;
	char text[ADDR_STRLEN];

	addr_format(p, text, sizeof(text));
	msg_info("share: the admin's %s of %s, shared with the other gateways",
		 m ? manual_action_word(m->action) : "forget", text);
	share_manual(sd->share, p, m);
}

/* count - counter id grows by what now has over was */
static void count(struct share_daemon *sd, __u32 id, unsigned long long now,
		  unsigned long long was)
{
	if (now > was)
		stats_add(sd->maps, id, now - was);
}

void share_daemon_tick(struct share_daemon *sd)
{
	const struct share_stats *st;
	__u64 changes;

	if (!sd->share)
		return;
	changes = stats_daemon(sd->maps, MXG_STAT_MANUAL_CHANGES);
	if (changes != sd->manual_changes) {
		if (manual_watch_diff(&sd->seen, sd->manual_fd, manual_changed, sd) == 0)
			sd->manual_changes = changes;
		else
			msg_warn("share: cannot read the manual map: the admin's change "
				 "is shared at the next try");
	}
	share_tick(sd->share);
	st = share_stats(sd->share);
	count(sd, MXG_STAT_SHARE_SENT, st->sent, sd->counted.sent);
	count(sd, MXG_STAT_SHARE_APPLIED, st->applied, sd->counted.applied);
	count(sd, MXG_STAT_SHARE_DROPPED, st->dropped, sd->counted.dropped);
	count(sd, MXG_STAT_SHARE_BAD, st->bad, sd->counted.bad);
	count(sd, MXG_STAT_SHARE_RESYNCS, st->resyncs, sd->counted.resyncs);
	sd->counted = *st;
	stats_set(sd->maps, MXG_STAT_SHARE_UP, (__u64)st->up);
	stats_set(sd->maps, MXG_STAT_SHARE_QUEUE, st->queued);
	stats_set(sd->maps, MXG_STAT_SHARE_LAG_MS, st->lag_ms);
}

void share_daemon_stop(struct share_daemon *sd)
{
	if (!sd->share)
		return;
	share_daemon_tick(sd);
	share_free(sd->share);
	sd->share = NULL;
	stats_set(sd->maps, MXG_STAT_SHARE_UP, 0);
	manual_watch_free(&sd->seen);
}
