/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * share_value.c - entries shared through Redis as text, and the
 * precedence between two versions of one. See share_value.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "manual.h"
#include "share_value.h"

#define NS_PER_MS_U	1000000ULL

/* share_key_format - "v:ADDR" or "m:PREFIX"; its length, or -1 */
int share_key_format(char kind, const struct mxg_key *k, char *buf, size_t len)
{
	char a[ADDR_STRLEN];
	int n;

	addr_format(k, a, sizeof(a));
	n = snprintf(buf, len, "%c:%s", kind, a);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* share_key_parse - a key suffix back into kind and k; 0 or -1 */
int share_key_parse(const char *text, size_t len, char *kind, struct mxg_key *k)
{
	char buf[SHARE_KEY_MAX];

	if (len < 3 || len >= sizeof(buf) || (text[0] != 'v' && text[0] != 'm') ||
	    text[1] != ':' || memchr(text, 0, len))
		return -1;
	memcpy(buf, text + 2, len - 2);
	buf[len - 2] = 0;
	if (addr_parse(buf, k) != 0)
		return -1;
	*kind = text[0];
	return 0;
}

/* share_value_format - e as its value text; its length, or -1 */
int share_value_format(const struct share_entry *e, char *buf, size_t len)
{
	char quoted[MANUAL_QUOTED_MAX];
	int n;

	if (e->kind == 'v') {
		n = snprintf(buf, len, "1 v %u %x %d %llu %llu", e->action, e->reasons,
			     e->score, (unsigned long long)e->decided_ms,
			     (unsigned long long)e->expires_ms);
	} else {
		manual_quote(e->comment, quoted, sizeof(quoted));
		n = snprintf(buf, len, "1 m %u %llu %llu %s", e->action,
			     (unsigned long long)e->decided_ms,
			     (unsigned long long)e->expires_ms, quoted);
	}
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* number - one decimal or hex field of at most 20 digits, then a space
 * or the end; advances *p. 0 or -1. */
static int number(const char **p, const char *end, int base, int sign, __u64 *out)
{
	char digits[24];
	const char *s = *p;
	size_t n = 0;
	int neg = 0;

	if (sign && s < end && *s == '-') {
		neg = 1;
		s++;
	}
	while (s + n < end && s[n] != ' ' && n < 21)
		n++;
	/* a space ends a field only when another field follows */
	if (n == 0 || n > 20 || (s + n < end && (s[n] != ' ' || s + n + 1 == end)))
		return -1;
	memcpy(digits, s, n);
	digits[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (base == 10 ? !(digits[i] >= '0' && digits[i] <= '9') :
		    !((digits[i] >= '0' && digits[i] <= '9') ||
		      (digits[i] >= 'a' && digits[i] <= 'f')))
			return -1;
	errno = 0;
	*out = strtoull(digits, NULL, base);
	if (errno)
		return -1;
	if (neg)
		*out = (__u64)-(__s64)*out;
	*p = s + n < end ? s + n + 1 : s + n;
	return 0;
}

/* share_value_parse - len bytes of a value into e; 0, or -1 with *why */
int share_value_parse(const char *text, size_t len, struct share_entry *e,
		      const char **why)
{
	const char *p = text, *end = text + len;
	__u64 action, reasons = 0, score = 0, decided, expires;
	char buf[SHARE_VALUE_MAX];
	const char *after;

	memset(e, 0, sizeof(*e));
	*why = "not a value of format 1";
	if (len >= SHARE_VALUE_MAX) {
		*why = "too long";
		return -1;
	}
	if (len < 4 || memcmp(p, "1 ", 2) != 0 || (p[2] != 'v' && p[2] != 'm') || p[3] != ' ')
		return -1;
	e->kind = p[2];
	p += 4;
	*why = "a field is not a number";
	if (number(&p, end, 10, 0, &action) < 0)
		return -1;
	if (e->kind == 'v' && (number(&p, end, 16, 0, &reasons) < 0 ||
			       number(&p, end, 10, 1, &score) < 0))
		return -1;
	if (number(&p, end, 10, 0, &decided) < 0 || number(&p, end, 10, 0, &expires) < 0)
		return -1;
	*why = "a field is out of range";
	if (reasons > UINT32_MAX || (__s64)score < INT32_MIN || (__s64)score > INT32_MAX ||
	    decided > UINT64_MAX / NS_PER_MS_U || expires > UINT64_MAX / NS_PER_MS_U)
		return -1;
	if (e->kind == 'v' ? (action == MXG_ACT_NONE || action >= MXG_ACT_MAX || !expires) :
	    (action != 0 && action != MXG_ACT_PASS && action != MXG_ACT_BLOCK))
		return -1;
	e->action = (__u32)action;
	e->reasons = (__u32)reasons;
	e->score = (__s32)(__s64)score;
	e->decided_ms = decided;
	e->expires_ms = expires;
	if (e->kind == 'v') {
		*why = "trailing bytes";
		return p == end ? 0 : -1;
	}
	*why = "the comment is not quoted";
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = 0;
	after = manual_unquote(buf, e->comment, sizeof(e->comment));
	if (!after || *after)
		return -1;
	return 0;
}

/* near - two times within SHARE_SAME_MS of each other */
static int near(__u64 a, __u64 b)
{
	return (a > b ? a - b : b - a) <= SHARE_SAME_MS;
}

/* share_wins - does n replace h (NULL: nothing held)? See share_value.h. */
int share_wins(const struct share_entry *n, const struct share_entry *h, __u64 now_ms)
{
	if (!h || (h->expires_ms && h->expires_ms <= now_ms))
		return 1;
	if (n->kind == 'v' && n->action == MXG_ACT_GREYLIST)
		return h->action == MXG_ACT_GREYLIST && n->decided_ms + SHARE_SAME_MS < h->decided_ms;
	if (n->action == h->action && near(n->decided_ms, h->decided_ms))
		return h->expires_ms &&
		       (!n->expires_ms || n->expires_ms > h->expires_ms + SHARE_SAME_MS);
	if (n->decided_ms != h->decided_ms)
		return n->decided_ms > h->decided_ms;
	/* Forgotten in the ms it was decided: forgetting comes after. */
	return n->kind == 'm' && n->action == 0;
}

/* ms - wall ns to ms */
static __u64 ms(__u64 ns) { return ns / NS_PER_MS_U; }

void share_from_verdict(struct share_entry *e, const struct mxg_verdict *v,
			const struct clock_pair *c)
{
	memset(e, 0, sizeof(*e));
	e->kind = 'v';
	e->action = (__u32)v->action;
	e->reasons = v->reasons;
	e->score = v->dnsbl_score;
	e->decided_ms = ms(clock_to_wall(v->decided_ns, c));
	e->expires_ms = ms(clock_to_wall(v->expires_ns, c));
}

void share_to_verdict(const struct share_entry *e, struct mxg_verdict *v,
		      const struct clock_pair *c)
{
	memset(v, 0, sizeof(*v));
	v->action = (enum mxg_action)e->action;
	v->reasons = e->reasons;
	v->dnsbl_score = e->score;
	v->decided_ns = clock_to_mono(e->decided_ms * NS_PER_MS_U, c);
	v->expires_ns = clock_to_mono(e->expires_ms * NS_PER_MS_U, c);
}

void share_from_manual(struct share_entry *e, const struct mxg_manual *m,
		       const struct clock_pair *c)
{
	memset(e, 0, sizeof(*e));
	e->kind = 'm';
	e->action = m->action;
	e->decided_ms = ms(clock_to_wall(m->decided_ns, c));
	e->expires_ms = m->expires_ns ? ms(clock_to_wall(m->expires_ns, c)) : 0;
	memcpy(e->comment, m->comment, sizeof(e->comment));
	e->comment[sizeof(e->comment) - 1] = 0;
}

void share_to_manual(const struct share_entry *e, unsigned prefixlen,
		     struct mxg_manual *m, const struct clock_pair *c)
{
	memset(m, 0, sizeof(*m));
	m->action = e->action;
	m->decided_ns = clock_to_mono(e->decided_ms * NS_PER_MS_U, c);
	/* An expiry before boot would read as "no end": keep it past. */
	m->expires_ns = e->expires_ms ? clock_to_mono(e->expires_ms * NS_PER_MS_U, c) | 1 : 0;
	m->prefixlen = prefixlen;
	memcpy(m->comment, e->comment, sizeof(m->comment));
}
