/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dryrun - the whole classifier for one address, nothing written
 * SYNOPSIS
 *	int dryrun(const struct mxg_conf *conf, const struct table_set *tables,
 *		   const struct providers *providers,
 *		   const struct mxg_key *client, struct json *j);
 * DESCRIPTION
 *	For mxgatectl check ADDR: asks the country set in force (the pinned
 *	map, when there is one), the access tables, DNS (PTR, forward
 *	confirmation), the provider allowlist and the DNS lists, exactly
 *	as mxgated would, and prints each stage's answer and the verdict
 *	the policy reaches; with j (a new document) all of it as one JSON
 *	object instead (dryrun_json.h). No map is written. Returns 0 when
 *	the client would pass, 1 when it would not, 2 when the resolver
 *	cannot be set up.
 */
#ifndef MXG_DRYRUN_H
#define MXG_DRYRUN_H

#include "config.h"
#include "json.h"
#include "providers.h"
#include "table.h"

int dryrun(const struct mxg_conf *conf, const struct table_set *tables,
	   const struct providers *providers, const struct mxg_key *client,
	   struct json *j);

#endif /* MXG_DRYRUN_H */
