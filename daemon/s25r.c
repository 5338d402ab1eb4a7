/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s25r.c - S25R rules 1-6 with PCRE2; see s25r.h for the contract. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "s25r.h"

/* The rules as published with S25R (see DOMAIN.md), applied to the
 * forward-confirmed reverse name, case-insensitive. */
static const char *const patterns[S25R_RULES] = {
	"^[^.]*[0-9][^0-9.]+[0-9]",
	"^[^.]*[0-9]{5}",
	"^([^.]+\\.)?[0-9][^.]*\\.[^.]+\\..+\\.[a-z]",
	"^[^.]*[0-9]\\.[^.]*[0-9]-[0-9]",
	"^[^.]*[0-9]\\.[^.]*[0-9]\\.[^.]+\\..+\\.",
	"^(dhcp|dialup|ppp|[achrsvx]?dsl)[^.]*[0-9]",
};

static pcre2_code *rules[S25R_RULES];
static pcre2_match_data *match;	/* one is enough: single-threaded */

/* s25r_init - compile the rules once, with the JIT where it works */
int s25r_init(void)
{
	int err;
	PCRE2_SIZE off;

	for (int i = 0; i < S25R_RULES; i++) {
		rules[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED,
					 PCRE2_CASELESS, &err, &off, NULL);
		if (!rules[i]) {
			PCRE2_UCHAR msg[128];

			pcre2_get_error_message(err, msg, sizeof(msg));
			msg_panic("S25R rule %d: %s at offset %zu", i + 1,
				  (char *)msg, (size_t)off);
		}
		/* Without the JIT the interpreter still gives the same answers. */
		(void)pcre2_jit_compile(rules[i], PCRE2_JIT_COMPLETE);
	}
	match = pcre2_match_data_create(1, NULL);
	return match ? 0 : -1;
}

/* s25r_match - the first rule (1..6) hostname trips, or 0 */
int s25r_match(const char *hostname)
{
	for (int i = 0; i < S25R_RULES; i++)
		if (pcre2_match(rules[i], (PCRE2_SPTR)hostname, strlen(hostname),
				0, 0, match, NULL) >= 0)
			return i + 1;
	return 0;
}

/* s25r_pattern - rule n's regex text, NULL when n is not 1..6 */
const char *s25r_pattern(int rule)
{
	return rule >= 1 && rule <= S25R_RULES ? patterns[rule - 1] : NULL;
}

/* s25r_free - release the compiled rules */
void s25r_free(void)
{
	for (int i = 0; i < S25R_RULES; i++) {
		pcre2_code_free(rules[i]);
		rules[i] = NULL;
	}
	pcre2_match_data_free(match);
	match = NULL;
}
