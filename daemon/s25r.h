/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	s25r - Selective SMTP Rejection rules on a reverse name
 * SYNOPSIS
 *	int s25r_init(void);
 *	int s25r_match(const char *hostname);
 *	const char *s25r_name(int rule);
 *	const char *s25r_pattern(int rule);
 *	void s25r_free(void);
 * DESCRIPTION
 *	s25r_init() compiles the six S25R rules of DOMAIN.md and, after
 *	them, the supplemental patterns of known dynamic pools (rules 7 and
 *	up, S25R_ALL in all) with PCRE2 (JIT where available),
 *	case-insensitive; returns 0 or -1. s25r_match() returns the number
 *	of the first rule that matches hostname (a PCRE2 error counts as a
 *	match: never "clean" because of an error), or 0 when none does. Rule 0
 *	(no PTR, or FCrDNS failure) is decided by the resolver, not here.
 *	s25r_name() is a rule's name ("s25r0".."s25r6", "tpnet", ...);
 *	s25r_pattern() its regex text (NULL for rule 0 or out of range).
 */
#ifndef MXG_S25R_H
#define MXG_S25R_H

#include "mxgate.h"

#define S25R_RULES 6	/* the S25R rules proper */
#define S25R_ALL 16	/* with the supplemental patterns */
/* rule_hits counts decisions by rule number, 0 (no name) to S25R_ALL,
 * in a pinned map whose size must not change with the rules. */
_Static_assert(S25R_ALL < MXG_RULE_SLOTS,
	       "S25R rule numbers beyond the rule_hits map (MXG_RULE_SLOTS)");

int s25r_init(void);
int s25r_match(const char *hostname);
const char *s25r_name(int rule);
const char *s25r_pattern(int rule);
void s25r_free(void);

#endif /* MXG_S25R_H */
