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
 */
#ifndef MXG_TABLE_H
#define MXG_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

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
