/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	preflight - what a configuration names must exist on this host
 * SYNOPSIS
 *	int preflight(const struct mxg_conf *c, const char *conf_path,
 *		      void (*report)(const char *msg));
 * DESCRIPTION
 *	The checks that conf_load() cannot make from the file alone, run by
 *	mxgated -t and at every start before anything in the kernel or on
 *	disk is touched: every interface exists; countries_dir is a
 *	directory (a missing one would install an empty country set and lift
 *	every country block, so it is an error, never created silently);
 *	pin_dir lies on a bpf filesystem or can get one (its parent is on
 *	bpffs, or is an ordinary directory where mxgated mounts one), else
 *	the message gives the mount command; state_dir, when it exists, is a
 *	directory; no client_access table is a directory; without
 *	responder_hostname, the system's host name is fit for the
 *	responder's replies (responder_hostname_check()). Each problem is
 *	reported as one line through report(), prefixed with conf_path; the
 *	return value is their number.
 */
#ifndef MXG_PREFLIGHT_H
#define MXG_PREFLIGHT_H

#include "config.h"

int preflight(const struct mxg_conf *c, const char *conf_path,
	      void (*report)(const char *msg));

#endif /* MXG_PREFLIGHT_H */
