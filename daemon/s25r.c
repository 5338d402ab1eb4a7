/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	s25r - Selective SMTP Rejection rules on a reverse name
 * DESCRIPTION
 *	Implements s25r.h (the contract is there): the rules are compiled
 *	once by s25r_init(), with the PCRE2 JIT where it works, and one
 *	match block is reused for every name (the daemon is single-threaded).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "s25r.h"

/* The rules as published with S25R (see DOMAIN.md), then the
 * supplemental patterns of dynamic pools the seeds add, applied to the
 * forward-confirmed reverse name, case-insensitive. */
static const struct {
	const char *name;
	const char *pattern;
} rule_defs[S25R_ALL] = {
	{ "s25r1", "^[^.]*[0-9][^0-9.]+[0-9]" },
	{ "s25r2", "^[^.]*[0-9]{5}" },
	{ "s25r3", "^([^.]+\\.)?[0-9][^.]*\\.[^.]+\\..+\\.[a-z]" },
	{ "s25r4", "^[^.]*[0-9]\\.[^.]*[0-9]-[0-9]" },
	{ "s25r5", "^[^.]*[0-9]\\.[^.]*[0-9]\\.[^.]+\\..+\\." },
	{ "s25r6", "^(dhcp|dialup|ppp|[achrsvx]?dsl)[^.]*[0-9]" },
	{ "tpnet", "\\.(internetdsl|adsl|sdi)\\.tpnet\\.pl$" },
	{ "mindspring", "^user.+\\.mindspring\\.com$" },
	{ "virtua", "^[0-9a-f]{8}\\.(.+\\.)?virtua\\.com\\.br$" },
	{ "broadband_hu", "\\.catv\\.broadband\\.hu$" },
	{ "pppool", "[0-9a-f]{4}\\.[a-z]+\\.pppool\\.de$" },
	{ "t_ipconnect", "\\.dip[0-9]+\\.t-ipconnect\\.de$" },
	{ "t_dialin", "\\.dip\\.t-dialin\\.net$" },
	{ "optonline", "\\.dyn\\.optonline\\.net$" },
	{ "wanadoo_nl", "\\.(adsl|cable)\\.wanadoo\\.nl$" },
	{ "aol", "\\.ipt\\.aol\\.com$" },
};

static pcre2_code *rules[S25R_ALL];
static pcre2_match_data *match;	/* one is enough: single-threaded */

/* s25r_init - compile the rules once, with the JIT where it works */
int s25r_init(void)
{
	PCRE2_UCHAR msg[128];
	PCRE2_SIZE off;
	int err;

	s25r_free();		/* a second init must not leak the first */
	for (int i = 0; i < S25R_ALL; i++) {
		rules[i] = pcre2_compile((PCRE2_SPTR)rule_defs[i].pattern,
					 PCRE2_ZERO_TERMINATED,
					 PCRE2_CASELESS, &err, &off, NULL);
		if (!rules[i]) {
			pcre2_get_error_message(err, msg, sizeof(msg));
			msg_warn("S25R rule %s: %s at offset %zu",
				 rule_defs[i].name, (char *)msg, (size_t)off);
			goto bad;
		}
		/* Without the JIT (no support, no executable memory) the
		 * interpreter gives the same answers, only slower. */
		(void)pcre2_jit_compile(rules[i], PCRE2_JIT_COMPLETE);
	}
	/* Only "did it match" is asked: one ovector pair is enough. */
	match = pcre2_match_data_create(1, NULL);
	if (!match) {
		msg_warn("S25R rules: out of memory");
		goto bad;
	}
	return 0;
bad:
	s25r_free();
	return -1;
}

/* s25r_match - the first rule (1..S25R_ALL) hostname trips, or 0 */
int s25r_match(const char *hostname)
{
	if (!match)
		msg_panic("s25r_match: called before s25r_init");
	for (int i = 0; i < S25R_ALL; i++) {
		int rc = pcre2_match(rules[i], (PCRE2_SPTR)hostname,
				     strlen(hostname), 0, 0, match, NULL);

		/* An error is a hit, never "clean": these patterns are linear
		 * (a few hundred steps on any 255-byte name, far from PCRE2's
		 * limits), so only a lack of memory could cause one, and the
		 * name must not pass because of it. */
		if (rc != PCRE2_ERROR_NOMATCH)
			return i + 1;
	}
	return 0;
}

/* s25r_name - "s25r0".."s25r6" or a supplemental pattern's name */
const char *s25r_name(int rule)
{
	if (rule == 0)
		return "s25r0";
	return rule >= 1 && rule <= S25R_ALL ? rule_defs[rule - 1].name : "?";
}

/* s25r_pattern - rule n's regex text, NULL when there is none */
const char *s25r_pattern(int rule)
{
	return rule >= 1 && rule <= S25R_ALL ? rule_defs[rule - 1].pattern : NULL;
}

/* s25r_free - release the compiled rules */
void s25r_free(void)
{
	for (int i = 0; i < S25R_ALL; i++) {
		pcre2_code_free(rules[i]);
		rules[i] = NULL;
	}
	pcre2_match_data_free(match);
	match = NULL;
}
