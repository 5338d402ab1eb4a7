/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dnsbl_sites - DNSBL/DNSWL list specifications, postscreen syntax
 * SYNOPSIS
 *	int dnsbl_sites_parse(const char *spec, struct dnsbl_site *sites,
 *			      int max, char *why, size_t len);
 *	int dnsbl_answer_valid(const __u8 a[4]);
 *	int dnsbl_filter_match(const struct dnsbl_site *s, const __u8 a[4]);
 *	unsigned dnsbl_clamp_ttl(int ttl, unsigned min, unsigned max);
 * DESCRIPTION
 *	spec lists sites separated by commas or blanks, each
 *	"zone[=filter][*weight]" as in Postfix postscreen_dnsbl_sites:
 *	"zen.spamhaus.org=127.0.0.[2..11]*3", "list.dnswl.org=127.0.[0..255].
 *	[1..3]*-2". A filter octet is a number, [a..b], or [a;b;c]; without a
 *	filter any listing counts; the weight defaults to 1. The zone is
 *	checked as DNS would: labels of 1..63 letters, digits, '-' or '_',
 *	at most DNSBL_ZONE_LEN_MAX (189) bytes so that the IPv6 query name
 *	fits in 253; a trailing dot is dropped. Returns the number of sites,
 *	or -1 with the reason in why (the config loader reports it with
 *	FILE:LINE).
 *
 *	dnsbl_answer_valid() says whether an A answer is a listing at all:
 *	inside 127.0.0.0/8 and not 127.255.255.0/24 (the lists' error codes,
 *	e.g. for queries through public resolvers). dnsbl_filter_match()
 *	applies a site's filter to a valid answer. dnsbl_clamp_ttl() is
 *	how long an answer is cached: its TTL within [min, max] (a
 *	negative or missing TTL counts as 0).
 */
#ifndef MXG_DNSBL_SITES_H
#define MXG_DNSBL_SITES_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

#define DNSBL_MAX_SITES	16
#define DNSBL_QNAME_MAX	253		/* a DNS name, in text, no final dot */
#define DNSBL_LABEL_MAX	63
/* The IPv6 query name is 32 nibble labels ("x.", 64 bytes), then the zone. */
#define DNSBL_ZONE_LEN_MAX (DNSBL_QNAME_MAX - 64)
#define DNSBL_ZONE_MAX	192		/* zone buffer: 189 bytes and a NUL */

_Static_assert(DNSBL_ZONE_LEN_MAX < DNSBL_ZONE_MAX, "a zone fits its buffer");

struct dnsbl_site {
	char zone[DNSBL_ZONE_MAX];	/* e.g. zen.spamhaus.org */
	int has_filter;			/* else any valid answer counts */
	__u8 filter[4][32];		/* per answer octet, a 256-bit set */
	int weight;			/* added once when the site lists */
};

int dnsbl_sites_parse(const char *spec, struct dnsbl_site *sites, int max,
		      char *why, size_t len);
int dnsbl_answer_valid(const __u8 a[4]);
int dnsbl_filter_match(const struct dnsbl_site *s, const __u8 a[4]);
unsigned dnsbl_clamp_ttl(int ttl, unsigned min, unsigned max);

#endif /* MXG_DNSBL_SITES_H */
