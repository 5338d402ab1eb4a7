/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dryrun_json - mxgatectl check ADDR -j: the dry run as one object
 * SYNOPSIS
 *	void dryrun_json(struct json *j, const struct policy_env *env,
 *			 const struct mxg_key *client,
 *			 const struct evidence *ev,
 *			 const struct decision *dec, int country_known);
 * DESCRIPTION
 *	Writes the document of check ADDR -j (man/mxgatectl.8 lists its
 *	fields) from what the dry run's classifier found (ev) and decided
 *	(dec), the same evidence the text of each stage is printed from
 *	(signals.h, show): the address table entry that matched, the PTR
 *	name and its forward confirmation, the name table entry, the S25R
 *	rule, the provider_allowlist domain, the DNS list score against
 *	the thresholds, the country (country_known 0: no country map to
 *	ask), and the verdict. Strings from the network and from table
 *	files go through json.h, escaped. j must be a new document.
 */
#ifndef MXG_DRYRUN_JSON_H
#define MXG_DRYRUN_JSON_H

#include "json.h"
#include "policy.h"

void dryrun_json(struct json *j, const struct policy_env *env,
		 const struct mxg_key *client, const struct evidence *ev,
		 const struct decision *dec, int country_known);

#endif /* MXG_DRYRUN_JSON_H */
