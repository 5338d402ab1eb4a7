/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spf_parse.c - DNS answers into records, SPF records into terms, for
 * the SPF module; see spf_parse.h for the contract.
 *
 * The grammar is RFC 7208's, narrowed to what libspf2 (1.2.10) takes:
 * no '.' in a term's name, no cidr-length of 0. Where a term is one we
 * cannot be sure of (a domain-spec that is no host name), it is refused:
 * a refused term ends a pool walk, which only ever lists less.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "spf_parse.h"

/* get16 - big-endian 16 bits */
static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* get32 - big-endian 32 bits */
static __u32 get32(const unsigned char *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* skip_name - past the (maybe compressed) name at *off; -1 if it runs
 * off the answer */
static int skip_name(const unsigned char *a, int alen, int *off)
{
	while (*off < alen) {
		unsigned len = a[*off];

		if (len == 0) {
			(*off)++;
			return 0;
		}
		if ((len & 0xc0) == 0xc0) {
			if (*off + 2 > alen)
				return -1;
			*off += 2;
			return 0;
		}
		if (len & 0xc0)
			return -1;
		*off += 1 + (int)len;
	}
	return -1;
}

/* keep_max - how many records of a type an entry keeps */
static unsigned keep_max(int type)
{
	if (type == ns_t_txt)
		return SPF_TXT_KEEP;
	if (type == ns_t_mx || type == ns_t_ptr)
		return SPF_NAMES_KEEP;
	return SPF_ADDRS_KEEP;
}

/* spf_like - is this TXT text an SPF record (RFC 7208 4.5: "v=spf1",
 * then a space or the end)? Only those are kept: nothing else of a TXT
 * answer is ever read. */
static int spf_like(const char *t, size_t len)
{
	return len >= 6 && strncasecmp(t, "v=spf1", 6) == 0 &&
	       (len == 6 || t[6] == ' ');
}

/* txt_record - the character-strings of a TXT rdata, joined (RFC 7208
 * 3.3), into *item when they are an SPF record (NULL when not, or out
 * of memory); -1 when a string runs past the rdata. A NUL would cut the
 * record short for libspf2: it becomes 0x7f, a byte no term may hold; a
 * record longer than SPF_TXT_MAX becomes one that is broken. */
static int txt_record(const unsigned char *rd, unsigned rdlen, char **item)
{
	char buf[SPF_TXT_MAX + 1];
	size_t n = 0;
	int toolong = 0;

	*item = NULL;
	for (unsigned o = 0; o < rdlen; ) {
		unsigned len = rd[o++];

		if (len > rdlen - o)
			return -1;
		for (unsigned i = 0; i < len; i++) {
			if (n == SPF_TXT_MAX) {
				toolong = 1;
				break;
			}
			buf[n++] = rd[o + i] ? (char)rd[o + i] : 0x7f;
		}
		o += len;
	}
	if (!spf_like(buf, n))
		return 0;
	buf[n] = 0;
	*item = strdup(toolong ? SPF_BROKEN_RECORD : buf);
	return 0;
}

/* rr_take - one record of the asked type into set; 0, or -1 when its
 * rdata is malformed */
static int rr_take(struct spf_rrset *set, int type, const unsigned char *a, int alen,
		   int off, unsigned rdlen)
{
	char *item = NULL;
	long enclen;

	if (type == ns_t_a || type == ns_t_aaaa) {
		if (rdlen != (type == ns_t_a ? 4u : 16u))
			return -1;
		if ((item = malloc(rdlen)))
			memcpy(item, a + off, rdlen);
	} else if (type == ns_t_txt) {
		if (txt_record(a + off, rdlen, &item) < 0)
			return -1;
	} else {
		char *name;
		int at = type == ns_t_mx ? off + 2 : off;

		if (rdlen < (type == ns_t_mx ? 3u : 1u) ||
		    ares_expand_name(a + at, a, alen, &name, &enclen) != ARES_SUCCESS)
			return -1;
		item = strdup(name);
		ares_free_string(name);
	}
	if (item && set->n < keep_max(type))
		set->rr[set->n++] = item;
	else
		free(item);
	return 0;
}

/* spf_answer_parse - the records of type in a raw answer, into set: 0, or
 * -1 when the answer is malformed. Records of the type are taken from
 * the answer section whatever their owner (a CNAME chain ends in them);
 * an SOA in the authority section says how long "none" lasts (RFC 2308:
 * the smaller of its TTL and its minimum). */
int spf_answer_parse(const unsigned char *a, int alen, int type, struct spf_rrset *set)
{
	unsigned qd, an, ns;
	int off = 12;

	set->neg_ttl = -1;
	if (!a || alen < 12)
		return -1;
	qd = get16(a + 4);
	an = get16(a + 6);
	ns = get16(a + 8);
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(a, alen, &off) < 0 || off + 4 > alen)
			return -1;
		off += 4;
	}
	for (unsigned i = 0; i < an + ns; i++) {
		unsigned rtype, rdlen;
		__u32 ttl;

		if (skip_name(a, alen, &off) < 0 || off + 10 > alen)
			return -1;
		rtype = get16(a + off);
		ttl = get32(a + off + 4);
		rdlen = get16(a + off + 8);
		off += 10;
		if (rdlen > (unsigned)(alen - off))
			return -1;
		if (ttl > 0x7fffffff)		/* RFC 2181 8 */
			ttl = 0;
		if (i < an && (int)rtype == type) {
			if (rr_take(set, type, a, alen, off, rdlen) < 0)
				return -1;
			if (!set->found++ || ttl < set->ttl)
				set->ttl = ttl;
		} else if (i >= an && rtype == ns_t_soa && rdlen >= 4) {
			__u32 min = get32(a + off + rdlen - 4);

			set->neg_ttl = (int)(ttl < min ? ttl : min);
		}
		off += (int)rdlen;
	}
	return 0;
}

