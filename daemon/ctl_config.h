/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_config - mxgatectl config: the configuration in force
 * SYNOPSIS
 *	int ctl_config(const struct mxg_conf *conf, char *const *names,
 *		       int changed_only, int json);
 * DESCRIPTION
 *	Prints conf (what mxgated reads: the caller loads the file, or
 *	takes the defaults for -d) to standard output through conf_show.h:
 *	the keys named in names (a NULL-terminated list; none: every key),
 *	each once, in the order given; with changed_only (-n) only those
 *	whose value differs from the built-in default; as "key = value"
 *	lines, or one JSON object with json. A name that is not a key is
 *	an error, reported as one "mxgatectl: " line naming it before
 *	anything is printed. Returns 0, or 2 (an unknown key, standard
 *	output not written).
 */
#ifndef MXG_CTL_CONFIG_H
#define MXG_CTL_CONFIG_H

#include "config.h"

int ctl_config(const struct mxg_conf *conf, char *const *names, int changed_only,
	       int json);

#endif /* MXG_CTL_CONFIG_H */
