/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	metrics_text - the Prometheus exposition text, without sockets
 * SYNOPSIS
 *	void metrics_count_decision(struct metrics_decisions *m,
 *				    unsigned action, int rule, __u64 elapsed_ns);
 *	int metrics_format(FILE *out, const struct metrics_snapshot *s);
 *	int metrics_listen_parse(const char *text, struct sockaddr_storage *ss,
 *				 socklen_t *len, char *why, size_t wlen);
 * DESCRIPTION
 *	What mxgated serves at GET /metrics (metrics.h does the HTTP), as a
 *	pure function of a snapshot, so that every name, label and number
 *	is tested without a socket. Names follow postfix_exporter and
 *	rspamd: mxgate_ prefix, _total for counters, base units (seconds,
 *	bytes), no per-address label.
 *
 *	metrics_count_decision() counts one verdict of mxgated: its action
 *	(enum mxg_action), the S25R rule that decided it (0..S25R_ALL, or
 *	-1 for none) and the time from the client's first SYN to the
 *	verdict, in the decision_duration histogram. Out-of-range actions
 *	and rules are counted as action "none" and rule "none".
 *
 *	metrics_format() writes the text exposition format 0.0.4: for each
 *	family a "# HELP" and a "# TYPE" line, then its samples. Counters
 *	from the pinned maps (stats_read(): the tc program's per-CPU
 *	counters plus mxgated's) are written only when s->stats_ok; a map
 *	row without a name or whose count is negative (unreadable), and
 *	rules_loaded when -1 (rules_cmd = none), are left out. Counters
 *	with a fixed set of labels (the SYN breakdown, the reasons, DNS
 *	outcomes) are written zeros too; decisions only for the action and
 *	rule pairs that happened. It returns 0, or -1 when out reports an
 *	error.
 *
 *	metrics_listen_parse() reads a metrics_listen value: "ADDR:PORT"
 *	for IPv4 ("127.0.0.1:9464"), "[ADDR]:PORT" for IPv6
 *	("[::1]:9464"), port 1-65535; the address into ss and its length
 *	into len (either may be NULL to only check). It returns 0, or -1
 *	with the reason in why.
 */
#ifndef MXG_METRICS_TEXT_H
#define MXG_METRICS_TEXT_H

#include <stdio.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "mxgate.h"
#include "s25r.h"

#define METRICS_BUCKETS	13		/* finite bounds of the histogram */
#define METRICS_RULE_NONE (S25R_ALL + 1)	/* decisions no rule decided */
#define METRICS_MAPS	4		/* map_entries rows at most */

/* mxgated's verdicts since it started: counts and how long they took. */
struct metrics_decisions {
	unsigned long long n[MXG_ACT_MAX][METRICS_RULE_NONE + 1]; /* [action][rule] */
	unsigned long long bucket[METRICS_BUCKETS + 1];	/* per bucket, last +Inf */
	unsigned long long count;	/* observations */
	__u64 sum_ns;			/* their total */
};

/* One map's fill. */
struct metrics_map {
	const char *name;		/* label: "verdicts", "unproven", ... */
	long long entries;		/* counted; < 0: could not be read */
	long long capacity;		/* max_entries */
};

/* Everything one scrape shows. */
struct metrics_snapshot {
	const char *version;		/* build_info */
	int stats_ok;			/* stats holds the pinned counters */
	__u64 stats[MXG_STAT_MAX];	/* stats_read() */
	const struct metrics_decisions *decisions;	/* NULL: none yet */
	struct metrics_map maps[METRICS_MAPS];
	int n_maps;
	int rules_loaded;		/* 1 in place, 0 not, -1 not ours */
	int resolver_up;		/* 0 while every lookup times out */
	int sharing;			/* redis_server is set: share_* too */
};

void metrics_count_decision(struct metrics_decisions *m, unsigned action, int rule,
			    __u64 elapsed_ns);
int metrics_format(FILE *out, const struct metrics_snapshot *s);
int metrics_listen_parse(const char *text, struct sockaddr_storage *ss,
			 socklen_t *len, char *why, size_t wlen);

#endif /* MXG_METRICS_TEXT_H */
