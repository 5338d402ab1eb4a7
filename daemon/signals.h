/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	signals - the table of what the classifier looks at, one row a signal
 * SYNOPSIS
 *	extern const struct signal signal_table[SIG_MAX];
 *	#define SIG_BIT(id)
 * DESCRIPTION
 *	Each signal the classifier (classify.h) uses is one row: the address
 *	tables, PTR + forward confirmation (with the name tables, S25R and
 *	the provider allowlist on the confirmed name), the DNS lists, and
 *	the country. Rows run in table order, both to start and to apply;
 *	the order of the rows is the order of precedence where two signals
 *	touch the same outcome.
 *
 *	start(c, p) begins the signal for pending source p. It returns
 *	SIGNAL_DONE when its part of p->ev is filled in already (a signal
 *	that needs no I/O), SIGNAL_PENDING when its answer will come through
 *	its callback, from the event loop, which stores it in p->ev and calls
 *	classify_signal_done(p, id), or SIGNAL_FINAL when what it found
 *	decides alone (an address table's OK): the rows after it are not
 *	started, their evidence stays as evidence_init() left it. An
 *	asynchronous signal never answers from inside start().
 *
 *	cancel(c, p, timed_out) stops a started signal that has not
 *	answered: at the deadline (timed_out = 1) it records what is known
 *	in p->ev; when the daemon stops (timed_out = 0) it only lets go.
 *
 *	apply(env, client, e, d) adds the signal's reasons to decision d
 *	and proposes its action (policy_propose()); it reads only the
 *	evidence and the running configuration and tables, so that a
 *	reload between start and decision cannot leave a stale pointer.
 *
 *	show(env, client, e, out) prints the signal's line(s) of the dry
 *	run (mxgatectl check), from the same evidence.
 *
 *	Adding a signal: a row here (signals.c), its id below, its field in
 *	struct evidence (policy.h), and the module that does the lookup.
 */
#ifndef MXG_SIGNALS_H
#define MXG_SIGNALS_H

#include <stdio.h>
#include "policy.h"

struct classifier;
struct pending;

enum signal_id {
	SIG_ADDR_TABLE,		/* client_access address keys */
	SIG_FCRDNS,		/* PTR, forward confirmation, name tables, S25R,
				 * provider allowlist */
	SIG_DNSBL,		/* weighted DNS block and allow lists */
	SIG_COUNTRY,		/* the country table in force */
	SIG_MAX
};
#define SIG_BIT(id)	(1u << (id))

enum signal_start { SIGNAL_DONE, SIGNAL_PENDING, SIGNAL_FINAL };

struct signal {
	const char *name;		/* in the dry run */
	enum signal_start (*start)(struct classifier *c, struct pending *p);
	void (*cancel)(struct classifier *c, struct pending *p, int timed_out);
	void (*apply)(const struct policy_env *env, const struct mxg_key *client,
		      const struct evidence *e, struct decision *d);
	void (*show)(const struct policy_env *env, const struct mxg_key *client,
		     const struct evidence *e, FILE *out);
};

extern const struct signal signal_table[SIG_MAX];

#endif /* MXG_SIGNALS_H */
