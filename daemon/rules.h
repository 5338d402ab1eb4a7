/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	rules - run the nftables loader (nftables/mxgate-rules)
 * SYNOPSIS
 *	int rules_run(const struct mxg_conf *c, const char *verb);
 * DESCRIPTION
 *	Runs "rules_cmd VERB --queue N --ports P,... --mark-mask M
 *	--mark-pass P --mark-responder T --responder-port R --conn-limit L"
 *	(VERB is load or unload), logs each
 *	line it prints with msg_info (so the log says whether the native
 *	nftables rule or the iptables-nft fallback was used), and returns its
 *	exit status, or -1 if it could not be run. An empty rules_cmd means
 *	the admin manages the rules; rules_run() then does nothing.
 */
#ifndef MXG_RULES_H
#define MXG_RULES_H

#include "config.h"

int rules_run(const struct mxg_conf *c, const char *verb);

#endif /* MXG_RULES_H */
