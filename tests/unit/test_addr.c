/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_addr.c - client addresses: parsing, map keys, text, reverse names. */
#include <string.h>
#include "addr.h"
#include "test.h"

/* round_trip - parse text, format the key; "" when parsing fails */
static const char *round_trip(const char *text, char *buf, size_t len)
{
	struct mxg_key k;

	buf[0] = 0;
	if (addr_parse(text, &k) == 0)
		addr_format(&k, buf, len);
	return buf;
}

TEST(addr_ipv4_is_mapped)
{
	static const __u8 want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
				       192, 0, 2, 7 };
	struct mxg_key k;
	char buf[ADDR_STRLEN];

	memset(&k, 0xaa, sizeof(k));	/* parse must clear the padding */
	CHECK_EQ_INT(addr_parse("192.0.2.7", &k), 0);
	CHECK(memcmp(k.addr, want, sizeof(want)) == 0);
	CHECK(addr_is_v4(&k));
	CHECK_EQ_INT(k.plen, 128);
	CHECK_EQ_INT(k.pad[0] | k.pad[1] | k.pad[2], 0);
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "192.0.2.7");
}

TEST(addr_ipv6_round_trip)
{
	struct mxg_key k;
	char buf[ADDR_STRLEN];

	CHECK_EQ_INT(addr_parse("2001:db8::1", &k), 0);
	CHECK(!addr_is_v4(&k));
	CHECK_EQ_INT(k.plen, 128);
	CHECK_EQ_INT(k.addr[0], 0x20);
	CHECK_EQ_INT(k.addr[15], 1);
	CHECK_EQ_STR(round_trip("2001:db8::1", buf, sizeof(buf)), "2001:db8::1");
	/* Printed in the canonical form, whatever the spelling. */
	CHECK_EQ_STR(round_trip("2001:0DB8:0:0:0:0:0:0025", buf, sizeof(buf)),
		     "2001:db8::25");
	CHECK_EQ_STR(round_trip("::", buf, sizeof(buf)), "::");
	CHECK_EQ_STR(round_trip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", buf,
				sizeof(buf)), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(addr_v4_mapped_text_is_the_ipv4_key)
{
	struct mxg_key a, b;
	char buf[ADDR_STRLEN];

	/* The kernel sees a v4-mapped source on a dual-stack socket the same
	 * way: both spellings must give one key. */
	CHECK_EQ_INT(addr_parse("::ffff:198.51.100.20", &a), 0);
	CHECK_EQ_INT(addr_parse("198.51.100.20", &b), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK(addr_is_v4(&a));
	CHECK_EQ_STR(round_trip("::ffff:198.51.100.20", buf, sizeof(buf)),
		     "198.51.100.20");
	CHECK_EQ_INT(addr_parse("::ffff:198.51.100.0/120", &a), 0);
	CHECK_EQ_INT(addr_parse("198.51.100.0/24", &b), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
}

TEST(addr_prefixes_clear_host_bits)
{
	struct mxg_key k;
	char buf[ADDR_STRLEN];

	CHECK_EQ_INT(addr_parse("198.51.100.77/24", &k), 0);
	CHECK_EQ_INT(k.plen, 120);
	CHECK_EQ_INT(k.addr[15], 0);
	CHECK_EQ_STR(round_trip("198.51.100.77/24", buf, sizeof(buf)), "198.51.100.0/24");
	CHECK_EQ_STR(round_trip("203.0.113.255/25", buf, sizeof(buf)), "203.0.113.128/25");
	CHECK_EQ_STR(round_trip("192.0.2.7/32", buf, sizeof(buf)), "192.0.2.7");
	/* /0 over IPv4 keeps the mapping prefix: all of IPv4, not all of IPv6. */
	CHECK_EQ_INT(addr_parse("192.0.2.7/0", &k), 0);
	CHECK_EQ_INT(k.plen, 96);
	CHECK(addr_is_v4(&k));
	CHECK_EQ_STR(round_trip("192.0.2.7/0", buf, sizeof(buf)), "0.0.0.0/0");
	CHECK_EQ_STR(round_trip("2001:db8:1:2:3::9/64", buf, sizeof(buf)),
		     "2001:db8:1:2::/64");
	CHECK_EQ_STR(round_trip("2001:db8:ffff::1/33", buf, sizeof(buf)),
		     "2001:db8:8000::/33");
	CHECK_EQ_STR(round_trip("2001:db8::1/0", buf, sizeof(buf)), "::/0");
	CHECK_EQ_STR(round_trip("2001:db8::1/128", buf, sizeof(buf)), "2001:db8::1");
}

TEST(addr_garbage_is_rejected)
{
	static const char *const bad[] = {
		"", "/24", "192.0.2", "192.0.2.256", "192.0.2.1/33", "192.0.2.1/",
		"192.0.2.1/-1", "192.0.2.1/+8", "192.0.2.1/8x", "192.0.2.1/24/8",
		"192.0.2.1/99999999999999999999", "2001:db8::1/129",
		"2001:db8::g", "2001:db8:::1", "fe80::1%eth0", "mail.example.org",
		" 192.0.2.1", "192.0.2.1 ", "[2001:db8::1]",
		"0123456789012345678901234567890123456789012345678901234567890",
	};
	struct mxg_key k;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr_parse(bad[i], &k) != -1)
			test_fail(__FILE__, __LINE__, "\"%s\" was accepted", bad[i]);
}

TEST(addr_format_survives_odd_map_keys)
{
	struct mxg_key k;
	char buf[ADDR_STRLEN], small[8];

	/* A mapped address with a prefix shorter than the mapping. */
	CHECK_EQ_INT(addr_parse("192.0.2.7", &k), 0);
	k.plen = 64;
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "::ffff:192.0.2.7/64");
	/* Truncated, never overrun. */
	CHECK_EQ_INT(addr_parse("2001:db8::1", &k), 0);
	addr_format(&k, small, sizeof(small));
	CHECK_EQ_STR(small, "2001:db");
}

TEST(addr_reverse_names)
{
	struct mxg_key k;
	char buf[128];

	CHECK_EQ_INT(addr_parse("192.0.2.99", &k), 0);
	addr_reverse_name(&k, NULL, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "99.2.0.192.in-addr.arpa");
	addr_reverse_name(&k, "zen.spamhaus.org", buf, sizeof(buf));
	CHECK_EQ_STR(buf, "99.2.0.192.zen.spamhaus.org");
	CHECK_EQ_INT(addr_parse("2001:db8::567:89ab", &k), 0);
	addr_reverse_name(&k, NULL, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		     "8.b.d.0.1.0.0.2.ip6.arpa");
	/* Too small a buffer: cut short and terminated. */
	addr_reverse_name(&k, NULL, buf, 10);
	CHECK(strlen(buf) < 10);
}

TEST(addr_prefix_clears_host_bits)
{
	struct mxg_key k, want;
	char buf[ADDR_STRLEN];

	CHECK_EQ_INT(addr_parse("198.51.100.77", &k), 0);
	addr_prefix(&k, 96 + 24);
	CHECK_EQ_INT(addr_parse("198.51.100.0/24", &want), 0);
	CHECK(memcmp(&k, &want, sizeof(k)) == 0);
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "198.51.100.0/24");
	CHECK_EQ_INT(addr_parse("2001:db8:1:2:3:4:5:6", &k), 0);
	addr_prefix(&k, 64);
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2001:db8:1:2::/64");
	addr_prefix(&k, 200);		/* out of range: the whole address */
	CHECK_EQ_INT(k.plen, 128);
}
