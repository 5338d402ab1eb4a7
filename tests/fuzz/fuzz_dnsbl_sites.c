/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_dnsbl_sites.c - DNSBL site syntax (postscreen_dnsbl_sites):
 * dnsbl_sites_parse() on the input as a string.
 *
 * Properties: a spec that is refused says why; every site of one that
 * is accepted satisfies the syntax (a DNS zone: labels of 1..63 letters,
 * digits, '-', '_'; at most 189 bytes, so its IPv6 query name fits in
 * 253; a weight of -100..100) and round-trips: written back in the
 * postscreen syntax (the filter as [a;b;...] lists) it parses to the
 * same sites.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "dnsbl_sites.h"
#include "fuzz.h"

/* check_zone - the zone is one DNS would take */
static void check_zone(const char *zone)
{
	size_t n = strlen(zone), label = 0;

	FUZZ_CHECK(n >= 1 && n <= DNSBL_ZONE_LEN_MAX, "zone of %zu bytes", n);
	for (size_t i = 0; i <= n; i++) {
		char c = zone[i];

		if (c == '.' || c == 0) {
			FUZZ_CHECK(label >= 1 && label <= 63, "zone \"%s\": label of "
				   "%zu bytes", zone, label);
			label = 0;
			continue;
		}
		FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_',
			   "zone \"%s\": byte 0x%02x", zone, (unsigned char)c);
		label++;
	}
}

/* put - append to a growing string; aborts when out of memory */
static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		FUZZ_CHECK(n >= 0, "vsnprintf");
		if ((size_t)n < *cap - *len)
			break;
		*cap = *cap * 2 + (size_t)n;
		*buf = realloc(*buf, *cap);
		FUZZ_CHECK(*buf != NULL, "out of memory");
	}
	*len += (size_t)n;
}

/* write_octet - one filter octet as [a;b..c;...] */
static void write_octet(char **buf, size_t *len, size_t *cap, const __u8 set[32])
{
	int first = 1;

	put(buf, len, cap, "[");
	for (unsigned v = 0; v < 256; v++) {
		unsigned hi = v;

		if (!(set[v / 8] & (1u << (v % 8))))
			continue;
		while (hi < 255 && (set[(hi + 1) / 8] & (1u << ((hi + 1) % 8))))
			hi++;
		put(buf, len, cap, "%s%u", first ? "" : ";", v);
		if (hi > v)
			put(buf, len, cap, "..%u", hi);
		first = 0;
		v = hi;
	}
	put(buf, len, cap, "]");
}

/* write_spec - sites back in postscreen syntax; the caller frees it */
static char *write_spec(const struct dnsbl_site *s, int n)
{
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);

	FUZZ_CHECK(buf != NULL, "out of memory");
	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			put(&buf, &len, &cap, ", ");
		put(&buf, &len, &cap, "%s", s[i].zone);
		if (s[i].has_filter)
			for (int o = 0; o < 4; o++) {
				put(&buf, &len, &cap, "%c", o ? '.' : '=');
				write_octet(&buf, &len, &cap, s[i].filter[o]);
			}
		put(&buf, &len, &cap, "*%d", s[i].weight);
	}
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsbl_site s[DNSBL_MAX_SITES], again[DNSBL_MAX_SITES];
	char *spec = malloc(size + 1), *back, why[2048];
	int n, m;

	FUZZ_CHECK(spec != NULL, "out of memory");
	memcpy(spec, data, size);
	spec[size] = 0;			/* the config loader refuses NULs */
	why[0] = 0;
	n = dnsbl_sites_parse(spec, s, DNSBL_MAX_SITES, why, sizeof(why));
	free(spec);
	if (n < 0) {
		FUZZ_CHECK(n == -1 && why[0], "refused without a reason");
		return 0;
	}
	FUZZ_CHECK(n <= DNSBL_MAX_SITES, "%d sites", n);
	for (int i = 0; i < n; i++) {
		struct mxg_key k = { .plen = 128 };
		char name[DNSBL_ZONE_MAX + 80];

		check_zone(s[i].zone);
		FUZZ_CHECK(s[i].weight >= -100 && s[i].weight <= 100, "weight %d",
			   s[i].weight);
		memset(k.addr, 0xff, sizeof(k.addr));	/* any IPv6 address */
		addr_reverse_name(&k, s[i].zone, name, sizeof(name));
		FUZZ_CHECK(strlen(name) <= DNSBL_QNAME_MAX, "query name of %zu bytes",
			   strlen(name));
	}
	back = write_spec(s, n);
	m = dnsbl_sites_parse(back, again, DNSBL_MAX_SITES, why, sizeof(why));
	FUZZ_CHECK(m == n, "\"%s\" parses to %d sites, not %d (%s)", back, m, n,
		   m < 0 ? why : "");
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(!strcmp(s[i].zone, again[i].zone) &&
			   s[i].has_filter == again[i].has_filter &&
			   !memcmp(s[i].filter, again[i].filter, sizeof(s[i].filter)) &&
			   s[i].weight == again[i].weight,
			   "site %d does not round-trip through \"%s\"", i, back);
	free(back);
	return 0;
}
