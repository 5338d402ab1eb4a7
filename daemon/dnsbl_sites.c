/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsbl_sites.c - postscreen-style DNSBL site specs; see dnsbl_sites.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "dnsbl_sites.h"

/* set_bits - mark lo..hi in a 256-bit set */
static void set_bits(__u8 set[32], unsigned lo, unsigned hi)
{
	for (unsigned v = lo; v <= hi; v++)
		set[v / 8] |= (__u8)(1u << (v % 8));
}

/* parse_byte - a decimal 0..255 at *p; advances *p */
static int parse_byte(const char **p, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v > 255)
		return -1;
	*out = (unsigned)v;
	*p = end;
	return 0;
}

/* parse_octet - "7", "[2..11]" or "[2;4;6]" into set; advances *p */
static int parse_octet(const char **p, __u8 set[32])
{
	unsigned lo, hi;

	if (**p != '[') {
		if (parse_byte(p, &lo) < 0)
			return -1;
		set_bits(set, lo, lo);
		return 0;
	}
	(*p)++;
	for (;;) {
		if (parse_byte(p, &lo) < 0)
			return -1;
		hi = lo;
		if (!strncmp(*p, "..", 2)) {
			*p += 2;
			if (parse_byte(p, &hi) < 0 || hi < lo)
				return -1;
		}
		set_bits(set, lo, hi);
		if (**p == ']') {
			(*p)++;
			return 0;
		}
		if (**p != ';')
			return -1;
		(*p)++;
	}
}

/* parse_filter - four octets separated by dots */
static int parse_filter(const char *text, struct dnsbl_site *s)
{
	const char *p = text;

	for (int i = 0; i < 4; i++) {
		if (i && *p++ != '.')
			return -1;
		if (parse_octet(&p, s->filter[i]) < 0)
			return -1;
	}
	s->has_filter = 1;
	return *p ? -1 : 0;
}

/* zone_check - a zone as DNS takes it: labels of 1..63 letters, digits,
 * '-' or '_', and short enough that the longest query name, IPv6's 32
 * nibble labels before it, fits in 253 bytes (c-ares refuses a longer
 * one, and the list would silently never score IPv6 clients). A
 * trailing dot (the absolute form) is dropped, in place. */
static int zone_check(char *zone, char *why, size_t len)
{
	size_t n = strlen(zone), label = 0;

	if (n > 1 && zone[n - 1] == '.' && zone[n - 2] != '.')
		zone[--n] = 0;
	if (n == 0) {
		snprintf(why, len, "empty DNS zone");
		return -1;
	}
	if (strspn(zone, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789.-_") != n) {
		snprintf(why, len, "\"%s\" is not a DNS zone (letters, digits, "
			 "'-', '_' and dots)", zone);
		return -1;
	}
	for (const char *p = zone;; p++) {
		if (*p && *p != '.') {
			label++;
			continue;
		}
		if (label == 0) {
			snprintf(why, len, "\"%s\" is not a DNS zone: empty label",
				 zone);
			return -1;
		}
		if (label > DNSBL_LABEL_MAX) {
			snprintf(why, len, "\"%s\" is not a DNS zone: a label "
				 "longer than %d bytes", zone, DNSBL_LABEL_MAX);
			return -1;
		}
		if (!*p)
			break;
		label = 0;
	}
	if (n > DNSBL_ZONE_LEN_MAX) {
		snprintf(why, len, "DNS zone of %zu bytes: at most %d, so that "
			 "an IPv6 query name (32 nibble labels, then the zone) "
			 "fits in %d", n, DNSBL_ZONE_LEN_MAX, DNSBL_QNAME_MAX);
		return -1;
	}
	return 0;
}

/* parse_site - "zone[=filter][*weight]" */
static int parse_site(char *item, struct dnsbl_site *s, char *why, size_t len)
{
	char *star = strrchr(item, '*'), *eq, *end;
	long w = 1;

	memset(s, 0, sizeof(*s));
	if (star) {
		*star = 0;
		errno = 0;
		w = strtol(star + 1, &end, 10);
		if (errno || end == star + 1 || *end || w < -100 || w > 100) {
			snprintf(why, len, "\"%s\": weight must be a number from -100 to 100",
				 star + 1);
			return -1;
		}
	}
	s->weight = (int)w;
	eq = strchr(item, '=');
	if (eq) {
		*eq = 0;
		if (parse_filter(eq + 1, s) < 0) {
			snprintf(why, len, "\"%s\": filter must look like "
				 "127.0.0.[2..11] or 127.0.[0..255].[1;2]", eq + 1);
			return -1;
		}
	}
	if (zone_check(item, why, len) < 0)
		return -1;
	snprintf(s->zone, sizeof(s->zone), "%s", item);
	return 0;
}

/* dnsbl_sites_parse - every site of spec; -1 and why on the first error */
int dnsbl_sites_parse(const char *spec, struct dnsbl_site *sites, int max,
		      char *why, size_t len)
{
	char *copy = strdup(spec), *cur = copy, *item;
	int n = 0;

	if (!copy) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	while ((item = strsep(&cur, ", \t"))) {
		if (!*item)
			continue;
		if (n == max) {
			snprintf(why, len, "more than %d sites", max);
			n = -1;
			break;
		}
		if (parse_site(item, &sites[n], why, len) < 0) {
			n = -1;
			break;
		}
		n++;
	}
	free(copy);
	return n;
}

/* dnsbl_answer_valid - a listing: 127.0.0.0/8 but not 127.255.255.0/24 */
int dnsbl_answer_valid(const __u8 a[4])
{
	return a[0] == 127 && !(a[1] == 255 && a[2] == 255);
}

/* dnsbl_filter_match - does the site's filter accept this answer? */
int dnsbl_filter_match(const struct dnsbl_site *s, const __u8 a[4])
{
	if (!s->has_filter)
		return 1;
	for (int i = 0; i < 4; i++)
		if (!(s->filter[i][a[i] / 8] & (1u << (a[i] % 8))))
			return 0;
	return 1;
}

/* dnsbl_clamp_ttl - an answer's TTL within [min, max] */
unsigned dnsbl_clamp_ttl(int ttl, unsigned min, unsigned max)
{
	unsigned t = ttl < 0 ? 0 : (unsigned)ttl;

	if (t < min)
		t = min;
	return t > max ? max : t;
}
