/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	table - Postfix-style client access tables (hash, cidr, pcre)
 * SYNOPSIS
 *	int table_set_load(struct table_set *set, const char *specs,
 *			   void (*report)(const char *msg));
 *	const struct table_rule *table_match_addr(const struct table_set *set,
 *			const struct mxg_key *addr, const struct table **in);
 *	const struct table_rule *table_match_name(const struct table_set *set,
 *			const char *hostname, const struct table **in);
 *	void table_set_free(struct table_set *set);
 * DESCRIPTION
 *	specs lists tables as "type:path" (hash, cidr or pcre), separated by
 *	commas or blanks, searched in that order. The files are the ones
 *	Postfix reads for check_client_access, so existing tables carry over:
 *
 *	hash:	"KEY ACTION [text]". KEY is an IPv4 address or a prefix of
 *		whole octets ("202.66.133"), an IPv6 address, a domain
 *		("ac.jp": that name and every name below it; ".ac.jp": only
 *		names below it), or "unknown" (no confirmed reverse name).
 *	cidr:	"NETWORK/LEN ACTION [text]", IPv4 or IPv6.
 *	pcre:	"/regex/flags ACTION [text]" or "!/regex/..." (matches when
 *		the regex does not), on the confirmed reverse name;
 *		case-insensitive unless the flag i toggles it.
 *
 *	ACTION: OK (pass), REJECT and DISCARD (block), DEFER and 4NN codes
 *	(greylist), 5NN codes (block), DUNNO (stop searching: no decision).
 *	Lines are read as Postfix's readlline() reads them: a line whose
 *	first non-blank is '#' is a comment (an indented one does not end
 *	the entry it sits in); an empty or blank line ends an entry; a line
 *	starting with blanks continues the entry before it, or, with none
 *	to continue, starts one (the blanks are skipped). A line longer
 *	than 4,095 bytes, an entry longer than that, or a NUL byte is a bad
 *	line (lines.h): never cut into a shorter entry or a new one.
 *
 *	table_set_load() reports every bad line as "FILE:LINE: reason" and
 *	returns the number of bad lines (an unreadable file counts as one);
 *	on any error set is left empty. table_match_addr() looks at address
 *	keys (hash addresses and prefixes, cidr); table_match_name() at name
 *	keys (hash domains, pcre), with hostname NULL meaning "unknown". Both
 *	return the first matching rule of the first table that has one, and
 *	the table in *in; NULL when nothing matches.
 *
 *	A pcre rule whose match fails with an error (the match or depth
 *	limit below, or no memory) neither matches nor fails to match: the
 *	search stops at that rule and table_match_name() returns the rule's
 *	on_error twin, action REJECT (MXG_ACT_BLOCK), text
 *	TABLE_REGEX_ERROR_TEXT, same line. Why not "no match": for a negated
 *	rule that is a match, and for any rule it lets a later OK (or no
 *	decision, then a clean S25R pass) win over the REJECT the rule might
 *	have given; the name is chosen by whoever owns the client's reverse
 *	zone, so an error must never be worth more to them than a match.
 *	Why not DEFER, Postfix's answer to a failed lookup: a greylisted
 *	client that retries is let in. Each error is logged, at most once a
 *	second, with the table's file:line and the name.
 *
 *	The limits (per rule, per name of at most 255 bytes): a match limit
 *	of TABLE_REGEX_MATCH_LIMIT and a depth limit of
 *	TABLE_REGEX_DEPTH_LIMIT (heap at most TABLE_REGEX_HEAP_LIMIT_KIB KiB).
 *	The S25R rules need under 200 of the match limit on any such name.
 *	Measured worst case for one rule on hostile 255-byte names
 *	(tests/bench/regex_bench.c, make bench): 0.25-0.5 ms with the PCRE2
 *	JIT, 1.4-2.5 ms without it (on a shared 2-core machine), against
 *	14-28 ms (JIT) and over 100 ms (interpreter) at PCRE2's default
 *	limit of 10,000,000.
 */
#ifndef MXG_TABLE_H
#define MXG_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

#define TABLE_REGEX_MATCH_LIMIT		100000
#define TABLE_REGEX_DEPTH_LIMIT		10000
#define TABLE_REGEX_HEAP_LIMIT_KIB	8192
#define TABLE_REGEX_ERROR_TEXT	"regex error (match limit?): refused to be safe"

enum table_type { TABLE_HASH, TABLE_CIDR, TABLE_PCRE };

enum rule_kind {
	RULE_PREFIX,		/* address prefix (hash octets, cidr) */
	RULE_DOMAIN,		/* hash: name and names below it */
	RULE_SUBDOMAIN,		/* hash ".name": only names below it */
	RULE_UNKNOWN,		/* hash "unknown": no confirmed name */
	RULE_REGEX,		/* pcre */
};

struct table_rule {
	enum rule_kind kind;
	struct mxg_key prefix;	/* RULE_PREFIX, host bits clear */
	char *domain;		/* RULE_DOMAIN, RULE_SUBDOMAIN: lower case */
	void *regex;		/* RULE_REGEX: pcre2_code */
	int negate;		/* RULE_REGEX: "!/.../" */
	struct table_rule *on_error; /* RULE_REGEX: the answer to a match error */
	int action;		/* enum mxg_action; MXG_ACT_NONE for DUNNO */
	char *text;		/* the rest of the line, "" if none */
	int line;		/* where it was read */
};

struct table {
	enum table_type type;
	char *path;
	struct table_rule *rules;
	size_t n_rules;
};

struct table_set {
	struct table *tables;
	size_t n_tables;
	void *match_ctx;	/* pcre2_match_context: the limits */
	void *match_data;	/* pcre2_match_data shared by every rule */
};

int table_set_load(struct table_set *set, const char *specs,
		   void (*report)(const char *msg));
const struct table_rule *table_match_addr(const struct table_set *set,
					  const struct mxg_key *addr,
					  const struct table **in);
const struct table_rule *table_match_name(const struct table_set *set,
					  const char *hostname,
					  const struct table **in);
void table_set_free(struct table_set *set);

#endif /* MXG_TABLE_H */
