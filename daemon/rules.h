/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	rules - run the nftables loader (nftables/mxgate-rules)
 * SYNOPSIS
 *	int rules_run(const struct mxg_conf *c, const char *verb);
 *	int rules_status(const struct mxg_conf *c, char *out, size_t len);
 * DESCRIPTION
 *	Runs "rules_cmd VERB --interfaces I,... --trusted N,... --queue N
 *	--ports P,... --mark-mask M --mark-pass P --mark-responder T
 *	--responder-port R --conn-limit L --firewall-accept yes|no" (VERB
 *	is load or unload; --trusted none for an empty trusted_networks),
 *	logs each line it prints with msg_info (so the log says whether the
 *	native nftables rule or the iptables-nft fallback was used), or
 *	with msg_warn when it is one of the loader's warnings ("PROG:
 *	warning: ...", e.g. a firewall chain that drops the clients
 *	redirected to the responder), and returns its exit status, or -1 if
 *	it could not be run. An empty rules_cmd means
 *	the admin manages the rules; rules_run() then does nothing.
 *
 *	rules_status() runs "rules_cmd status" with the same options and
 *	keeps what it prints in out (truncated to len) instead of logging
 *	it; it returns 0 when the rules are loaded, 3 when they are not, -1
 *	when the loader cannot be run (0 and "" without rules_cmd). The
 *	daemon compares the output with the one right after its own load to
 *	notice rules that were removed or changed by someone else.
 */
#ifndef MXG_RULES_H
#define MXG_RULES_H

#include "config.h"

int rules_run(const struct mxg_conf *c, const char *verb);
int rules_status(const struct mxg_conf *c, char *out, size_t len);

#endif /* MXG_RULES_H */
