/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_status - mxgatectl status: mxgate on this host at a glance
 * SYNOPSIS
 *	int ctl_status(const struct mxg_conf *conf, struct json *j);
 * DESCRIPTION
 *	Gathers what an operator asks first, then prints it as text, one
 *	"topic: ..." line each, or, with j (a new document), as one JSON
 *	object (man/mxgatectl.8 lists the lines and the fields):
 *
 *	  version	MXG_VERSION (version.h)
 *	  mxgated	running or not, its pid and uptime (uptime.h: the pid
 *			in pid_file, the process's start in /proc)
 *	  rules		what rules_cmd status says (rules.h; only root can
 *			read the ruleset: for others "not checked"), and
 *			how often mxgated put them back
 *	  interfaces	every interface of this network namespace with a
 *			tc program at mxgate's handle and priority on its
 *			ingress (bpf_load.h), and the configured ones
 *			without one; the program's id and name
 *	  resolver	ok, down or unknown: the daemon's resolver_down
 *			gauge where this build has one and mxgated runs
 *	  overload	the daemon's stress gauge, episodes, lookups pending
 *	  maps		entries / max_entries of the verdicts, unproven and
 *			throttle maps (counted by walking their keys)
 *	  store		records, bytes and records pruned of the store
 *
 *	It reads the maps read-only and changes nothing. The counters and
 *	gauges are the ones stats shows (maps.h); when the maps are not
 *	pinned those lines say so (null in JSON). It returns 0 when the
 *	rules are loaded, not managed by mxgate (rules_cmd = none) or not
 *	checked (not root), 1 when not loaded.
 */
#ifndef MXG_CTL_STATUS_H
#define MXG_CTL_STATUS_H

#include "config.h"
#include "json.h"

int ctl_status(const struct mxg_conf *conf, struct json *j);

#endif /* MXG_CTL_STATUS_H */
