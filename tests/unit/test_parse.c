/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_parse.c - the packet parser shared by the tc program and mxgated. */
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "mxgate.h"
#include "parse.h"
#include "packets.h"
#include "test.h"

/* parse_frame - build s as a frame and parse it with mxg_parse_eth */
static int parse_frame(const struct pkt_spec *s, struct mxg_pkt *out)
{
	__u8 buf[PKT_MAX];
	size_t n = build_frame(buf, s);

	memset(out, 0xa5, sizeof(*out));	/* garbage must not survive */
	return mxg_parse_eth(buf, buf + n, out);
}

TEST(parse_ipv4_syn)
{
	struct pkt_spec s = syn_spec(4);
	struct mxg_pkt pk;

	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.family, 4);
	CHECK_EQ_INT(pk.dport, 25);
	CHECK(mxg_is_new_syn(&pk));
	CHECK_EQ_INT(pk.key.plen, 128);
	CHECK_EQ_INT(pk.key.addr[10], 0xff);
	CHECK_EQ_INT(pk.key.addr[0], 0);
	CHECK(memcmp(pk.key.addr + 12, test_src4, 4) == 0);
	/* The key is a map key: its padding must be zero, not stack junk. */
	CHECK_EQ_INT(pk.key.pad[0] | pk.key.pad[1] | pk.key.pad[2], 0);
}

TEST(parse_ipv6_syn_with_extension_headers)
{
	struct pkt_spec s = syn_spec(6);
	struct mxg_pkt pk;

	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.family, 6);
	CHECK(memcmp(pk.key.addr, test_src6, 16) == 0);
	CHECK_EQ_INT(pk.key.pad[0] | pk.key.pad[1] | pk.key.pad[2], 0);
	s.v6_hop_dst = 1;
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.dport, 25);
	s.v6_frag_offset = 0;		/* first fragment: TCP header is there */
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK(mxg_is_new_syn(&pk));
	s.v6_frag_offset = 3;		/* later fragment: no TCP header */
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OTHER);
}

TEST(parse_vlan_and_qinq)
{
	struct pkt_spec s = syn_spec(4);
	struct mxg_pkt pk;

	s.vlans = 1;
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.dport, 25);
	s.vlans = 2;
	s.family = 6;
	s.src = test_src6;
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.family, 6);
}

TEST(parse_flags_ports_protocols)
{
	struct pkt_spec s = syn_spec(4);
	struct mxg_pkt pk;

	s.tcp_flags = 0x12;		/* SYN-ACK */
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK(!mxg_is_new_syn(&pk));
	s.tcp_flags = 0x10;		/* ACK */
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK(!mxg_is_new_syn(&pk));
	s.tcp_flags = 0x02;
	s.dport = 587;
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.dport, 587);
	s.udp = 1;
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OTHER);
}

TEST(parse_ipv4_options_and_fragments)
{
	struct pkt_spec s = syn_spec(4);
	struct mxg_pkt pk;

	s.v4_options = 3;		/* IHL 8: the TCP header moves */
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.dport, 25);
	CHECK(mxg_is_new_syn(&pk));
	s.v4_options = 0;
	s.v4_frag_offset = 10;
	CHECK_EQ_INT(parse_frame(&s, &pk), MXG_PARSE_OTHER);
}

/* every_cut - parse every prefix of the frame/packet on the heap (ASan
 * catches any read past the end); a cut header is never OK */
static void every_cut(const struct pkt_spec *s, int l3)
{
	__u8 full[PKT_MAX];
	size_t n = l3 ? build_l3(full, s) : build_frame(full, s);

	for (size_t len = 0; len < n; len++) {
		__u8 *cut = malloc(len ? len : 1);
		struct mxg_pkt pk;
		int rc;

		memcpy(cut, full, len);
		rc = l3 ? mxg_parse_l3(cut, cut + len, 0, &pk)
			: mxg_parse_eth(cut, cut + len, &pk);
		if (rc == MXG_PARSE_OK)
			test_fail(__FILE__, __LINE__, "family %d %s cut at %zu of %zu parsed OK",
				  s->family, l3 ? "packet" : "frame", len, n);
		free(cut);
	}
}

TEST(parse_truncated_at_every_length)
{
	struct pkt_spec v4 = syn_spec(4), v6 = syn_spec(6);

	v4.vlans = 2;
	v6.v6_hop_dst = 1;
	v6.vlans = 1;
	every_cut(&v4, 0);
	every_cut(&v6, 0);
	every_cut(&v4, 1);
	every_cut(&v6, 1);
	/* The headers whose length comes from the packet itself. */
	v4.v4_options = 10;		/* IHL 15, the largest */
	v6.v6_frag_offset = 0;
	every_cut(&v4, 0);
	every_cut(&v6, 0);
}

TEST(parse_ipv6_extension_header_kinds)
{
	struct pkt_spec s = syn_spec(6);
	__u8 buf[PKT_MAX];
	struct mxg_pkt pk;
	size_t n;

	s.v6_hop_dst = 1;
	n = build_l3(buf, &s);
	/* Byte 40 is the hop-by-hop header's next header, now 60 (dst). */
	CHECK_EQ_INT(buf[40], 60);
	buf[40] = 43;			/* routing: skipped like dst options */
	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, 0, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.dport, 25);
	buf[40] = 50;			/* ESP: the TCP header is out of reach */
	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, 0, &pk), MXG_PARSE_OTHER);
	/* The ethertype, when given, wins over the version nibble. */
	buf[40] = 60;
	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, ETH_P_IPV6, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, ETH_P_IP, &pk), MXG_PARSE_OTHER);
	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, 0x0806, &pk), MXG_PARSE_OTHER);
}

TEST(parse_nfqueue_payload_takes_version_from_the_header)
{
	struct pkt_spec s = syn_spec(6);
	__u8 buf[PKT_MAX];
	struct mxg_pkt pk;
	size_t n = build_l3(buf, &s);

	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, 0, &pk), MXG_PARSE_OK);
	CHECK_EQ_INT(pk.family, 6);
	buf[0] = 0x50;			/* IP version 5 */
	CHECK_EQ_INT(mxg_parse_l3(buf, buf + n, 0, &pk), MXG_PARSE_OTHER);
}
