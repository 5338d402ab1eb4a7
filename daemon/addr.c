/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	addr - client addresses as map keys and text
 * DESCRIPTION
 *	Implements addr.h (the contract is there). One key type holds both
 *	families, IPv4 mapped into ::ffff:0:0/96, so the tc program does one
 *	lookup whatever the family.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"

static const __u8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* addr_is_v4 - an IPv4-mapped key? */
int addr_is_v4(const struct mxg_key *key)
{
	return mxg_key_is_v4(key);
}

/* parse_plen - "/N" with 0 <= N <= max; -1 if not a number in range */
static int parse_plen(const char *s, int max)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 0 || n > max)
		return -1;
	return (int)n;
}

/* addr_parse - "a.b.c.d", "2001:db8::1", with an optional "/plen" */
int addr_parse(const char *text, struct mxg_key *key)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	int plen;

	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -1;
	memcpy(buf, text, n);
	buf[n] = 0;
	memset(key, 0, sizeof(*key));
	if (inet_pton(AF_INET, buf, key->addr + 12) == 1) {
		memcpy(key->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		plen = slash ? parse_plen(slash + 1, 32) : 32;
		if (plen < 0)
			return -1;
		plen += 96;
	} else if (inet_pton(AF_INET6, buf, key->addr) == 1) {
		plen = slash ? parse_plen(slash + 1, 128) : 128;
		if (plen < 0)
			return -1;
	} else {
		return -1;
	}
	addr_prefix(key, (unsigned)plen);
	return 0;
}

/* addr_prefix - key becomes its /plen prefix (plen over the 128-bit form) */
void addr_prefix(struct mxg_key *key, unsigned plen)
{
	mxg_key_prefix(key, plen > 128 ? 128 : plen);
}

/* addr_format - the address as a person writes it, "/plen" for prefixes */
void addr_format(const struct mxg_key *key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	/* A key read from a map may hold anything: a mapped address with a
	 * prefix shorter than the mapping is shown in IPv6 form. */
	int v4 = addr_is_v4(key) && key->plen >= 96;
	unsigned plen = v4 ? key->plen - 96u : key->plen;

	if (v4)
		inet_ntop(AF_INET, key->addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, key->addr, a, sizeof(a));
	if (key->plen == 128)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, plen);
}

/* addr_reverse_name - "4.3.2.1.ZONE" or the nibbles, reversed, ".ZONE" */
void addr_reverse_name(const struct mxg_key *key, const char *zone,
		       char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const __u8 *a = key->addr;
	size_t o = 0;

	if (addr_is_v4(key)) {
		snprintf(buf, len, "%u.%u.%u.%u.%s", a[15], a[14], a[13], a[12],
			 zone ? zone : "in-addr.arpa");
		return;
	}
	for (int i = 15; i >= 0 && o + 4 < len; i--) {
		buf[o++] = hex[a[i] & 0xf];
		buf[o++] = '.';
		buf[o++] = hex[a[i] >> 4];
		buf[o++] = '.';
	}
	snprintf(buf + o, len - o, "%s", zone ? zone : "ip6.arpa");
}
