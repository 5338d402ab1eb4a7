/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	s25r - Selective SMTP Rejection rules 1-6 on a reverse name
 * SYNOPSIS
 *	int s25r_init(void);
 *	int s25r_match(const char *hostname);
 *	const char *s25r_pattern(int rule);
 *	void s25r_free(void);
 * DESCRIPTION
 *	s25r_init() compiles the six rules of DOMAIN.md with PCRE2 (JIT where
 *	available), case-insensitive; returns 0 or -1. s25r_match() returns
 *	the number (1..6) of the first rule that matches hostname, or 0 when
 *	none does. Rule 0 (no PTR, or FCrDNS failure) is decided by the
 *	resolver, not here. s25r_pattern() returns rule n's regex text.
 */
#ifndef MXG_S25R_H
#define MXG_S25R_H

#define S25R_RULES 6

int s25r_init(void);
int s25r_match(const char *hostname);
const char *s25r_pattern(int rule);
void s25r_free(void);

#endif /* MXG_S25R_H */