/* spf_name_norm - a name libspf2 or a record asks for, as the cache keys it
 * (lower-case, no trailing dot) into out (SPF_DOMAIN_MAX bytes): 0, or
 * -1 when it cannot be a DNS name (empty or long labels, more than 253
 * bytes, a space, a control byte or a backslash). Anything else a macro
 * may put in a name (exists:%{l}...) is a byte DNS carries. */
int spf_name_norm(const char *in, char *out)
{
	size_t n = 0, label = 0;

	if (!in)
		return -1;
	for (const char *p = in; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '.' && (p[1] == 0 && n > 0))
			break;			/* the trailing dot */
		if (ch == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (ch < 0x21 || ch > 0x7e || ch == '\\' || ++label > 63) {
			return -1;
		}
		if (n == 253)
			return -1;
		out[n++] = (char)tolower(ch);
	}
	out[n] = 0;
	return n > 0 ? 0 : -1;
}

/* host_name - a name in a record without a macro: letters, digits, '-'
 * and '_' in dot-separated labels (stricter than what DNS carries: a
 * term we cannot be sure of ends the walk) */
static int host_name(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return 0;
	return 1;
}



static const struct {
	const char *name;
	enum spf_term_kind kind;
	int lookup;			/* counts against LOOKUP_LIMIT */
} mechanisms[] = {
	{ "all", TERM_ALL, 0 }, { "include", TERM_INCLUDE, 1 }, { "a", TERM_A, 1 },
	{ "mx", TERM_MX, 1 }, { "ptr", TERM_PTR, 1 }, { "ip4", TERM_IP4, 0 },
	{ "ip6", TERM_IP6, 0 }, { "exists", TERM_EXISTS, 1 },
};

