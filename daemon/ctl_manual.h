/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_manual - mxgatectl allow, block, forget and list --manual
 * SYNOPSIS
 *	int ctl_decide(const struct mxg_conf *conf, __u32 action, char **args);
 *	int ctl_forget(const struct mxg_conf *conf, struct pinned_maps *m,
 *		       const char *text);
 *	int ctl_list_manual(const char *pin_dir, int action);
 *	int ctl_lookup_manual(const char *pin_dir, const struct mxg_key *client);
 * DESCRIPTION
 *	The commands of mxgatectl(8) that change or show the admin's own
 *	decisions (manual.h); mxgatectl.c's command table calls them. Each
 *	returns mxgatectl's exit status: 0, 1 (a negative answer), 2 (an
 *	error, said in one "mxgatectl: " line on stderr).
 *
 *	ctl_decide() is allow (action MXG_ACT_PASS) and block
 *	(MXG_ACT_BLOCK): args (NULL-terminated) are ADDR|CIDR, then an
 *	optional lifetime (a word that starts with a digit, or "forever":
 *	manual_parse_ttl(); none: until forgotten), then the comment (the
 *	remaining words, joined by single spaces). A decision for the same
 *	prefix is replaced. The file under state_dir is written first (the
 *	directory is created, 0700, if missing), then the kernel's map
 *	made the file's (manual_sync()); writers are serialised by a lock
 *	on state_dir. When no manual map is pinned (no mxgated of this
 *	version has run) the decision is kept on disk only, and a note says
 *	that mxgated puts it into the kernel when it starts. It prints the
 *	decision as list --manual does.
 *
 *	ctl_forget() forgets ADDR|CIDR: the manual decision of exactly that
 *	prefix (map and file), and every verdict of the client, or for a
 *	prefix every verdict of an address or network inside it (the
 *	verdicts and unproven maps, and the on-disk store, which is never
 *	created). It prints "TEXT forgotten: ..." with what went, or exits 1
 *	when there was nothing.
 *
 *	ctl_list_manual() prints every decision of the manual map (only
 *	those with action, unless it is negative), sorted by address, one
 *	line each:
 *
 *	    192.0.2.0/24 block reasons=manual age=12s forever hits=3 comment="spam run"
 *
 *	the action as verdicts have it (pass for allow), then expires_in=Ns,
 *	expired, or forever (until forgotten); comment= only when there is
 *	one, quoted by manual_quote().
 *
 *	ctl_lookup_manual() prints the line of the decision that covers
 *	client, if one does (the longest live prefix, as the tc program
 *	finds it): 1 when it printed one, else 0.
 */
#ifndef MXG_CTL_MANUAL_H
#define MXG_CTL_MANUAL_H

#include <linux/types.h>
#include "config.h"
#include "maps.h"
#include "mxgate.h"

int ctl_decide(const struct mxg_conf *conf, __u32 action, char **args);
int ctl_forget(const struct mxg_conf *conf, struct pinned_maps *m, const char *text);
int ctl_list_manual(const char *pin_dir, int action);
int ctl_lookup_manual(const char *pin_dir, const struct mxg_key *client);

#endif /* MXG_CTL_MANUAL_H */
