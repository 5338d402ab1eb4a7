/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	spf_parse - what the SPF module reads: DNS answers into records,
 *	SPF records into terms
 * SYNOPSIS
 *	int spf_answer_parse(const unsigned char *abuf, int alen, int type,
 *			     struct spf_rrset *set);
 *	int spf_name_norm(const char *in, char *out);
 *	const char *spf_record_terms(const char *record);
 *	const char *spf_next_term(const char **p, size_t *len);
 *	int spf_term_parse(const char *s, size_t len, struct spf_term *t);
 *	int spf_term_looks_up(const struct spf_term *t);
 *	int spf_record_check(const char *record, int *has_all,
 *			     unsigned *last_mechanism);
 * DESCRIPTION
 *	The SPF module (spf.h) keeps DNS answers in its cache as records,
 *	and reads SPF records itself to ask ahead and to walk a pool. These
 *	are the readers, without state: every byte they are given may be
 *	hostile.
 *
 *	spf_answer_parse() takes the records of type (ns_t_*: A, AAAA, MX,
 *	PTR, TXT) from the answer section of a raw answer, whatever their
 *	owner (a CNAME chain ends in them), into set: 4 or 16 address
 *	bytes, an MX or PTR name, or the text of a TXT record (its strings
 *	joined, RFC 7208 3.3). Of a TXT answer only the SPF records
 *	("v=spf1", then a space or the end) are kept: a NUL in one becomes
 *	0x7f, a byte no term may hold, and one longer than SPF_TXT_MAX is
 *	kept as SPF_BROKEN_RECORD, which no one can read. At most
 *	SPF_ADDRS_KEEP addresses, SPF_NAMES_KEEP names (one more than
 *	check_host() may use) and SPF_TXT_KEEP SPF records are kept (and
 *	malloc'ed: the caller frees set->rr[0..n-1]). found counts the
 *	records of the type, kept or not, and ttl is their smallest TTL;
 *	neg_ttl is how long an SOA of the authority section says "none"
 *	lasts (RFC 2308), -1 without one. 0, or -1 when the answer does
 *	not parse (what was kept so far is in set, to free).
 *
 *	spf_name_norm() writes a name as the cache keys it (lower-case, no
 *	trailing dot) into out (SPF_DOMAIN_MAX bytes): 0, or -1 when it
 *	cannot be a DNS name (empty or longer than 63-byte labels, more than
 *	253 bytes, a byte outside 0x21-0x7e, a backslash).
 *
 *	spf_record_terms() is where the terms of an SPF record begin;
 *	spf_next_term() the next space-separated term from *p (advanced
 *	past it), its length in *len, or NULL at the end.
 *
 *	spf_term_parse() reads one term into t: 0, or -1 when RFC 7208's
 *	grammar, or libspf2's stricter one, has no such term (libspf2 then
 *	refuses the whole record). Stricter still where it cannot be sure:
 *	a domain-spec without a macro must be a host name (letters, digits,
 *	'-', '_'), and every %-sequence well formed. spf_term_looks_up()
 *	says whether the term is one of RFC 7208's 10 lookups.
 *
 *	spf_record_check() is a first pass over a whole record: every term
 *	well formed, no byte outside printable ASCII, at most one redirect
 *	and one exp; *has_all when it has an "all", *last_mechanism the
 *	index (from 1) of its last mechanism. -1 when the record is broken.
 */
#ifndef MXG_SPF_PARSE_H
#define MXG_SPF_PARSE_H

#include <stddef.h>
#include "mxgate.h"
#include "spf.h"

#define SPF_ADDRS_KEEP	64	/* A or AAAA records kept of one answer */
#define SPF_NAMES_KEEP	11	/* MX or PTR names kept of one answer */
#define SPF_TXT_KEEP	4	/* SPF records kept of one name: two are an
				 * error already */
#define SPF_TXT_MAX	4096	/* bytes of one SPF record, at most */
#define SPF_BROKEN_RECORD "v=spf1 \x7f" /* what stands for a longer one */

/* What an answer holds for the cache. */
struct spf_rrset {
	unsigned n;			/* records kept */
	char *rr[SPF_ADDRS_KEEP];	/* addresses, names or texts */
	int found;			/* records of the type, kept or not */
	unsigned ttl;			/* smallest TTL of those, seconds */
	int neg_ttl;			/* from an SOA: how long "none" lasts,
					 * -1 when the answer had none */
};

/* Mechanisms first (libspf2 counts redirect= among them), then the
 * other modifiers: callers compare kinds by this order. */
enum spf_term_kind {
	TERM_ALL, TERM_INCLUDE, TERM_A, TERM_MX, TERM_PTR, TERM_IP4, TERM_IP6,
	TERM_EXISTS, TERM_REDIRECT, TERM_EXP, TERM_MODIFIER,
};

/* One term of a record, read. */
struct spf_term {
	char qual;			/* '+', '-', '~' or '?' */
	enum spf_term_kind kind;
	int macro;			/* its domain-spec holds a '%' */
	char target[SPF_DOMAIN_MAX];	/* that domain-spec, normalised; ""
					 * for none (or one with a macro) */
	unsigned cidr4, cidr6;		/* a, mx: prefix lengths */
	struct mxg_key net;		/* ip4, ip6: the network */
};

int spf_answer_parse(const unsigned char *abuf, int alen, int type,
		     struct spf_rrset *set);
int spf_name_norm(const char *in, char *out);
const char *spf_record_terms(const char *record);
const char *spf_next_term(const char **p, size_t *len);
int spf_term_parse(const char *s, size_t len, struct spf_term *t);
int spf_term_looks_up(const struct spf_term *t);
int spf_record_check(const char *record, int *has_all, unsigned *last_mechanism);

#endif /* MXG_SPF_PARSE_H */