/* spf_term_looks_up - does the term cost one of the 10 lookups? */
int spf_term_looks_up(const struct spf_term *t)
{
	if (t->kind == TERM_REDIRECT)
		return 1;
	for (size_t i = 0; i < sizeof(mechanisms) / sizeof(mechanisms[0]); i++)
		if (mechanisms[i].kind == t->kind)
			return mechanisms[i].lookup;
	return 0;
}

/* macro_ok - a domain-spec with macros is made of printable bytes and
 * well-formed %-sequences (RFC 7208 7.1); its value is never known here */
static int macro_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
		if (s[i] != '%')
			continue;
		if (++i == len)
			return 0;
		if (s[i] == '{') {
			const char *close = memchr(s + i, '}', len - i);

			if (!close)
				return 0;
			i = (size_t)(close - s);
		} else if (!strchr("%_-", s[i])) {
			return 0;
		}
	}
	return 1;
}

/* domain_spec - the domain-spec s[len] of a term into t: 0, or -1 when
 * it is no domain-spec we can be sure of */
static int domain_spec(const char *s, size_t len, struct spf_term *t)
{
	char raw[SPF_DOMAIN_MAX];

	if (len == 0 || len >= sizeof(raw))
		return -1;
	if (memchr(s, '%', len)) {
		t->macro = 1;
		return macro_ok(s, len) ? 0 : -1;
	}
	memcpy(raw, s, len);
	raw[len] = 0;
	if (spf_name_norm(raw, t->target) < 0 || !host_name(t->target))
		return -1;
	return 0;
}

/* number - the decimal number s[len], 1 to max; -1 if it is not (a
 * cidr-length of 0 is RFC 7208's, but libspf2 refuses the record) */
static int number(const char *s, size_t len, unsigned max)
{
	unsigned v = 0;

	if (len == 0 || len > 3)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v >= 1 && v <= max ? (int)v : -1;
}

/* dual_cidr - a and mx: "", "/N", "//M" or "/N//M" into t */
static int dual_cidr(const char *s, size_t len, struct spf_term *t)
{
	const char *v6 = NULL;
	int n;

	if (len == 0)
		return 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '/' && s[i + 1] == '/')
			v6 = s + i;
	if (v6) {
		if ((n = number(v6 + 2, len - (size_t)(v6 - s) - 2, 128)) < 0)
			return -1;
		t->cidr6 = (unsigned)n;
		len = (size_t)(v6 - s);
		if (len == 0)
			return 0;
	}
	if (s[0] != '/' || (n = number(s + 1, len - 1, 32)) < 0)
		return -1;
	t->cidr4 = (unsigned)n;
	return 0;
}

/* spec_end - where a domain-spec ends and a cidr-length begins: the
 * first '/' not inside a %{...} macro */
static size_t spec_end(const char *s, size_t len)
{
	int in_macro = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '{' && i && s[i - 1] == '%')
			in_macro = 1;
		else if (s[i] == '}')
			in_macro = 0;
		else if (s[i] == '/' && !in_macro)
			return i;
	}
	return len;
}

/* ip_network - ip4 or ip6's value into t->net; -1 if it is not one */
static int ip_network(const char *s, size_t len, int v4, struct spf_term *t)
{
	char buf[INET6_ADDRSTRLEN + 8];

	if (len == 0 || len >= sizeof(buf) || (memchr(s, ':', len) != NULL) == v4)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	/* A /0 is RFC 7208's, but libspf2 refuses the record. */
	if (addr_parse(buf, &t->net) < 0 || t->net.plen == (v4 ? 96 : 0))
		return -1;
	return 0;
}

