/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	parse - find the source address and TCP flags of a packet
 * SYNOPSIS
 *	int mxg_parse_eth(const __u8 *p, const __u8 *end, struct mxg_pkt *out);
 *	int mxg_parse_l3(const __u8 *p, const __u8 *end, __u16 ethertype,
 *			 struct mxg_pkt *out);
 *	int mxg_is_new_syn(const struct mxg_pkt *pk);
 * DESCRIPTION
 *	One parser for the tc program (packets from the Ethernet header on)
 *	and the daemon (NFQUEUE payloads, from the IP header on), so both
 *	agree on what a packet is. Header-only, on the kernel's UAPI headers
 *	(<linux/types.h>, <linux/if_ether.h>) on both sides; include it
 *	after mxgate.h.
 *
 *	mxg_parse_eth() skips up to two VLAN tags (802.1Q, 802.1ad).
 *	mxg_parse_l3() takes the IP header; ethertype 0 means "read the
 *	version nibble". IPv6 hop-by-hop, routing and destination options
 *	headers are skipped (up to MXG_MAX_EXT_HDRS), as is a fragment header
 *	of a first fragment. Both return MXG_PARSE_OK with out filled in for
 *	a TCP packet, MXG_PARSE_OTHER for anything that is not the first
 *	piece of a TCP packet, MXG_PARSE_TRUNCATED when a header is cut
 *	short. Every read is bounds-checked against end first, the way the
 *	BPF verifier wants it.
 */
#ifndef MXG_PARSE_H
#define MXG_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* IANA protocol numbers, not <linux/in.h>: in the daemon it would clash
 * with glibc's <netinet/in.h>, depending on which comes first. */
#define MXG_IPPROTO_TCP		6
#define MXG_IPPROTO_HOPOPTS	0
#define MXG_IPPROTO_ROUTING	43
#define MXG_IPPROTO_FRAGMENT	44
#define MXG_IPPROTO_DSTOPTS	60
#define MXG_MAX_EXT_HDRS	4
#define MXG_TCP_SYN		0x02
#define MXG_TCP_ACK		0x10

enum {
	MXG_PARSE_TRUNCATED = -1,	/* a header is cut short */
	MXG_PARSE_OK = 0,		/* TCP: out is filled in */
	MXG_PARSE_OTHER = 1,		/* not TCP, or not a first fragment */
};

struct mxg_pkt {
	struct mxg_key key;	/* source address, IPv4-mapped, plen 128 */
	__u16 dport;		/* TCP destination port, host order */
	__u8 tcp_flags;		/* byte 13 of the TCP header */
	__u8 family;		/* 4 or 6 */
};

/* mxg_parse_tcp - destination port and flags from the TCP header at p */
static __always_inline int mxg_parse_tcp(const __u8 *p, const __u8 *end,
					 struct mxg_pkt *out)
{
	if (p + 20 > end)
		return MXG_PARSE_TRUNCATED;
	out->dport = (__u16)((p[2] << 8) | p[3]);
	out->tcp_flags = p[13];
	return MXG_PARSE_OK;
}

/* mxg_parse_ipv4 - IPv4 header at p: source and the TCP header after it */
static __always_inline int mxg_parse_ipv4(const __u8 *p, const __u8 *end,
					  struct mxg_pkt *out)
{
	__u32 ihl;
	int i;

	if (p + 20 > end)
		return MXG_PARSE_TRUNCATED;
	ihl = (__u32)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20)
		return MXG_PARSE_OTHER;
	/* Not TCP, or a fragment other than the first: no TCP header here. */
	if (p[9] != MXG_IPPROTO_TCP || (((p[6] & 0x1f) << 8) | p[7]) != 0)
		return MXG_PARSE_OTHER;
	for (i = 0; i < 10; i++)
		out->key.addr[i] = 0;
	out->key.addr[10] = 0xff;
	out->key.addr[11] = 0xff;
	for (i = 0; i < 4; i++)
		out->key.addr[12 + i] = p[12 + i];
	out->key.plen = 128;
	out->key.pad[0] = out->key.pad[1] = out->key.pad[2] = 0;
	out->family = 4;
	return mxg_parse_tcp(p + ihl, end, out);
}

