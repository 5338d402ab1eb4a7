/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dns_answer.h - build raw DNS answers (what c-ares hands its callbacks)
 * for the tests of the parse step after c-ares (resolve_parse_*()) and
 * of the SPF module (A, AAAA, PTR, MX and TXT records).
 *
 *   size_t n = dns_answer(buf, "1.2.0.192.in-addr.arpa", DNS_T_PTR,
 *			   (const struct dns_rr[]){ { ... } }, 1);
 *
 * One question, then the answer records, each owned by the question name
 * (a compression pointer to offset 12). No bounds checks: the callers'
 * buffers are sized for what they build.
 */
#ifndef MXG_TEST_DNS_ANSWER_H
#define MXG_TEST_DNS_ANSWER_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#define DNS_T_A		1
#define DNS_T_PTR	12
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28

struct dns_rr {
	unsigned type;		/* DNS_T_* */
	unsigned ttl;
	const char *name;	/* PTR: the target name; MX: the exchange;
				 * TXT: the text (split in strings of 255) */
	const __u8 *addr;	/* A: 4 bytes, AAAA: 16 */
};

#define DNS_MX_PREF	10	/* every MX record's preference */

/* dns_put16 - big-endian 16-bit store */
static inline size_t dns_put16(__u8 *p, unsigned v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
	return 2;
}

/* dns_put_name - "a.b.c" as length-prefixed labels and a root byte */
static inline size_t dns_put_name(__u8 *p, const char *name)
{
	size_t o = 0;

	while (*name) {
		size_t n = strcspn(name, ".");

		p[o++] = (__u8)n;
		memcpy(p + o, name, n);
		o += n;
		name += n;
		if (*name == '.')
			name++;
	}
	p[o++] = 0;
	return o;
}

/* dns_put_text - text as TXT character-strings of at most 255 bytes */
static inline size_t dns_put_text(__u8 *p, const char *text)
{
	size_t o = 0, len = strlen(text);

	do {
		size_t n = len > 255 ? 255 : len;

		p[o++] = (__u8)n;
		memcpy(p + o, text, n);
		o += n;
		text += n;
		len -= n;
	} while (len);
	return o;
}

/* dns_answer - a response to (qname, qtype) holding n records; its size */
static inline size_t dns_answer(__u8 *buf, const char *qname, unsigned qtype,
				const struct dns_rr *rr, unsigned n)
{
	size_t o = 0;

	o += dns_put16(buf + o, 0x1234);	/* id */
	o += dns_put16(buf + o, 0x8180);	/* response, RD, RA, NOERROR */
	o += dns_put16(buf + o, 1);		/* questions */
	o += dns_put16(buf + o, n);		/* answers */
	o += dns_put16(buf + o, 0);
	o += dns_put16(buf + o, 0);
	o += dns_put_name(buf + o, qname);
	o += dns_put16(buf + o, qtype);
	o += dns_put16(buf + o, 1);		/* IN */
	for (unsigned i = 0; i < n; i++) {
		size_t rdlen_at;

		o += dns_put16(buf + o, 0xc00c);	/* the question's name */
		o += dns_put16(buf + o, rr[i].type);
		o += dns_put16(buf + o, 1);
		o += dns_put16(buf + o, rr[i].ttl >> 16);
		o += dns_put16(buf + o, rr[i].ttl & 0xffff);
		rdlen_at = o;
		o += 2;
		if (rr[i].type == DNS_T_PTR) {
			o += dns_put_name(buf + o, rr[i].name);
		} else if (rr[i].type == DNS_T_MX) {
			o += dns_put16(buf + o, DNS_MX_PREF);
			o += dns_put_name(buf + o, rr[i].name);
		} else if (rr[i].type == DNS_T_TXT) {
			o += dns_put_text(buf + o, rr[i].name);
		} else {
			size_t len = rr[i].type == DNS_T_A ? 4 : 16;

			memcpy(buf + o, rr[i].addr, len);
			o += len;
		}
		dns_put16(buf + rdlen_at, (unsigned)(o - rdlen_at - 2));
	}
	return o;
}

#endif /* MXG_TEST_DNS_ANSWER_H */
