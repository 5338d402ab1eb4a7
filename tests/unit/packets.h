/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packets.h - build test packets: Ethernet (optional VLAN tags), IPv4 or
 * IPv6 (optional extension headers), TCP or UDP. Used by the parser's unit
 * tests and by the BPF tests. Checksums are left zero: nothing here
 * verifies them.
 */
#ifndef MXG_TEST_PACKETS_H
#define MXG_TEST_PACKETS_H

#include <string.h>
#include <linux/types.h>

#define PKT_MAX 256

struct pkt_spec {
	int family;		/* 4 or 6 */
	const __u8 *src;	/* 4 or 16 bytes */
	__u16 dport;
	__u8 tcp_flags;		/* 0x02 SYN, 0x12 SYN-ACK, 0x10 ACK */
	int udp;		/* UDP instead of TCP */
	int vlans;		/* 802.1Q tags before the IP header */
	int v4_options;		/* extra IPv4 header words (IHL > 5) */
	int v4_frag_offset;	/* fragment offset in 8-byte units */
	int v6_hop_dst;		/* hop-by-hop + destination options headers */
	int v6_frag_offset;	/* fragment header with this offset (-1: none) */
};

/* put16 - big-endian 16-bit store */
static inline void put16(__u8 *p, unsigned v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

/* build_l4 - TCP (20 bytes) or UDP (8) header; returns its length */
static inline size_t build_l4(__u8 *p, const struct pkt_spec *s)
{
	if (s->udp) {
		memset(p, 0, 8);
		put16(p, 40000);
		put16(p + 2, s->dport);
		put16(p + 4, 8);
		return 8;
	}
	memset(p, 0, 20);
	put16(p, 40000);
	put16(p + 2, s->dport);
	p[12] = 5 << 4;
	p[13] = s->tcp_flags;
	return 20;
}

/* build_l3 - the IP packet from its header on; returns its length */
static inline size_t build_l3(__u8 *p, const struct pkt_spec *s)
{
	__u8 proto = s->udp ? 17 : 6;
	size_t o;

	if (s->family == 4) {
		size_t ihl = 20 + 4 * (size_t)s->v4_options;

		memset(p, 0, ihl);
		p[0] = (__u8)(0x40 | (ihl / 4));
		put16(p + 6, (unsigned)s->v4_frag_offset & 0x1fff);
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, s->src, 4);
		p[16] = 203; p[17] = 0; p[18] = 113; p[19] = 25;
		o = ihl + build_l4(p + ihl, s);
		put16(p + 2, (unsigned)o);
		return o;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = 64;
	memcpy(p + 8, s->src, 16);
	p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 0x25;
	o = 40;
	{
		__u8 *next = &p[6];

		if (s->v6_hop_dst) {
			*next = 0;			/* hop-by-hop, 8 bytes */
			memset(p + o, 0, 8);
			next = &p[o];
			o += 8;
			*next = 60;			/* destination options, 16 bytes */
			memset(p + o, 0, 16);
			p[o + 1] = 1;
			next = &p[o];
			o += 16;
		}
		if (s->v6_frag_offset >= 0) {
			*next = 44;
			memset(p + o, 0, 8);
			put16(p + o + 2, (unsigned)s->v6_frag_offset << 3);
			next = &p[o];
			o += 8;
		}
		*next = proto;
	}
	o += build_l4(p + o, s);
	put16(p + 4, (unsigned)(o - 40));
	return o;
}

/* build_frame - Ethernet frame around the IP packet; returns its length */
static inline size_t build_frame(__u8 *p, const struct pkt_spec *s)
{
	size_t o = 12;

	memset(p, 0, 12);
	p[0] = 0x02;			/* locally administered MACs */
	p[6] = 0x02;
	p[11] = 1;
	for (int i = 0; i < s->vlans; i++) {
		put16(p + o, i == 0 && s->vlans == 2 ? 0x88a8 : 0x8100);
		put16(p + o + 2, 100 + (unsigned)i);
		o += 4;
	}
	put16(p + o, s->family == 4 ? 0x0800 : 0x86dd);
	o += 2;
	return o + build_l3(p + o, s);
}

static const __u8 test_src4[4] = { 198, 51, 100, 20 };
static const __u8 test_src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 0x20 };

/* syn_spec - a plain SYN to port 25 from the test source of family */
static inline struct pkt_spec syn_spec(int family)
{
	struct pkt_spec s = { .family = family, .dport = 25, .tcp_flags = 0x02,
			      .v6_frag_offset = -1 };

	s.src = family == 4 ? test_src4 : test_src6;
	return s;
}

#endif /* MXG_TEST_PACKETS_H */
