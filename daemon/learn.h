/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	learn - what mxgated learns about clients, into the kernel and to disk
 * SYNOPSIS
 *	struct mxg_key learn_greylist_key(const struct learner *l,
 *					  const struct mxg_key *client);
 *	int learn_verdict(struct learner *l, const struct mxg_key *key,
 *			  enum mxg_action action, __u32 reasons, int score,
 *			  __u64 ttl_ns);
 *	void learn_count_released(struct learner *l, const struct decision *d,
 *				  unsigned syns);
 *	void learn_log(const struct verdict_note *n);
 *	void learn_kernel_event(void *learner, const struct mxg_event *e);
 *	enum responder_mode learn_responder_classify(void *learner,
 *			const struct mxg_key *client, __u32 *reasons,
 *			__u64 *clock_ns);
 *	void learn_responder_outcome(void *learner, const struct mxg_key *client,
 *			enum responder_outcome o);
 *	void learn_responder_mail(void *learner, const struct mxg_key *client,
 *			const struct envelope *e);
 *	void learn_responder_told(void *learner, const struct mxg_key *client,
 *			__u64 clock_ns);
 *	void learn_keep(struct learner *l, const struct mxg_key *key,
 *			const struct mxg_verdict *v);
 *	int learn_unproven(struct learner *l, const struct mxg_key *key,
 *			   enum mxg_action action, __u32 reasons, int score,
 *			   __u64 ttl_ns);
 *	struct mxg_key learn_pool_key(const struct mxg_key *client);
 *	enum mxg_action learn_pool_greylist(struct learner *l,
 *			const struct mxg_key *client, __u32 *reasons, int score,
 *			__u64 window_ns);
 * DESCRIPTION
 *	A struct learner names the running configuration (read at each
 *	call, so a reload takes effect), the pinned maps and the on-disk
 *	store; every function works on the learner it is handed.
 *
 *	learn_greylist_key() is the key a client's greylist clock lives
 *	under: the client, or its pool with greylist_prefix_v4/_v6.
 *	learn_verdict() writes a verdict into the kernel and, for what is
 *	worth keeping across a reboot (pass, greylist), to the store; 0 or
 *	-errno (logged). learn_count_released() counts the SYNs the daemon
 *	released for a decision in the seeds' breakdown.
 *
 *	learn_log() writes the one verdict log line, whoever decided
 *	(classifier, tc program, responder): "EVENT action=A client=C" and
 *	then, where known, ptr=, fcrdns=, rule=, reasons=, ttl=, elapsed_ms=,
 *	syns=, table=, provider= (the provider_allowlist domain the
 *	confirmed name is under), sender= (the domain whose SPF pool's
 *	clock decided, sender.h), dnsbl=, overhead_us= and a note in
 *	parentheses.
 *
 *	learn_pool_greylist() greylists a client whose name is confirmed
 *	and does not look dynamic (greylist_smart) on the clock of its /24
 *	or /64 (learn_pool_key(): a verdict of its own under the prefix
 *	key, which the tc program never looks up, so it cannot let a
 *	neighbour in): the first client starts it, a later one before
 *	greylist_delay shares it (its own verdict carries the network's
 *	first contact), one after the delay within the window passes, and
 *	so does the network (allowlist_ttl), and with it its later
 *	confirmed clients. It returns the action given, PASS or GREYLIST.
 *
 *	learn_keep() writes v under key as it is (a clock shared, a pass
 *	earned elsewhere): into the kernel and to the store.
 *
 *	Every verdict learned here, whatever wrote it (learn_verdict(),
 *	learn_keep(), a proof, the tc program's promotions and renewals),
 *	also goes to the shared hook, for the other gateways; unproven
 *	verdicts never do (a spoofed source's).
 *
 *	learn_unproven() writes a verdict reached by timeout only about a
 *	client that never proved its address (a spoofed source, as likely
 *	as not) into the unproven map (maps.h), never to disk. When the
 *	client proves it (a handshake with the responder, a greylist
 *	promotion), the verdict moves into the verdicts map and, if worth
 *	keeping, to disk (counted in proved).
 *
 *	learn_kernel_event() takes what the tc program decided on its own
 *	(events.h): a promotion is logged and stored, a renewal stored.
 *
 *	learn_responder_classify() and learn_responder_outcome() are the
 *	responder's callbacks (responder.h): the mode and 450 text come from
 *	the client's verdict; a tarpitted client that pregreets or hangs up
 *	is blocked, one that waits out the banner gets a greylist clock
 *	(taRgrey). A greylisted client's clock start (the decided_ns of
 *	its verdict, or of the pool's it shares) goes to *clock_ns when
 *	greylist_repeat_reply is not full, so that the responder answers its
 *	repeats with a 421 (or, with reset, marks the verdict: see
 *	learn_responder_told()); 0 otherwise. A client with no verdict at all (told to come back during
 *	an overload) gets the greylist text and is handed to judge().
 *	learn_responder_told() is its told callback: with
 *	greylist_repeat_reply = reset it sets the told_ns of the client's own
 *	greylist verdict (mxgate.h) to the clock it heard why on.
 *	learn_responder_mail() is the responder's mail callback: the MAIL
 *	FROM address and HELO name go to the mail hook when they came whole
 *	and printable (a HELO that did not is given as "").
 */
#ifndef MXG_LEARN_H
#define MXG_LEARN_H

#include <linux/types.h>
#include "config.h"
#include "maps.h"
#include "mxgate.h"
#include "policy.h"
#include "responder.h"
#include "store.h"

struct learner {
	const struct mxg_conf *conf;	/* the daemon's, reloads included */
	struct pinned_maps *maps;	/* verdicts and counters */
	struct store *store;		/* learned verdicts on disk */
	/* A client without a verdict completed a handshake with the
	 * responder (it was told to come back during an overload): judge
	 * it now. May be NULL. */
	void (*judge)(void *ctx, const struct mxg_key *client);
	void *judge_ctx;
	/* A greylisted client named its sender (MAIL FROM, as sent, and
	 * its HELO name or ""): sender keys (sender.h). May be NULL. */
	void (*mail)(void *ctx, const struct mxg_key *client, const char *sender,
		     const char *helo);
	void *mail_ctx;
	/* A verdict was learned here (not one from another gateway): share
	 * it (share.h). May be NULL. */
	void (*shared)(void *ctx, const struct mxg_key *key, const struct mxg_verdict *v);
	void *shared_ctx;
	unsigned long long proved;	/* unproven verdicts proved since start */
};

/* One verdict log line; fields left at their "unset" value are omitted. */
struct verdict_note {
	const char *event;		/* "verdict", "promoted" */
	enum mxg_action action;
	const struct mxg_key *client;
	const char *ptr;		/* NULL: omitted; "": "-" */
	int fcrdns;			/* enum fcrdns_status; -1: omitted */
	const char *rule;		/* S25R rule name or "none"; NULL: omitted */
	__u32 reasons;
	unsigned long long ttl_s;
	long long elapsed_ms;		/* -1: omitted */
	unsigned syns;			/* 0: omitted */
	const char *table;		/* deciding table's path, NULL: omitted */
	int table_line;
	const char *provider;		/* allowlisted domain, NULL: omitted */
	const char *sender;		/* SPF pool's domain, NULL: omitted */
	int has_dnsbl;			/* print dnsbl= */
	int dnsbl_score;
	long long overhead_us;		/* -1: omitted */
	const char *note;		/* "(tarpit)", NULL: omitted */
};

struct mxg_key learn_greylist_key(const struct learner *l, const struct mxg_key *client);
int learn_verdict(struct learner *l, const struct mxg_key *key, enum mxg_action action,
		  __u32 reasons, int score, __u64 ttl_ns);
int learn_unproven(struct learner *l, const struct mxg_key *key, enum mxg_action action,
		   __u32 reasons, int score, __u64 ttl_ns);
/* Smart greylist keys: the network a confirmed, not dynamic-looking
 * client shares its clock with. */
#define SMART_PLEN_V4	24
#define SMART_PLEN_V6	64

struct mxg_key learn_pool_key(const struct mxg_key *client);
enum mxg_action learn_pool_greylist(struct learner *l, const struct mxg_key *client,
				    __u32 *reasons, int score, __u64 window_ns);
void learn_count_released(struct learner *l, const struct decision *d, unsigned syns);
void learn_log(const struct verdict_note *n);
void learn_kernel_event(void *learner, const struct mxg_event *e);
enum responder_mode learn_responder_classify(void *learner, const struct mxg_key *client,
					     __u32 *reasons, __u64 *clock_ns);
void learn_responder_outcome(void *learner, const struct mxg_key *client,
			     enum responder_outcome o);
void learn_responder_mail(void *learner, const struct mxg_key *client,
			  const struct envelope *e);
void learn_responder_told(void *learner, const struct mxg_key *client,
			  __u64 clock_ns);
void learn_keep(struct learner *l, const struct mxg_key *key, const struct mxg_verdict *v);

#endif /* MXG_LEARN_H */