/* mxg_parse_ipv6 - IPv6 header at p, extension headers, then TCP */
static __always_inline int mxg_parse_ipv6(const __u8 *p, const __u8 *end,
					  struct mxg_pkt *out)
{
	__u8 next;
	int i;

	if (p + 40 > end)
		return MXG_PARSE_TRUNCATED;
	if ((p[0] >> 4) != 6)
		return MXG_PARSE_OTHER;
	for (i = 0; i < 16; i++)
		out->key.addr[i] = p[8 + i];
	out->key.plen = 128;
	out->key.pad[0] = out->key.pad[1] = out->key.pad[2] = 0;
	out->family = 6;
	next = p[6];
	p += 40;
	for (i = 0; i < MXG_MAX_EXT_HDRS; i++) {
		if (next == MXG_IPPROTO_TCP)
			break;
		if (p + 8 > end)
			return MXG_PARSE_TRUNCATED;
		if (next == MXG_IPPROTO_FRAGMENT) {
			/* Only the first fragment carries the TCP header. */
			if ((((p[2] << 8) | p[3]) & 0xfff8) != 0)
				return MXG_PARSE_OTHER;
			next = p[0];
			p += 8;
		} else if (next == MXG_IPPROTO_HOPOPTS ||
			   next == MXG_IPPROTO_ROUTING ||
			   next == MXG_IPPROTO_DSTOPTS) {
			next = p[0];
			p += ((__u32)p[1] + 1) * 8;
		} else {
			return MXG_PARSE_OTHER;
		}
	}
	if (next != MXG_IPPROTO_TCP)
		return MXG_PARSE_OTHER;
	return mxg_parse_tcp(p, end, out);
}

/* mxg_parse_l3 - IP packet at p; ethertype 0 = from the version nibble */
static __always_inline int mxg_parse_l3(const __u8 *p, const __u8 *end,
					__u16 ethertype, struct mxg_pkt *out)
{
	if (ethertype == 0) {
		if (p + 1 > end)
			return MXG_PARSE_TRUNCATED;
		ethertype = (p[0] >> 4) == 4 ? ETH_P_IP :
			    (p[0] >> 4) == 6 ? ETH_P_IPV6 : 0;
	}
	if (ethertype == ETH_P_IP)
		return mxg_parse_ipv4(p, end, out);
	if (ethertype == ETH_P_IPV6)
		return mxg_parse_ipv6(p, end, out);
	return MXG_PARSE_OTHER;
}

/* mxg_parse_eth - Ethernet frame at p, up to two VLAN tags */
static __always_inline int mxg_parse_eth(const __u8 *p, const __u8 *end,
					 struct mxg_pkt *out)
{
	__u16 proto;
	int i;

	if (p + ETH_HLEN > end)
		return MXG_PARSE_TRUNCATED;
	proto = (__u16)((p[12] << 8) | p[13]);
	p += ETH_HLEN;
	for (i = 0; i < 2; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (p + 4 > end)
			return MXG_PARSE_TRUNCATED;
		proto = (__u16)((p[2] << 8) | p[3]);
		p += 4;
	}
	if (proto != ETH_P_IP && proto != ETH_P_IPV6)
		return MXG_PARSE_OTHER;
	return mxg_parse_l3(p, end, proto, out);
}

/* mxg_is_new_syn - a connection attempt: SYN set, ACK clear */
static __always_inline int mxg_is_new_syn(const struct mxg_pkt *pk)
{
	return (pk->tcp_flags & (MXG_TCP_SYN | MXG_TCP_ACK)) == MXG_TCP_SYN;
}

#endif /* MXG_PARSE_H */