/* mechanism_args - what follows a mechanism's name, per its kind */
static int mechanism_args(const char *s, size_t len, struct spf_term *t)
{
	size_t end;

	switch (t->kind) {
	case TERM_ALL:
		return len == 0 ? 0 : -1;
	case TERM_IP4:
	case TERM_IP6:
		if (len == 0 || s[0] != ':')
			return -1;
		return ip_network(s + 1, len - 1, t->kind == TERM_IP4, t);
	case TERM_INCLUDE:
	case TERM_EXISTS:
		if (len == 0 || s[0] != ':')
			return -1;
		return domain_spec(s + 1, len - 1, t);
	case TERM_PTR:
		if (len == 0)
			return 0;
		return s[0] == ':' ? domain_spec(s + 1, len - 1, t) : -1;
	default:			/* a, mx */
		if (len && s[0] == ':') {
			end = 1 + spec_end(s + 1, len - 1);
			if (domain_spec(s + 1, end - 1, t) < 0)
				return -1;
			s += end;
			len -= end;
		}
		return dual_cidr(s, len, t);
	}
}

/* spf_term_parse - the term s[len] into t: 0, or -1 when RFC 7208's grammar
 * has no such term (libspf2 then refuses the whole record) */
int spf_term_parse(const char *s, size_t len, struct spf_term *t)
{
	int qualified = 0;
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	t->qual = '+';
	t->cidr4 = 32;
	t->cidr6 = 128;
	if (len && strchr("+-~?", s[0])) {
		t->qual = s[0];
		qualified = 1;
		s++, len--;
	}
	if (len == 0 || !isalpha((unsigned char)s[0]))
		return -1;
	/* libspf2 takes no '.' in a name (RFC 7208 does). */
	while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_'))
		n++;
	if (n < len && s[n] == '=') {		/* a modifier */
		if (qualified)
			return -1;
		if (n == 8 && strncasecmp(s, "redirect", 8) == 0) {
			t->kind = TERM_REDIRECT;
			return domain_spec(s + 9, len - 9, t);
		}
		t->kind = n == 3 && strncasecmp(s, "exp", 3) == 0 ? TERM_EXP : TERM_MODIFIER;
		return macro_ok(s + n + 1, len - n - 1) ? 0 : -1;
	}
	for (size_t i = 0; i < sizeof(mechanisms) / sizeof(mechanisms[0]); i++) {
		if (strlen(mechanisms[i].name) == n &&
		    strncasecmp(s, mechanisms[i].name, n) == 0) {
			t->kind = mechanisms[i].kind;
			return mechanism_args(s + n, len - n, t);
		}
	}
	return -1;
}

/* spf_next_term - the next space-separated term of *p: its start, and its
 * length in *len; NULL at the end */
const char *spf_next_term(const char **p, size_t *len)
{
	const char *start = *p;

	while (*start == ' ')
		start++;
	if (!*start)
		return NULL;
	*len = strcspn(start, " ");
	*p = start + *len;
	return start;
}

/* spf_record_terms - where the terms of an SPF record begin (past "v=spf1") */
const char *spf_record_terms(const char *record)
{
	return record + 6;
}

/* spf_record_check - the first pass over a record: every term well formed
 * (else libspf2 refuses the record for everyone), at most one redirect
 * and one exp; whether it has an "all", and where its last mechanism
 * is. -1 when the record is broken. */
int spf_record_check(const char *record, int *has_all, unsigned *last_mechanism)
{
	const char *p = spf_record_terms(record), *s;
	unsigned i = 0, redirects = 0, exps = 0;
	struct spf_term t;
	size_t len;

	*has_all = 0;
	*last_mechanism = 0;
	for (const char *q = record; *q; q++)
		if (*q != ' ' && (*q < 0x21 || *q > 0x7e))
			return -1;
	while ((s = spf_next_term(&p, &len))) {
		if (spf_term_parse(s, len, &t) < 0)
			return -1;
		i++;
		redirects += t.kind == TERM_REDIRECT;
		exps += t.kind == TERM_EXP;
		*has_all |= t.kind == TERM_ALL;
		if (t.kind < TERM_REDIRECT)
			*last_mechanism = i;
	}
	return redirects > 1 || exps > 1 ? -1 : 0;
}
